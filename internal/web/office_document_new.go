package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// maxFormMemory is what a registration form keeps in memory; larger files
// spill to temporary files that net/http removes after the request.
const maxFormMemory = 1 << 20

type newDocData struct {
	Symbol, IssuedOn, Sender, Type, Summary, Urgency, Classification string
	Types, Urgencies, Levels                                         []option
	// Agency is the register the document goes into; Agencies are the
	// agencies whose incoming register the clerk keeps (the provincial
	// office's clerk keeps the committee's too), offered when more than one.
	Agency   string
	Agencies []option
	// Uploads are files already received (by id and name), carried by a
	// second submission so the clerk does not upload them again.
	Uploads []uploadRef
	MaxMB   int64
	Error   string
	Field   string
	// DuplicateOf is the first registration of the same document (same
	// sender, symbol and date): the form warns, links to it and offers
	// to register anyway.
	DuplicateOf int64
}

type uploadRef struct{ ID, Name string }

func levelOptions(selected string) []option {
	var out []option
	for _, l := range access.Levels() {
		out = append(out, option{Value: l.String(), Label: l.Label(), Selected: l.String() == selected})
	}
	return out
}

func (p *Office) newPage(w http.ResponseWriter, r *http.Request, status int, d newDocData) {
	d.Types, d.Urgencies, d.Levels = typeOptions(d.Type), urgencyOptions(documents.Urgency(d.Urgency)), levelOptions(d.Classification)
	d.MaxMB = p.blob.MaxSize() >> 20
	if a := actor.From(r.Context()); a != nil {
		for _, id := range registerAgencies(r, a) {
			v := strconv.FormatInt(id, 10)
			d.Agencies = append(d.Agencies, option{Value: v, Label: p.agencyName(r, id), Selected: v == d.Agency})
		}
	}
	p.rd.render(w, r, status, "office_document_new", "docnew.title", d)
}

// registerAgencies are the agencies whose incoming register a may keep:
// their own and those of their grants, as access permits.
func registerAgencies(r *http.Request, a *actor.Actor) []int64 {
	var out []int64
	add := func(id int64) {
		if id != 0 && !slices.Contains(out, id) &&
			access.Permits(r.Context(), a, access.DocumentsIncomingRegister, access.Resource{Type: "document", ID: "new", AgencyID: id}) {
			out = append(out, id)
		}
	}
	add(a.AgencyID)
	for _, g := range a.Roles {
		add(g.AgencyID)
	}
	return out
}

// newForm is the clerk's incoming registration form; others get 403.
func (p *Office) newForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := access.Authorize(r.Context(), a, access.DocumentsIncomingRegister, access.Resource{Type: "document", ID: "new", AgencyID: a.AgencyID}); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	p.newPage(w, r, http.StatusOK, newDocData{Type: documents.CongVan, Urgency: string(documents.UrgencyNormal), Classification: access.Internal.String(),
		IssuedOn: calendar.DateOf(p.now().In(locale.VN)).VN(), Agency: strconv.FormatInt(a.AgencyID, 10)})
}

// register stores the form's files as the clerk's uploads (encrypted when
// the document is restricted) and registers the document. A duplicate
// comes back to the form with a link to the first registration; a PDF
// whose signature fails is registered and its failed report shown.
func (p *Office) register(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := r.ParseMultipartForm(maxFormMemory); err != nil {
		p.newPage(w, r, http.StatusBadRequest, newDocData{Error: apperr.MessageOf(uploadError(err, p.blob.MaxSize()))})
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d := newDocData{Symbol: f("symbol"), IssuedOn: f("issued_on"), Sender: f("sender"), Type: f("type"), Summary: f("summary"),
		Urgency: f("urgency"), Classification: f("classification"), Agency: f("agency")}
	fail := func(err error) {
		httpx.LogError(r, httpx.Status(err), err)
		d.Error = apperr.MessageOf(err)
		var ae *apperr.Error
		if errors.As(err, &ae) {
			d.Field = ae.Field
		}
		if first, ok := documents.FirstOf(err); ok {
			d.DuplicateOf = first
		}
		p.newPage(w, r, httpx.Status(err), d)
	}
	req := documents.IncomingRequest{Symbol: d.Symbol, Sender: d.Sender, Type: d.Type, Summary: d.Summary, Urgency: d.Urgency,
		Classification: d.Classification, Force: f("force") == "1"}
	var err error
	if d.Agency != "" {
		// The service asks access.Can for the chosen register.
		if req.AgencyID, err = strconv.ParseInt(d.Agency, 10, 64); err != nil || req.AgencyID <= 0 {
			fail(apperr.FieldError("agency_id", "Cơ quan %q không hợp lệ", d.Agency))
			return
		}
	}
	if req.IssuedOn, err = calendar.ParseVN(d.IssuedOn); err != nil {
		fail(apperr.FieldError("issued_on", "Ngày ban hành %q không đúng dạng ngày/tháng/năm (ví dụ 05/03/2026)", d.IssuedOn))
		return
	}
	level := access.Internal
	if d.Classification != "" {
		if level, err = access.ParseLevel(d.Classification); err != nil {
			fail(apperr.FieldError("classification", "%s", apperr.MessageOf(err)))
			return
		}
	}
	// Files received by an earlier submission of this form.
	for _, id := range r.PostForm["upload"] {
		up, err := p.blob.Get(r.Context(), id)
		if err != nil || up.Uploader != a.AccountID {
			fail(apperr.FieldError("files", "Tệp đã tải lên trước không còn (quá hạn một ngày): hãy chọn lại tệp"))
			return
		}
		d.Uploads = append(d.Uploads, uploadRef{ID: up.ID, Name: up.Name})
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			if len(d.Uploads) >= documents.MaxAttachments {
				fail(apperr.FieldError("files", "Tối đa %d tệp đính kèm", documents.MaxAttachments))
				return
			}
			up, err := p.blob.UploadFile(r.Context(), a, fh, blob.Request{Level: level})
			if err != nil {
				e := apperr.FieldError("files", "Tệp %q: %s", fh.Filename, apperr.MessageOf(err))
				fail(e)
				return
			}
			d.Uploads = append(d.Uploads, uploadRef{ID: up.ID, Name: up.Name})
		}
	}
	for _, u := range d.Uploads {
		req.Attachments = append(req.Attachments, u.ID)
	}
	doc, err := p.docs.RegisterIncoming(r.Context(), a, req)
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/office/documents/"+strconv.FormatInt(doc.ID, 10)+"?ok=registered", http.StatusSeeOther)
}
