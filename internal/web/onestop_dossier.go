package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// dossierFile is one file of the dossier page: its number in the download
// link (/onestop/dossiers/{code}/files/{n}) and what it is.
type dossierFile struct {
	N int
	onestop.File
	Component string // the component's name, when known
}

// formRow is one value of the dossier's form, labelled as the procedure's
// form labels it.
type formRow struct{ Label, Value string }

// dossierForms is what the action forms show again after a mistake.
type dossierForms struct {
	Note, Reason, Items, NewAppointment string
}

type dossierData struct {
	D       *onestop.Dossier
	Form    []formRow
	Files   []dossierFile
	Slip    []onestop.DossierStep
	Late    []onestop.DossierStep
	Urgency string

	// The actions the viewer may take now.
	CanAccept, CanRefuse, CanSupplement, CanStep, CanDecide, CanStop, CanApologize, CanReturn bool
	// CanFee asks for fees or taxes (status 6), CanFeePaid records them paid.
	CanFee, CanFeePaid bool

	Notice    string // catalog key of a done action
	Error     string // the failed action's message
	ErrorForm string // which form failed
	Conflict  bool   // someone else acted first: the page shows the fresh state
	Values    dossierForms
	Route     string // the decision's route
	// Next is the step after the current one and NextHolders the
	// officials it may be given to (the step form's choice).
	Next        *onestop.DossierStep
	NextHolders []onestop.Holder
	// Timeline is the dossier's history in time order.
	Timeline []timelineEntry
	// ReceiptN and ResultN number the newest receipt and result among
	// the files (0 when none), linked at the top of the page.
	ReceiptN, ResultN int
}

// load reads the dossier by the path's code for a; access decides.
func (p *OnestopPages) load(r *http.Request, a *actor.Actor) (*onestop.Dossier, error) {
	return p.deps.Dossiers.GetByCode(r.Context(), a, r.PathValue("code"))
}

func (p *OnestopPages) dossier(w http.ResponseWriter, r *http.Request) {
	a := deskOfficial(w, r, p.rd)
	if a == nil {
		return
	}
	d, err := p.load(r, a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	data := p.dossierData(r, a, d)
	data.Notice = noticeKey(r.URL.Query().Get("done"))
	p.rd.render(w, r, http.StatusOK, "onestop_dossier", "desk.dossier.title", data)
}

// noticeKey maps the ?done= of a redirect after an action to its message.
func noticeKey(done string) string {
	switch done {
	case "accept", "refuse", "supplement", "step", "decide", "stop", "apology", "return", "new", "fee", "feepaid":
		return "desk.done." + done
	}
	return ""
}

func (p *OnestopPages) dossierData(r *http.Request, a *actor.Actor, d *onestop.Dossier) *dossierData {
	data := &dossierData{D: d, Slip: d.Steps, Route: OnestopDecisionRoute, Timeline: dossierTimeline(d)}
	now := p.now()
	cal := p.calendar(r.Context())
	data.Urgency = api.Urgency(d, now, api.DueSoonLimit(now, cal))
	var proc *onestop.Procedure
	if p.deps.Catalogue != nil {
		proc, _ = p.deps.Catalogue.Get(r.Context(), d.ProcedureCode)
	}
	comps := map[string]string{}
	seen := map[string]bool{}
	if proc != nil {
		for _, c := range proc.Components {
			comps[c.Code] = c.Name
		}
		for _, f := range proc.Fields {
			if v, ok := d.Form[f.Name]; ok {
				data.Form = append(data.Form, formRow{Label: f.Label, Value: v})
				seen[f.Name] = true
			}
		}
	}
	var rest []string
	for k := range d.Form {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	locale.SortFunc(rest, func(s string) string { return s })
	for _, k := range rest {
		data.Form = append(data.Form, formRow{Label: k, Value: d.Form[k]})
	}
	for i, f := range d.Files {
		data.Files = append(data.Files, dossierFile{N: i + 1, File: f, Component: comps[f.Component]})
		switch f.Kind {
		case onestop.FileReceipt:
			data.ReceiptN = i + 1
		case onestop.FileResult:
			data.ResultN = i + 1
		}
	}
	if slip, err := p.deps.Dossiers.ControlSlip(r.Context(), a, d.ID); err == nil && slip != nil {
		data.Slip, data.Late = slip.Rows, slip.LateSteps
	}
	st := d.Status
	receive := holds(a, access.OnestopDossierReceive)
	last := d.CurrentStep >= 0 && d.CurrentStep == d.DecisionStep()
	// The agency holding the dossier: the current step's, else the
	// receiving one; its leader decides, stops and apologizes.
	holder := d.AgencyID
	cur := d.Current()
	if cur != nil && cur.AgencyID != 0 {
		holder = cur.AgencyID
	}
	leader := roleIn(a, "leader", holder)
	data.CanAccept = receive && st == onestop.StatusNew
	data.CanRefuse = receive && (st == onestop.StatusNew || (st == onestop.StatusSupplement && d.Supplement != nil && d.Supplement.FromStatus == onestop.StatusNew))
	data.CanSupplement = receive && d.Supplement == nil && (st == onestop.StatusNew || st == onestop.StatusAccepted || st == onestop.StatusProcessing)
	if cur != nil && d.CurrentStep < d.DecisionStep() && (st == onestop.StatusAccepted || st == onestop.StatusProcessing) {
		data.CanStep = (cur.HolderID != 0 && cur.HolderID == a.AccountID) || (cur.HolderID == 0 && roleIn(a, cur.Role, holder))
	}
	if data.CanStep && d.CurrentStep+1 < len(d.Steps) {
		data.Next = &d.Steps[d.CurrentStep+1]
		if p.deps.Holders != nil {
			data.NextHolders, _ = p.deps.Holders.Holders(r.Context(), data.Next.AgencyID, data.Next.Role)
		}
	}
	data.CanFee = data.CanStep && st == onestop.StatusProcessing
	data.CanFeePaid = receive && st == onestop.StatusFinancial
	data.CanDecide = leader && last && st == onestop.StatusProcessing
	data.CanStop = leader && (st == onestop.StatusAccepted || st == onestop.StatusProcessing || st == onestop.StatusSupplement || st == onestop.StatusFinancial)
	data.CanApologize = leader && d.Apology == nil && st.ClockRunning() && !d.DueAt.IsZero()
	data.CanReturn = holds(a, access.OnestopDossierReturn) && st == onestop.StatusResultReady
	return data
}

// roleIn reports whether a holds role in agency (a grant there, or over
// the subtree above it, which the service's access check confirms).
func roleIn(a *actor.Actor, role string, agency int64) bool {
	for _, g := range a.Roles {
		if g.Role == role && (g.AgencyID == agency || g.Subtree) {
			return true
		}
	}
	return false
}

// act runs one of the small POST forms of the dossier page.
func (p *OnestopPages) act(w http.ResponseWriter, r *http.Request) {
	a := deskOfficial(w, r, p.rd)
	if a == nil {
		return
	}
	action := r.PathValue("action")
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.Wrap(err, apperr.Invalid, "Không đọc được biểu mẫu"))
		return
	}
	d, err := p.load(r, a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	vals := dossierForms{Note: locale.NFC(trimmed(r, "note")), Reason: locale.NFC(trimmed(r, "reason")),
		Items: locale.NFC(trimmed(r, "items")), NewAppointment: trimmed(r, "new_appointment")}
	ctx := r.Context()
	svc := p.deps.Dossiers
	switch action {
	case "accept":
		_, err = svc.Accept(ctx, a, d.ID, onestop.ActionRequest{Version: version, Note: vals.Note})
	case "refuse":
		if vals.Reason == "" {
			err = apperr.FieldError("reason", "Ghi rõ lý do từ chối tiếp nhận hồ sơ")
		} else {
			_, err = svc.Refuse(ctx, a, d.ID, onestop.RefuseRequest{Version: version, Reason: vals.Reason})
		}
	case "supplement":
		items := supplementItems(vals.Items)
		switch {
		case len(items) == 0:
			err = apperr.FieldError("items", "Ghi ít nhất một nội dung cần bổ sung, hoàn thiện (mỗi dòng một nội dung)")
		case vals.Reason == "":
			err = apperr.FieldError("reason", "Ghi rõ lý do yêu cầu bổ sung hồ sơ")
		default:
			_, err = svc.RequestSupplement(ctx, a, d.ID, onestop.SupplementAsk{Version: version, Reason: vals.Reason, Items: items})
		}
	case "step":
		to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
		_, err = svc.CompleteStep(ctx, a, d.ID, onestop.StepRequest{Version: version, Note: vals.Note, To: to})
	case "stop":
		if vals.Reason == "" {
			err = apperr.FieldError("reason", "Ghi rõ lý do dừng xử lý hồ sơ")
		} else {
			_, err = svc.Stop(ctx, a, d.ID, onestop.RefuseRequest{Version: version, Reason: vals.Reason})
		}
	case "apology":
		at, perr := api.ParseAppointment(vals.NewAppointment)
		switch {
		case perr != nil:
			err = perr
		case vals.Reason == "":
			err = apperr.FieldError("reason", "Ghi rõ lý do chậm trả kết quả")
		default:
			_, err = svc.Apologize(ctx, a, d.ID, onestop.ApologyRequest{Version: version, Reason: vals.Reason, NewAppointment: at})
		}
	case "fee":
		if vals.Note == "" {
			err = apperr.FieldError("note", "Ghi rõ nghĩa vụ tài chính người nộp phải thực hiện")
		} else {
			_, err = svc.RequestFee(ctx, a, d.ID, onestop.ActionRequest{Version: version, Note: vals.Note})
		}
	case "feepaid":
		_, err = svc.FeePaid(ctx, a, d.ID, onestop.ActionRequest{Version: version, Note: vals.Note})
	case "return":
		_, err = svc.ReturnResult(ctx, a, d.ID, onestop.ActionRequest{Version: version, Note: vals.Note})
	default:
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có thao tác %q", clipText(action, 20)))
		return
	}
	p.after(w, r, a, d, action, vals, err)
}

// after redirects to the dossier after a done action, or shows the page
// again with the error beside the form that failed; a conflict (another
// officer acted first) shows the message over the dossier's fresh state.
func (p *OnestopPages) after(w http.ResponseWriter, r *http.Request, a *actor.Actor, d *onestop.Dossier, action string, vals dossierForms, err error) {
	if err == nil {
		http.Redirect(w, r, "/onestop/dossiers/"+url.PathEscape(d.Code)+"?done="+action, http.StatusSeeOther)
		return
	}
	code := apperr.CodeOf(err)
	if code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
		p.rd.errorPage(w, r, err)
		return
	}
	if fresh, ferr := p.deps.Dossiers.Get(r.Context(), a, d.ID); ferr == nil {
		d = fresh
	}
	data := p.dossierData(r, a, d)
	data.Error, data.ErrorForm, data.Values = apperr.MessageOf(err), action, vals
	data.Conflict = code == apperr.Conflict
	p.rd.render(w, r, httpx.Status(err), "onestop_dossier", "desk.dossier.title", data)
}

// supplementItems splits the numbered items, one a line, dropping a
// typed "1. " or "1) " numbering (the form numbers them; "1.5 m" stays).
func supplementItems(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		i := 0
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if i > 0 && i < len(line) && (line[i] == '.' || line[i] == ')') && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t') {
			line = strings.TrimSpace(line[i+1:])
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// decide is the leader's decision: approve with the result PDF, or refuse
// with the reasons. The code is a form field (one fixed upload route).
func (p *OnestopPages) decide(w http.ResponseWriter, r *http.Request) {
	a := deskOfficial(w, r, p.rd)
	if a == nil {
		return
	}
	if err := r.ParseMultipartForm(maxFormMemory); err != nil && err != http.ErrNotMultipart {
		p.rd.errorPage(w, r, apperr.Wrap(err, apperr.Invalid, "Không đọc được biểu mẫu hoặc tệp quá lớn"))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	d, err := p.deps.Dossiers.GetByCode(r.Context(), a, r.FormValue("code"))
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	vals := dossierForms{Reason: locale.NFC(strings.TrimSpace(r.FormValue("reason")))}
	req := onestop.DecideRequest{Version: version}
	switch r.FormValue("decision") {
	case "approve":
		req.Approve = true
		var fh = firstFile(r, "result")
		if fh == nil {
			err = apperr.FieldError("result", "Đính kèm tệp PDF kết quả giải quyết")
			break
		}
		if p.deps.Uploads == nil {
			err = apperr.New(apperr.Unavailable, "Kho tệp chưa được bật")
			break
		}
		var up blob.Upload
		up, err = p.deps.Uploads.UploadFile(r.Context(), a, fh, blob.Request{PersonalData: true})
		if err == nil {
			req.ResultUpload = up.ID
			_, err = p.deps.Dossiers.Decide(r.Context(), a, d.ID, req)
		}
	case "refuse":
		if vals.Reason == "" {
			err = apperr.FieldError("reason", "Ghi rõ lý do từ chối giải quyết")
			break
		}
		req.Reason = vals.Reason
		_, err = p.deps.Dossiers.Decide(r.Context(), a, d.ID, req)
	default:
		err = apperr.FieldError("decision", "Chọn phê duyệt hoặc từ chối giải quyết")
	}
	p.after(w, r, a, d, "decide", vals, err)
}

// file serves one of the dossier's files to whoever may read the dossier.
func (p *OnestopPages) file(w http.ResponseWriter, r *http.Request) {
	a := deskOfficial(w, r, p.rd)
	if a == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tệp"))
		return
	}
	d, err := p.load(r, a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if n < 1 || n > len(d.Files) || p.deps.Uploads == nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Hồ sơ không có tệp số %d", n))
		return
	}
	f := d.Files[n-1]
	rc, up, err := p.deps.Uploads.Open(r.Context(), f.UploadID)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	defer rc.Close()
	name := f.Name
	if name == "" {
		name = up.Name
	}
	w.Header().Set("Content-Type", up.MediaType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Content-Length", strconv.FormatInt(up.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := io.Copy(w, rc); err != nil {
		httpx.LogError(r, http.StatusInternalServerError, err)
	}
}
