package onestop

import (
	"net/url"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/onestop/forms"
)

// The mapping of a dossier to the printed forms of package forms (Decree
// 118/2025/NĐ-CP, forms of Circular 03/2025/TT-VPCP). Only the mapping:
// the caller fills the header (parent agency, number, place), prints
// with forms.Receipt and the others, and seals the result. In every
// mapper a blank h.Agency is the dossier's receiving agency and a zero
// h.Date the moment of the event the form records.

// DeskUnit names the one-stop desk of an agency on the forms.
const DeskUnit = "Bộ phận tiếp nhận và trả kết quả"

// TrackURL is the public tracking page of a dossier under the portal's
// base address ("https://dichvucong.example.vn"), printed as the
// receipt's QR code.
func TrackURL(base, code string) string {
	return strings.TrimRight(base, "/") + "/portal/track/" + url.PathEscape(code)
}

func formHeader(h forms.Header, d *Dossier, at time.Time) forms.Header {
	if strings.TrimSpace(h.Agency) == "" {
		h.Agency = d.AgencyName
	}
	if h.Date.IsZero() {
		h.Date = at
	}
	return h
}

func formPerson(a Applicant) forms.Person {
	return forms.Person{Name: a.Name, ID: a.IDNumber, Address: a.Address, Phone: a.Phone, Email: a.Email}
}

func procedureName(d *Dossier, p *Procedure) string {
	if p != nil && d.ProcedureName == "" {
		return p.Name
	}
	return d.ProcedureName
}

// ReceiptForm maps an accepted dossier to form 01 (Giấy tiếp nhận hồ sơ
// và hẹn trả kết quả): the documents received are the procedure's
// components the dossier has files for (online: electronic copies, one
// per file; at the desk: the copies the procedure asks for), the
// appointment is the dossier's (DueAt when none was given), the result
// is collected at the receiving agency's desk. receiver is the officer
// who received it; trackURL is printed as the QR code (TrackURL).
func ReceiptForm(d *Dossier, p *Procedure, h forms.Header, receiver, trackURL string) forms.ReceiptData {
	due := d.Appointment
	if due.IsZero() {
		due = d.DueAt
	}
	r := forms.ReceiptData{
		Header:      formHeader(h, d, d.ReceivedAt),
		Code:        d.Code,
		Centre:      d.AgencyName,
		Applicant:   formPerson(d.Applicant),
		Request:     procedureName(d, p),
		Sets:        1,
		Days:        d.Days,
		ReceivedAt:  d.ReceivedAt,
		DueAt:       due,
		ResultPlace: DeskUnit + ", " + d.AgencyName,
		Receiver:    receiver,
		TrackURL:    trackURL,
	}
	if d.Channel == ChannelOnline {
		r.ResultPlace = "Trực tuyến trên Cổng dịch vụ công hoặc tại " + r.ResultPlace
	}
	files := map[string]int{}
	var order []string
	for _, f := range d.Files {
		if f.Kind != FileComponent && f.Kind != FileSupplement {
			continue
		}
		if files[f.Component] == 0 {
			order = append(order, f.Component)
		}
		files[f.Component]++
	}
	kind := func(n int, c *Component) (string, int) {
		if d.Channel == ChannelOnline {
			return "Bản điện tử", n
		}
		if c != nil && c.Copies > 0 {
			return "", c.Copies
		}
		return "", n
	}
	seen := map[string]bool{}
	if p != nil {
		for i := range p.Components {
			c := &p.Components[i]
			if n := files[c.Code]; n > 0 {
				k, copies := kind(n, c)
				r.Documents = append(r.Documents, forms.DocumentItem{Name: c.Name, Kind: k, Copies: copies})
				seen[c.Code] = true
			}
		}
	}
	// Files of components the procedure no longer lists, by their code.
	for _, code := range order {
		if seen[code] {
			continue
		}
		name := code
		if name == "" {
			name = "Giấy tờ khác"
		}
		k, copies := kind(files[code], nil)
		r.Documents = append(r.Documents, forms.DocumentItem{Name: name, Kind: k, Copies: copies})
	}
	return r
}

// SupplementForm maps a dossier's supplement request to form 02 (Phiếu
// yêu cầu bổ sung, hoàn thiện hồ sơ); the officer who asked is the guide
// and the contact, unless contactName is given. A dossier without a
// request gives a form that forms.Supplement refuses (no items).
func SupplementForm(d *Dossier, h forms.Header, contactName, contactPhone string) forms.SupplementData {
	s := forms.SupplementData{
		Code: d.Code, Applicant: formPerson(d.Applicant), Request: d.ProcedureName,
		ContactName: contactName, ContactPhone: contactPhone,
	}
	var at time.Time
	if sr := d.Supplement; sr != nil {
		s.Items, s.Reason, s.Guide, at = sr.Items, sr.Reason, sr.RequestedBy, sr.RequestedAt
		if strings.TrimSpace(s.ContactName) == "" {
			s.ContactName = sr.RequestedBy
		}
	}
	s.Header = formHeader(h, d, at)
	return s
}

// RefusalForm maps a refused dossier to form 03 (Phiếu từ chối tiếp nhận,
// giải quyết hồ sơ): one reason per line of the dossier's reason; signer
// is the officer who refused it.
func RefusalForm(d *Dossier, h forms.Header, signer string) forms.RefusalData {
	var reasons []string
	for _, r := range strings.Split(strings.ReplaceAll(d.Reason, "\r\n", "\n"), "\n") {
		if r = strings.TrimSpace(r); r != "" {
			reasons = append(reasons, r)
		}
	}
	return forms.RefusalData{
		Header: formHeader(h, d, d.UpdatedAt), Unit: DeskUnit + ", " + d.AgencyName,
		Applicant: formPerson(d.Applicant), Code: d.Code, Request: d.ProcedureName,
		Reasons: reasons, Signer: signer,
	}
}

// ApologyForm maps a dossier's apology to form 04 (Phiếu xin lỗi và hẹn
// lại ngày trả kết quả), signed by the head of the agency (signerTitle,
// e.g. "Giám đốc"; blank prints the form's generic title).
func ApologyForm(d *Dossier, h forms.Header, signerTitle, signer string) forms.ApologyData {
	a := forms.ApologyData{
		Applicant: formPerson(d.Applicant), Code: d.Code, Request: d.ProcedureName,
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, SignerTitle: signerTitle, Signer: signer,
	}
	var at time.Time
	if ap := d.Apology; ap != nil {
		a.Reason, a.NewDueAt, at = ap.Reason, ap.NewAppointment, ap.At
		if !ap.OldDue.IsZero() {
			a.DueAt = ap.OldDue
		}
	}
	a.Header = formHeader(h, d, at)
	return a
}

// ControlSlipForm maps a dossier's steps to form 06 (Phiếu kiểm soát quá
// trình giải quyết hồ sơ): one row per hand-over, the desk giving the
// first step, each step giving the next (its outcome recorded on the
// row that hands it over), the last step giving the result back to the
// desk, and the desk returning it to the applicant.
func ControlSlipForm(d *Dossier, h forms.Header) forms.ControlSlipData {
	c := forms.ControlSlipData{
		Header: formHeader(h, d, d.ReceivedAt), Code: d.Code, Request: d.ProcedureName,
		Applicant: d.Applicant.Name, LeadUnit: d.AgencyName,
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt,
	}
	if !d.Appointment.IsZero() {
		c.DueAt = d.Appointment
	}
	seenCo := map[string]bool{}
	for _, st := range d.Steps {
		if st.AgencyName != "" && st.AgencyName != d.AgencyName && !seenCo[st.AgencyName] {
			seenCo[st.AgencyName] = true
			c.CoUnits = append(c.CoUnits, st.AgencyName)
		}
	}
	desk := DeskUnit + ", " + d.AgencyName
	fromUnit, fromPerson := desk, ""
	var fromOutcome Timeliness
	var last *DossierStep
	for i := range d.Steps {
		st := &d.Steps[i]
		if !st.Started() {
			break
		}
		c.Rows = append(c.Rows, forms.ControlRow{
			FromUnit: fromUnit, FromPerson: fromPerson, ToUnit: stepUnit(st), ToPerson: st.HolderName,
			At: st.StartedAt, Result: fromOutcome, Note: st.Note,
		})
		fromUnit, fromPerson, fromOutcome = stepUnit(st), st.DoneByName, st.Outcome
		last = st
	}
	if last != nil && last == &d.Steps[len(d.Steps)-1] && last.Done() {
		c.Rows = append(c.Rows, forms.ControlRow{
			FromUnit: fromUnit, FromPerson: fromPerson, ToUnit: desk,
			At: last.EndedAt, Result: fromOutcome,
		})
	}
	if !d.ReturnedAt.IsZero() {
		c.Rows = append(c.Rows, forms.ControlRow{
			FromUnit: desk, ToUnit: "Người nộp hồ sơ", ToPerson: d.Applicant.Name,
			At: d.ReturnedAt, Result: d.Outcome, Note: "Trả kết quả",
		})
	}
	return c
}

// stepUnit names the unit holding a step: its agency and the step.
func stepUnit(st *DossierStep) string {
	switch {
	case st.AgencyName == "":
		return st.Name
	case st.Name == "":
		return st.AgencyName
	}
	return st.AgencyName + " – " + st.Name
}

// BookRowOf maps a dossier to its line of the tracking book (form 07,
// Sổ theo dõi hồ sơ): the receiving agency leads, the appointment is the
// due date printed, and the result is taken to be delivered the way the
// dossier came (the dossier does not record another way).
func BookRowOf(d *Dossier) forms.BookRow {
	contact := d.Applicant.Address
	if d.Applicant.Phone != "" {
		if contact != "" {
			contact += "; "
		}
		contact += d.Applicant.Phone
	}
	due := d.Appointment
	if due.IsZero() {
		due = d.DueAt
	}
	return forms.BookRow{
		Code: d.Code, Procedure: d.ProcedureName, Applicant: d.Applicant.Name, Contact: contact,
		LeadAgency: d.AgencyName, ReceivedAt: d.ReceivedAt, DueAt: due, ReturnedAt: d.ReturnedAt,
		Delivery: d.Channel.Name(),
	}
}

// StopForm maps a withdrawn or stopped dossier to form 05 (Thông báo
// dừng giải quyết hồ sơ): it stops at the dossier's last change, for the
// reason recorded; signer is the officer who records it.
func StopForm(d *Dossier, h forms.Header, signer string) forms.StopData {
	return forms.StopData{
		Header: formHeader(h, d, d.UpdatedAt), Applicant: formPerson(d.Applicant), Code: d.Code, Request: d.ProcedureName,
		ReceivedAt: d.ReceivedAt, StoppedAt: d.UpdatedAt, Reason: d.Reason, Signer: signer,
	}
}
