package onestop

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// Bounds of what a submission carries.
const (
	MaxIdempotencyKey = 200
	MaxFilesPerPart   = 20
	MaxFieldValue     = 2000
	MaxReasonBytes    = 4000
	MaxItems          = 30
)

// StatusTemplate is the e-mail template telling the applicant of a status change.
const StatusTemplate = "onestop.status"

// Submit stores a new dossier with its code (Circular 03/2025/TT-VPCP):
// online by the applicant (status 1) or at the desk by a one-stop officer
// (status 2, received at once). The same IdempotencyKey from the same
// account returns the first dossier. Errors: EINVALID (a field or a
// missing component), ENOTFOUND (procedure, upload), EFORBIDDEN.
func (s *DossierService) Submit(ctx context.Context, a *actor.Actor, req SubmitRequest) (*Dossier, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để nộp hồ sơ")
	}
	key := strings.TrimSpace(req.IdempotencyKey)
	portal := strings.TrimSpace(req.PortalCode)
	if portal != "" {
		if a.Kind != actor.System {
			return nil, apperr.New(apperr.Forbidden, "Chỉ hệ thống tiếp nhận hồ sơ từ Cổng Dịch vụ công quốc gia")
		}
		if len(portal) > 100 {
			return nil, apperr.FieldError("portal_code", "Mã hồ sơ trên Cổng DVCQG quá dài")
		}
		key = portalKeyPrefix + portal
	}
	if len(key) > MaxIdempotencyKey {
		return nil, apperr.FieldError("idempotency_key", "Idempotency-Key quá dài (tối đa %d ký tự)", MaxIdempotencyKey)
	}
	if key != "" {
		if d, err := s.byIdempotency(ctx, a, key); err == nil || !apperr.Is(err, apperr.NotFound) {
			return d, err
		}
	}
	p, err := s.opts.Procedures.Procedure(ctx, strings.TrimSpace(req.ProcedureCode))
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.FieldError("procedure_code", "Không có thủ tục hành chính mã %q", clipRunes(req.ProcedureCode, 40))
	} else if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, apperr.FieldError("procedure_code", "Thủ tục %s hiện không tiếp nhận hồ sơ", p.Code)
	}
	now := s.opts.Now()
	d := &Dossier{ProcedureCode: p.Code, ProcedureName: p.Name, Field: p.Field, SubmittedBy: a.AccountID, SubmittedAt: now, PortalCode: portal,
		UpdatedAt: now, Days: p.Days, CutOff: p.CutOff, CurrentStep: -1, Status: StatusNew}
	desk := (a.Kind == actor.Official || a.Kind == actor.System) && portal == ""
	switch {
	case portal != "":
		if req.Channel != 0 && req.Channel != ChannelOnline {
			return nil, apperr.FieldError("channel", "Hồ sơ nộp trên Cổng DVCQG là hồ sơ trực tuyến (2)")
		}
		d.Channel = ChannelOnline
		d.Applicant = req.Applicant
	case desk:
		d.Channel = req.Channel
		if d.Channel == 0 {
			d.Channel = ChannelDirect
		}
		if d.Channel != ChannelDirect && d.Channel != ChannelPostal {
			return nil, apperr.FieldError("channel", "Hồ sơ nộp tại bộ phận một cửa phải là trực tiếp (1) hoặc bưu chính công ích (3)")
		}
		d.Applicant = req.Applicant
		d.Applicant.AccountID = req.Applicant.AccountID
	default:
		if req.Channel != 0 && req.Channel != ChannelOnline {
			return nil, apperr.FieldError("channel", "Hồ sơ do người dân, doanh nghiệp tự nộp là hồ sơ trực tuyến (2)")
		}
		if !p.Online {
			return nil, apperr.FieldError("procedure_code", "Thủ tục %s chưa cung cấp dịch vụ công trực tuyến: hãy nộp tại bộ phận một cửa", p.Code)
		}
		d.Channel = ChannelOnline
		d.Applicant = req.Applicant
		d.Applicant.AccountID = a.AccountID
		if d.Applicant.Name == "" {
			d.Applicant.Name = a.Name
		}
	}
	if err := s.cleanApplicant(&d.Applicant, p, req.Fields); err != nil {
		return nil, err
	}
	if d.Form, err = checkForm(p, req.Fields, true); err != nil {
		return nil, err
	}
	if err := checkComponents(p, req.Files, true); err != nil {
		return nil, err
	}
	agencyID := req.AgencyID
	var ag AgencyInfo
	switch {
	case agencyID != 0:
		ag, err = s.opts.Agencies.AgencyByID(ctx, agencyID)
	case desk && a.AgencyID != 0:
		ag, err = s.opts.Agencies.AgencyByID(ctx, a.AgencyID)
	default:
		ag, err = s.opts.Agencies.AgencyByCode(ctx, p.AgencyCode)
	}
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.FieldError("agency_id", "Không tìm thấy cơ quan tiếp nhận hồ sơ")
	} else if err != nil {
		return nil, err
	}
	d.AgencyID, d.AgencyCode, d.AgencyName = ag.ID, ag.Code, ag.Name
	if err := access.Authorize(ctx, a, access.OnestopDossierSubmit, d.resource(a, d.AgencyID)); err != nil {
		return nil, err
	}
	var cal *calendar.Calendar
	var steps []DossierStep
	if desk {
		if cal, err = s.opts.Calendar.Calendar(ctx); err != nil {
			return nil, err
		}
		if steps, err = s.planSteps(ctx, d, p); err != nil {
			return nil, err
		}
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if d.Code, err = nextCode(ctx, tx, d.AgencyID, d.AgencyCode, now); err != nil {
			return err
		}
		if err := insertDossier(ctx, tx, d, key); err != nil {
			return err
		}
		if err := s.attach(ctx, tx, a, d, req.Files, FileComponent, now); err != nil {
			return err
		}
		if desk {
			d.Steps = steps
			if err := s.startClock(ctx, tx, cal, d, now); err != nil {
				return err
			}
			receivedBy(d, a)
			if err := saveSteps(ctx, tx, d); err != nil {
				return err
			}
			if err := saveDossier(ctx, tx, d, 1); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, a, "onestop.dossier.submit", d, ""); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, d, true, dossierActorName(a), ""); err != nil {
			return err
		}
		return s.tell(ctx, tx, d, "")
	})
	if err != nil {
		if key != "" && db.IsUniqueViolation(err) {
			// The same key's other submission may share this call's
			// SQLite group commit and be committed only after this error:
			// a transaction of its own is ordered after that commit.
			var id int64
			if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT id FROM onestop_dossiers WHERE submitted_by = $1 AND idempotency_key = $2`, a.AccountID, key).Scan(&id)
			}); err != nil {
				return nil, err
			}
			return s.get(ctx, id)
		}
		return nil, err
	}
	// d is what was written (files and steps included): no read back.
	return d, nil
}

// byIdempotency returns the dossier a submitted with key; ENOTFOUND when none.
func (s *DossierService) byIdempotency(ctx context.Context, a *actor.Actor, key string) (*Dossier, error) {
	var id int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id FROM onestop_dossiers WHERE submitted_by = $1 AND idempotency_key = $2`, a.AccountID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dossierNotFound()
	} else if err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

// get reads a dossier without an access check (after the caller's).
func (s *DossierService) get(ctx context.Context, id int64) (*Dossier, error) {
	return s.loadDossier(ctx, s.db.Reader(), `id = $1`, id)
}

// cleanApplicant checks the applicant's details; the ID number may come
// from the form's CCCD or tax code field.
func (s *DossierService) cleanApplicant(ap *Applicant, p *Procedure, fields map[string]string) error {
	var err error
	if ap.Name, err = trimText("applicant.name", "Họ tên người nộp hồ sơ", ap.Name, 200, true); err != nil {
		return err
	}
	if ap.IDNumber == "" {
		for _, f := range p.Fields {
			if f.Type == FieldCCCD || f.Type == FieldTaxCode {
				if v := strings.TrimSpace(fields[f.Name]); v != "" {
					ap.IDNumber = v
					break
				}
			}
		}
	}
	ap.IDNumber = strings.TrimSpace(ap.IDNumber)
	if !validIDNumber(ap.IDNumber) {
		return apperr.FieldError("applicant.id_number", "Số định danh cá nhân (12 chữ số) hoặc mã số thuế (10 chữ số, hoặc 10-3 với chi nhánh) của người nộp không hợp lệ")
	}
	if ap.Phone, err = trimText("applicant.phone", "Số điện thoại", ap.Phone, 20, false); err != nil {
		return err
	}
	if ap.Phone != "" && !validPhone(ap.Phone) {
		return apperr.FieldError("applicant.phone", "Số điện thoại %q không hợp lệ", clipRunes(ap.Phone, 20))
	}
	if ap.Email, err = trimText("applicant.email", "Thư điện tử", ap.Email, 254, false); err != nil {
		return err
	}
	if ap.Email != "" && (!strings.Contains(ap.Email, "@") || strings.ContainsAny(ap.Email, " <>,;")) {
		return apperr.FieldError("applicant.email", "Địa chỉ thư điện tử %q không hợp lệ", clipRunes(ap.Email, 60))
	}
	ap.Address, err = trimText("applicant.address", "Địa chỉ", ap.Address, 500, false)
	return err
}

func validIDNumber(s string) bool {
	switch {
	case len(s) == 12 && digits(s): // CCCD / số định danh cá nhân
		return true
	case len(s) == 10 && digits(s): // mã số thuế
		return true
	case len(s) == 14 && digits(s[:10]) && s[10] == '-' && digits(s[11:]):
		return true
	}
	return false
}

func validPhone(s string) bool {
	s = strings.NewReplacer(" ", "", ".", "").Replace(s)
	if strings.HasPrefix(s, "+84") {
		s = "0" + s[3:]
	}
	return len(s) >= 10 && len(s) <= 11 && s[0] == '0' && digits(s)
}

// checkForm validates the online form's values against the procedure's
// fields: unknown names refused, required ones present, values NFC and
// bounded; a complete form also passes the catalogue's typed validation
// of each field ((*Procedure).ValidateForm).
func checkForm(p *Procedure, values map[string]string, requireAll bool) (map[string]string, error) {
	out := map[string]string{}
	known := map[string]Field{}
	for _, f := range p.Fields {
		known[f.Name] = f
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, ok := known[n]
		if !ok {
			return nil, apperr.FieldError("fields."+clipRunes(n, 40), "Thủ tục không có trường %q", clipRunes(n, 40))
		}
		v, err := trimText("fields."+n, f.Label, values[n], MaxFieldValue, false)
		if err != nil {
			return nil, err
		}
		if v != "" {
			out[n] = v
		}
	}
	if requireAll {
		for _, f := range p.Fields {
			if f.Required && out[f.Name] == "" {
				return nil, apperr.FieldError("fields."+f.Name, "Chưa nhập %s", lowerFirstRune(f.Label))
			}
		}
	}
	if requireAll {
		// The catalogue's typed checks (number, date, select, CCCD, tax
		// code, phone, address with a current commune).
		return p.ValidateForm(out)
	}
	return out, nil
}

func lowerFirstRune(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = []rune(strings.ToLower(string(r[0])))[0]
	return string(r)
}

// checkComponents checks that every mandatory component has a file and
// that no unknown component is named.
func checkComponents(p *Procedure, files map[string][]string, requireAll bool) error {
	known := map[string]Component{}
	for _, c := range p.Components {
		known[c.Code] = c
	}
	for code, ids := range files {
		if _, ok := known[code]; !ok {
			return apperr.FieldError("components."+clipRunes(code, 40), "Thủ tục không có thành phần hồ sơ %q", clipRunes(code, 40))
		}
		if len(ids) > MaxFilesPerPart {
			return apperr.FieldError("components."+code, "Tối đa %d tệp cho một thành phần hồ sơ", MaxFilesPerPart)
		}
	}
	if requireAll {
		for _, c := range p.Components {
			if c.Required && len(files[c.Code]) == 0 {
				return apperr.FieldError("components."+c.Code, "Thiếu thành phần hồ sơ bắt buộc: %s", c.Name)
			}
		}
	}
	return nil
}

// attach references the uploads (the submitter's own) in tx and records
// them on the dossier.
func (s *DossierService) attach(ctx context.Context, tx *sql.Tx, a *actor.Actor, d *Dossier, files map[string][]string, kind string, now time.Time) error {
	codes := make([]string, 0, len(files))
	for c := range files {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	seen := map[string]bool{}
	for _, c := range codes {
		for _, id := range files[c] {
			id = strings.TrimSpace(id)
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			name := ""
			if s.opts.Uploads != nil {
				u, err := s.opts.Uploads.Reference(ctx, tx, id, a)
				if err != nil {
					if apperr.Is(err, apperr.NotFound) {
						return apperr.FieldError("components."+c, "Không tìm thấy tệp tải lên %q của bạn", clipRunes(id, 40))
					}
					return err
				}
				name = u.Name
			}
			f := File{UploadID: id, Component: c, Kind: kind, Name: name, AddedAt: now}
			if err := insertFile(ctx, tx, d.ID, f); err != nil {
				return err
			}
			d.Files = append(d.Files, f)
		}
	}
	return nil
}

// planSteps builds the control slip's rows from the procedure's steps,
// resolving the agencies named (liên thông); a procedure without steps
// gets one step held by the receiving agency's leader.
func (s *DossierService) planSteps(ctx context.Context, d *Dossier, p *Procedure) ([]DossierStep, error) {
	src := p.Steps
	if len(src) == 0 {
		src = []Step{{Name: "Giải quyết hồ sơ", Role: "leader", Hours: max(p.Days, 1) * 8}}
	}
	out := make([]DossierStep, 0, len(src))
	for i, st := range src {
		row := DossierStep{Seq: i + 1, Name: st.Name, Role: st.Role, Hours: st.Hours, AgencyID: d.AgencyID, AgencyCode: d.AgencyCode, AgencyName: d.AgencyName}
		if st.AgencyCode != "" && st.AgencyCode != d.AgencyCode {
			ag, err := s.opts.Agencies.AgencyByCode(ctx, st.AgencyCode)
			if err != nil {
				return nil, apperr.Wrap(err, apperr.Invalid, "Bước %d của thủ tục nêu cơ quan %q không tìm thấy", i+1, clipRunes(st.AgencyCode, 40))
			}
			row.AgencyID, row.AgencyCode, row.AgencyName = ag.ID, ag.Code, ag.Name
		}
		out = append(out, row)
	}
	return out, nil
}

// startClock receives d at now: the legal clock starts (the due moment on
// the stored calendar with the procedure's cut-off), each step gets its
// due moment from its share, and the first step starts. The desk's own
// step (role onestop_officer) keeps the dossier at status 2; otherwise it
// is handed to the first processing step at once (status 4).
func (s *DossierService) startClock(ctx context.Context, tx *sql.Tx, cal *calendar.Calendar, d *Dossier, now time.Time) error {
	to, err := Transition(d.Status, ActAccept)
	if err != nil {
		return err
	}
	due, _, err := dueMoment(cal, now, d.Days, d.CutOff, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	d.ReceivedAt, d.DueAt, d.Appointment, d.Status = now, due, due, to
	s.spreadSteps(cal, d, now)
	if len(d.Steps) > 0 {
		d.CurrentStep = 0
		d.Steps[0].StartedAt = now
		if d.Steps[0].Role != roleOneStop {
			d.Status = StatusProcessing
		}
	}
	return s.enqueueReceipt(ctx, tx, d)
}

// spreadSteps gives the steps not yet completed their due moments, counted
// from start.
func (s *DossierService) spreadSteps(cal *calendar.Calendar, d *Dossier, start time.Time) {
	hours := make([]int, len(d.Steps))
	for i, st := range d.Steps {
		hours[i] = st.Hours
	}
	dues := stepDues(cal, start, d.Days, d.CutOff, d.DueAt, hours)
	for i := range d.Steps {
		if !d.Steps[i].Done() {
			d.Steps[i].DueAt = dues[i]
		}
	}
}

const roleOneStop = string(access.OneStopOfficer)

// audit records the change of d in tx.
func (s *DossierService) audit(ctx context.Context, tx *sql.Tx, a *actor.Actor, action string, d *Dossier, reason string) error {
	return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: action, ObjectType: "onestop_dossier",
		ObjectID: strconv.FormatInt(d.ID, 10), After: map[string]any{"code": d.Code, "status": int(d.Status), "version": d.Version},
		Summary: map[string]any{"code": d.Code, "status": int(d.Status)}, Reason: clipRunes(reason, 200)})
}

// tell e-mails the applicant of d's status (when they gave an address and
// e-mail is set up), in tx.
func (s *DossierService) tell(ctx context.Context, tx *sql.Tx, d *Dossier, note string) error {
	if s.opts.Mail == nil || !s.opts.Mail.EmailEnabled() || d.Applicant.Email == "" {
		return nil
	}
	appt := ""
	if !d.Appointment.IsZero() {
		appt = d.Appointment.In(locale.VN).Format("15:04 02/01/2006")
	}
	if note == "" {
		note = "-"
	}
	if appt == "" {
		appt = "-"
	}
	err := s.opts.Mail.Send(ctx, tx, notify.Message{AccountID: d.Applicant.AccountID, To: d.Applicant.Email, Template: StatusTemplate,
		Data: map[string]string{"Name": d.Applicant.Name, "Login": d.Applicant.Email, "Code": d.Code, "Procedure": d.ProcedureName,
			"Status": d.Status.Name(), "StatusCode": d.Status.String(), "Note": clipRunes(note, 1000), "Appointment": appt,
			"TrackURL": strings.TrimRight(s.opts.BaseURL, "/") + "/portal/track/" + d.Code}})
	if apperr.Is(err, apperr.Invalid) {
		s.opts.Logger.WarnContext(ctx, "dossier e-mail not sent: bad address", "dossier", d.ID, "err", err)
		return nil
	}
	return err
}
