package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// PortalDossierService is what the portal's dossier pages call;
// *onestop.DossierService implements it (each method asks access.Can and
// writes its change and audit entry in one db.Tx).
type PortalDossierService interface {
	Submit(ctx context.Context, a *actor.Actor, req onestop.SubmitRequest) (*onestop.Dossier, error)
	GetByCode(ctx context.Context, a *actor.Actor, code string) (*onestop.Dossier, error)
	Track(ctx context.Context, code string) (*onestop.Tracking, error)
	List(ctx context.Context, a *actor.Actor, f onestop.DossierFilter) (*onestop.DossierPage, error)
	Supplement(ctx context.Context, a *actor.Actor, id int64, req onestop.SupplementAnswer) (*onestop.Dossier, error)
	Withdraw(ctx context.Context, a *actor.Actor, id int64, req onestop.RefuseRequest) (*onestop.Dossier, error)
	Rate(ctx context.Context, a *actor.Actor, id int64, req onestop.RateRequest) (*onestop.Dossier, error)
}

// PortalDeps are what the citizens' dossier pages need. Org, when set,
// gives the commune lists of address fields.
type PortalDeps struct {
	Dossiers   PortalDossierService
	Procedures onestop.ProcedureSource
	Uploads    *blob.Service
	Org        *org.Service
	// Applicant, when set, gives the signed-in account's details (CCCD or
	// tax code, name, e-mail, phone) for its online submissions.
	Applicant func(ctx context.Context, a *actor.Actor) onestop.Applicant
}

// Portal are the citizens' and businesses' dossier pages: the online
// submission (/portal/dossiers/new), their dossiers (/portal/dossiers and
// /portal/dossiers/{code}: supplement, withdraw, rating, receipt and
// result) and the public tracking by code (/portal/track). Thin: the
// dossier service asks access.Can, validates, audits.
type Portal struct {
	rd    *renderer
	svc   PortalDossierService
	procs onestop.ProcedureSource
	blob  *blob.Service
	org   *org.Service
	who   func(ctx context.Context, a *actor.Actor) onestop.Applicant
	now   func() time.Time
}

// Portal returns the dossier pages sharing h's templates.
func (h *Handler) Portal(d PortalDeps) *Portal {
	return &Portal{rd: h.rd, svc: d.Dossiers, procs: d.Procedures, blob: d.Uploads, org: d.Org, who: d.Applicant, now: h.deps.Now}
}

// The routes that take files: the application gives them the upload
// routes' body limit (POST only).
const (
	NewDossierRoute        = "/portal/dossiers/new"
	SupplementDossierRoute = "/portal/dossiers/supplement"
)

// Register mounts the pages on mux.
func (p *Portal) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+NewDossierRoute, p.newForm)
	mux.HandleFunc("POST "+NewDossierRoute, p.newPost)
	mux.HandleFunc("POST "+SupplementDossierRoute, p.supplement)
	mux.HandleFunc("GET /portal/dossiers", p.mine)
	mux.HandleFunc("GET /portal/dossiers/{code}", p.show)
	mux.HandleFunc("GET /portal/dossiers/{code}/withdraw", p.withdrawForm)
	mux.HandleFunc("POST /portal/dossiers/{code}/withdraw", p.withdraw)
	mux.HandleFunc("POST /portal/dossiers/{code}/rating", p.rate)
	mux.HandleFunc("GET /portal/dossiers/{code}/files/{kind}", p.file)
	mux.HandleFunc("GET /portal/track", p.trackForm)
	mux.HandleFunc("GET /portal/track/{code}", p.track)
}

// formField is one field of the online form as the page shows it.
type formField struct {
	onestop.Field
	ID, Value, Error string
	// Commune and Street are an address field's two parts.
	Commune, Street string
	Choices         []option // select options, or an address's communes
	Pattern, Hint   string
	InputMode, Kind string // the input's inputmode and type
	Shown           string // the value as the review step shows it
}

// formComponent is one document of the dossier with its uploads so far.
type formComponent struct {
	onestop.Component
	ID      string
	Uploads []uploadRef
	Error   string
}

type dossierFormData struct {
	Procedure  *onestop.Procedure
	Fields     []formField
	Components []formComponent
	// Key is the submission's idempotency key: made when the form is
	// first shown, carried by every later step, so a double click or a
	// retry submits one dossier.
	Key    string
	Review bool
	MaxMB  int64
	Error  string
	SignIn string // the sign-in link for an anonymous visitor
}

// newKey returns a random idempotency key.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// loginLink is the sign-in page that returns to the current page after.
func loginLink(r *http.Request) string {
	return "/login?next=" + url.QueryEscape(r.URL.RequestURI())
}

func (p *Portal) procedure(r *http.Request, code string) (*onestop.Procedure, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, apperr.FieldError("procedure", "Chưa chọn thủ tục hành chính: hãy chọn thủ tục trong danh mục")
	}
	if p.procs == nil {
		return nil, apperr.New(apperr.Unavailable, "Danh mục thủ tục hành chính chưa được bật")
	}
	proc, err := p.procs.Procedure(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if !proc.Active || !proc.Online {
		return nil, apperr.New(apperr.Invalid, "Thủ tục %q không nhận hồ sơ trực tuyến: hãy nộp tại Trung tâm Phục vụ hành chính công", proc.Name)
	}
	return proc, nil
}

// communeLister is the catalogue's list of communes for address selects.
type communeLister interface {
	CommuneOptions(ctx context.Context) ([]onestop.CommuneOption, error)
}

// communes lists the current communes of the province of the procedure's
// agency, for address fields; nil when unknown.
func (p *Portal) communes(r *http.Request, proc *onestop.Procedure) []option {
	// The catalogue lists the communes of the province it serves.
	if cl, ok := p.procs.(communeLister); ok {
		list, err := cl.CommuneOptions(r.Context())
		if err == nil && len(list) > 0 {
			out := make([]option, 0, len(list))
			for _, c := range list {
				out = append(out, option{Value: c.Code, Label: c.Name})
			}
			return out
		}
	}
	if p.org == nil {
		return nil
	}
	today := org.DateOf(p.now())
	g, err := p.org.AgencyByCode(r.Context(), proc.AgencyCode, today)
	if err != nil || g.AdminUnitCode == "" {
		return nil
	}
	prov := g.AdminUnitCode
	if len(prov) != 2 {
		u, err := p.org.AdminUnit(r.Context(), prov, today)
		if err != nil {
			return nil
		}
		prov = u.ProvinceCode
	}
	units, err := p.org.Communes(r.Context(), prov, today)
	if err != nil {
		return nil
	}
	out := make([]option, 0, len(units))
	for _, u := range units {
		out = append(out, option{Value: u.Code, Label: u.Name})
	}
	return out
}

// formData builds the form's fields from the procedure and the values
// given (by field name; an address as "commune|street").
func (p *Portal) formData(r *http.Request, proc *onestop.Procedure, values map[string]string) dossierFormData {
	d := dossierFormData{Procedure: proc}
	if p.blob != nil {
		d.MaxMB = p.blob.MaxSize() >> 20
	}
	var communes []option
	for _, f := range proc.Fields {
		ff := formField{Field: f, ID: "f_" + f.Name, Value: values[f.Name], Kind: "text"}
		ff.Shown = ff.Value
		switch f.Type {
		case onestop.FieldDate:
			ff.Pattern, ff.Hint, ff.InputMode = `\d{1,2}/\d{1,2}/\d{4}`, "dd/mm/yyyy", "numeric"
		case onestop.FieldNumber:
			ff.InputMode = "decimal"
		case onestop.FieldCCCD:
			ff.Pattern, ff.Hint, ff.InputMode = `\s*\d{12}\s*`, "12 chữ số", "numeric"
		case onestop.FieldTaxCode:
			ff.Pattern, ff.Hint, ff.InputMode = `\s*\d{10}(-\d{3})?\s*`, "10 chữ số, hoặc 10-3 với chi nhánh", "numeric"
		case onestop.FieldPhone:
			ff.Kind, ff.InputMode = "tel", "tel"
		case onestop.FieldSelect:
			for _, o := range f.Options {
				ff.Choices = append(ff.Choices, option{Value: o, Label: o, Selected: o == ff.Value})
			}
		case onestop.FieldAddress:
			if communes == nil {
				communes = p.communes(r, proc)
			}
			ff.Commune, ff.Street, _ = strings.Cut(ff.Value, "|")
			for _, c := range communes {
				o := c
				o.Selected = o.Value == ff.Commune
				if o.Selected {
					ff.Shown = ff.Street + ", " + o.Label
				}
				ff.Choices = append(ff.Choices, o)
			}
		}
		d.Fields = append(d.Fields, ff)
	}
	for _, c := range proc.Components {
		d.Components = append(d.Components, formComponent{Component: c, ID: "file_" + c.Code})
	}
	return d
}

// readValues reads the form's values from the request, an address from
// its two inputs.
func readValues(r *http.Request, proc *onestop.Procedure) map[string]string {
	out := map[string]string{}
	for _, f := range proc.Fields {
		if f.Type == onestop.FieldAddress {
			c, s := strings.TrimSpace(r.PostFormValue("f_"+f.Name+"_commune")), strings.TrimSpace(r.PostFormValue("f_"+f.Name+"_street"))
			if c != "" || s != "" {
				out[f.Name] = c + "|" + s
			}
			continue
		}
		if v := strings.TrimSpace(r.PostFormValue("f_" + f.Name)); v != "" {
			out[f.Name] = v
		}
	}
	return out
}

// markError puts err's message beside its field or component; the page's
// summary shows it too.
func (d *dossierFormData) markError(err error) {
	d.Error = apperr.MessageOf(err)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Field == "" {
		return
	}
	name := ae.Field
	for _, pfx := range []string{"fields.", "components.", "files."} {
		name = strings.TrimPrefix(name, pfx)
	}
	for i := range d.Fields {
		if d.Fields[i].Name == name {
			d.Fields[i].Error = d.Error
			return
		}
	}
	for i := range d.Components {
		if d.Components[i].Code == name {
			d.Components[i].Error = d.Error
			return
		}
	}
}

func (p *Portal) newForm(w http.ResponseWriter, r *http.Request) {
	proc, err := p.procedure(r, r.URL.Query().Get("procedure"))
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d := p.formData(r, proc, nil)
	d.Key = newKey()
	if a := actor.From(r.Context()); a == nil {
		d.SignIn = loginLink(r)
	} else if a.Kind == actor.Official {
		d.Error = apperr.MessageOf(apperr.New(apperr.Forbidden, "Hồ sơ trực tuyến do công dân hoặc doanh nghiệp tự nộp bằng tài khoản của mình; cán bộ nhận hồ sơ trực tiếp tại quầy một cửa"))
	}
	p.rd.render(w, r, http.StatusOK, "portal_dossier_new", "pd.new.title", d)
}

// carriedUploads reads the uploads an earlier step received (up_<code>),
// checked to be the actor's own and still there.
func (p *Portal) carriedUploads(r *http.Request, a *actor.Actor, d *dossierFormData) error {
	for i := range d.Components {
		c := &d.Components[i]
		for _, id := range r.PostForm["up_"+c.Code] {
			up, err := p.blob.Get(r.Context(), id)
			if err != nil || up.Uploader != a.AccountID {
				return apperr.FieldError(c.Code, "Tệp đã tải lên trước cho %q không còn (quá một ngày): hãy chọn lại tệp", c.Name)
			}
			c.Uploads = append(c.Uploads, uploadRef{ID: up.ID, Name: up.Name})
		}
	}
	return nil
}

// maxFilesPerComponent bounds the files of one component.
const maxFilesPerComponent = 10

// takeFiles stores the files chosen for each component as the actor's
// uploads (personal data: encrypted at rest), their type checked from the
// content against the name.
func (p *Portal) takeFiles(r *http.Request, a *actor.Actor, d *dossierFormData, fileField func(code string) string) error {
	if r.MultipartForm == nil {
		return nil
	}
	for i := range d.Components {
		c := &d.Components[i]
		for _, fh := range r.MultipartForm.File[fileField(c.Code)] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			if len(c.Uploads) >= maxFilesPerComponent {
				return apperr.FieldError(c.Code, "%s: tối đa %d tệp", c.Name, maxFilesPerComponent)
			}
			up, err := p.upload(r, a, fh)
			if err != nil {
				return apperr.FieldError(c.Code, "%s, tệp %q: %s", c.Name, fh.Filename, apperr.MessageOf(err))
			}
			c.Uploads = append(c.Uploads, uploadRef{ID: up.ID, Name: up.Name})
		}
	}
	return nil
}

func (p *Portal) upload(r *http.Request, a *actor.Actor, fh *multipart.FileHeader) (blob.Upload, error) {
	return p.blob.UploadFile(r.Context(), a, fh, blob.Request{PersonalData: true})
}

// newPost is the form's two steps: without confirm=1 it checks the values
// and stores the files, then shows what will be sent (review); with it,
// it submits. Every step carries the idempotency key.
func (p *Portal) newPost(w http.ResponseWriter, r *http.Request) {
	a := actor.From(r.Context())
	if a == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(NewDossierRoute+"?procedure="+url.QueryEscape(r.URL.Query().Get("procedure"))), http.StatusSeeOther)
		return
	}
	if err := r.ParseMultipartForm(maxFormMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		p.rd.errorPage(w, r, uploadError(err, p.blob.MaxSize()))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	proc, err := p.procedure(r, r.PostFormValue("procedure"))
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	values := readValues(r, proc)
	d := p.formData(r, proc, values)
	d.Key = r.PostFormValue("key")
	if d.Key == "" || len(d.Key) > 100 {
		d.Key = newKey()
	}
	fail := func(err error) {
		httpx.LogError(r, httpx.Status(err), err)
		d.Review = false
		d.markError(err)
		p.rd.render(w, r, httpx.Status(err), "portal_dossier_new", "pd.new.title", d)
	}
	if err := p.carriedUploads(r, a, &d); err != nil {
		fail(err)
		return
	}
	if err := p.takeFiles(r, a, &d, func(code string) string { return "file_" + code }); err != nil {
		fail(err)
		return
	}
	if r.PostFormValue("edit") == "1" {
		// Back from the review step to the form, values and files kept.
		p.rd.render(w, r, http.StatusOK, "portal_dossier_new", "pd.new.title", d)
		return
	}
	clean, err := proc.ValidateForm(values)
	if err != nil {
		fail(err)
		return
	}
	for _, c := range d.Components {
		if c.Required && len(c.Uploads) == 0 {
			fail(apperr.FieldError(c.Code, "Chưa đính kèm thành phần hồ sơ bắt buộc: %s", c.Name))
			return
		}
	}
	if r.PostFormValue("confirm") != "1" {
		// The review step shows the cleaned values.
		keep := d
		d = p.formData(r, proc, clean)
		d.Key, d.Components, d.Review = keep.Key, keep.Components, true
		p.rd.render(w, r, http.StatusOK, "portal_dossier_new", "pd.review.title", d)
		return
	}
	files := map[string][]string{}
	for _, c := range d.Components {
		for _, u := range c.Uploads {
			files[c.Code] = append(files[c.Code], u.ID)
		}
	}
	ap := onestop.Applicant{AccountID: a.AccountID, Name: a.Name}
	if p.who != nil {
		ap = p.who(r.Context(), a)
	}
	dos, err := p.svc.Submit(r.Context(), a, onestop.SubmitRequest{ProcedureCode: proc.Code, Channel: onestop.ChannelOnline,
		Applicant: ap, Fields: values, Files: files, IdempotencyKey: "web:" + d.Key})
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/portal/dossiers/"+url.PathEscape(dos.Code)+"?ok=submitted", http.StatusSeeOther)
}

// dossierRow is one line of the applicant's list.
type dossierRow struct {
	*onestop.Dossier
	StatusName string
}

type myDossiersData struct {
	Rows  []dossierRow
	Total int
}

func (p *Portal) mine(w http.ResponseWriter, r *http.Request) {
	a := actor.From(r.Context())
	if a == nil {
		http.Redirect(w, r, loginLink(r), http.StatusSeeOther)
		return
	}
	page, err := p.svc.List(r.Context(), a, onestop.DossierFilter{Mine: true, PageSize: 100})
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d := myDossiersData{Total: page.Total}
	for _, x := range page.Items {
		d.Rows = append(d.Rows, dossierRow{Dossier: x, StatusName: x.Status.Name()})
	}
	p.rd.render(w, r, http.StatusOK, "portal_dossiers", "pd.mine.title", d)
}

// historyItem is one line of a dossier's history.
type historyItem struct {
	At   time.Time
	What string
}

type dossierPageData struct {
	D          *onestop.Dossier
	StatusName string
	Notice     string
	History    []historyItem
	// Fields are the form's values with labels; Supplement the answer
	// form's fields and components (status 5 only).
	Fields      []formField
	Components  []formComponent
	Supplement  bool
	CanWithdraw bool
	CanRate     bool
	Ratings     []option
	Receipt     bool
	Result      bool
	Error       string
	Mine        bool
	// CompNames names the procedure's components by code.
	CompNames map[string]string
}

func history(d *onestop.Dossier) []historyItem {
	var h []historyItem
	add := func(t time.Time, what string) {
		if !t.IsZero() {
			h = append(h, historyItem{At: t, What: what})
		}
	}
	add(d.SubmittedAt, "Nộp hồ sơ ("+d.Channel.Name()+")")
	add(d.ReceivedAt, "Được tiếp nhận")
	if s := d.Supplement; s != nil {
		add(s.RequestedAt, "Yêu cầu bổ sung: "+s.Reason)
		add(s.AnsweredAt, "Đã bổ sung hồ sơ")
	}
	for _, st := range d.Steps {
		add(st.StartedAt, "Bắt đầu bước: "+st.Name+" ("+st.AgencyName+")")
		add(st.EndedAt, "Hoàn thành bước: "+st.Name)
	}
	if ap := d.Apology; ap != nil {
		add(ap.At, "Xin lỗi và hẹn lại ngày trả kết quả")
	}
	add(d.DecidedAt, "Đã có quyết định giải quyết")
	add(d.ReturnedAt, "Đã trả kết quả")
	add(d.RatedAt, "Đánh giá: "+d.Rating.Name())
	if d.Status.Final() && d.ReturnedAt.IsZero() {
		add(d.UpdatedAt, d.Status.Name())
	}
	// Oldest first: a simple insertion sort keeps equal moments in order.
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].At.Before(h[j-1].At); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
	return h
}

var notices = map[string]string{
	"submitted":    "pd.ok.submitted",
	"supplemented": "pd.ok.supplemented",
	"withdrawn":    "pd.ok.withdrawn",
	"rated":        "pd.ok.rated",
}

func (p *Portal) dossierPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, dos *onestop.Dossier, status int, errMsg string) {
	d := dossierPageData{D: dos, StatusName: dos.Status.Name(), History: history(dos), Error: errMsg,
		Mine:    dos.Applicant.AccountID != 0 && dos.Applicant.AccountID == a.AccountID,
		Receipt: dos.ReceiptUpload != "", Result: dos.ResultUpload != "" && dos.Status == onestop.StatusReturned}
	d.Notice = notices[r.URL.Query().Get("ok")]
	if d.Mine {
		if _, err := onestop.Transition(dos.Status, onestop.ActWithdraw); err == nil {
			d.CanWithdraw = true
		}
		d.CanRate = dos.Status == onestop.StatusReturned && dos.Rating == 0
		d.Supplement = dos.Status == onestop.StatusSupplement && dos.Supplement != nil
	}
	if d.CanRate {
		for _, rt := range []onestop.Rating{onestop.RatingVerySatisfied, onestop.RatingSatisfied, onestop.RatingUnsatisfied} {
			d.Ratings = append(d.Ratings, option{Value: strconv.Itoa(int(rt)), Label: rt.Name()})
		}
	}
	var proc *onestop.Procedure
	if p.procs != nil {
		proc, _ = p.procs.Procedure(r.Context(), dos.ProcedureCode)
	}
	if proc != nil {
		fd := p.formData(r, proc, dos.Form)
		d.Fields, d.Components = fd.Fields, fd.Components
		d.CompNames = map[string]string{}
		for _, c := range proc.Components {
			d.CompNames[c.Code] = c.Name
		}
	} else {
		for k, v := range dos.Form {
			d.Fields = append(d.Fields, formField{Field: onestop.Field{Name: k, Label: k}, Value: v, Shown: v})
		}
	}
	p.rd.render(w, r, status, "portal_dossier", "pd.show.title", d)
}

// loadMine reads the path's dossier for the signed-in visitor.
func (p *Portal) load(w http.ResponseWriter, r *http.Request, code string) (*actor.Actor, *onestop.Dossier, bool) {
	a := actor.From(r.Context())
	if a == nil {
		http.Redirect(w, r, loginLink(r), http.StatusSeeOther)
		return nil, nil, false
	}
	code, err := trackCode(code)
	if err == nil {
		var dos *onestop.Dossier
		if dos, err = p.svc.GetByCode(r.Context(), a, code); err == nil {
			return a, dos, true
		}
	}
	p.rd.errorPage(w, r, err)
	return nil, nil, false
}

func (p *Portal) show(w http.ResponseWriter, r *http.Request) {
	a, dos, ok := p.load(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	p.dossierPage(w, r, a, dos, http.StatusOK, "")
}

// supplement is the applicant's answer to the supplement request: new
// files by component, corrected values, a note.
func (p *Portal) supplement(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxFormMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		p.rd.errorPage(w, r, uploadError(err, p.blob.MaxSize()))
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	a, dos, ok := p.load(w, r, r.PostFormValue("code"))
	if !ok {
		return
	}
	fail := func(err error) {
		httpx.LogError(r, httpx.Status(err), err)
		p.dossierPage(w, r, a, dos, httpx.Status(err), apperr.MessageOf(err))
	}
	req := onestop.SupplementAnswer{Version: dos.Version, Note: strings.TrimSpace(r.PostFormValue("note")), Files: map[string][]string{}}
	var proc *onestop.Procedure
	if p.procs != nil {
		proc, _ = p.procs.Procedure(r.Context(), dos.ProcedureCode)
	}
	if proc != nil {
		d := p.formData(r, proc, nil)
		if err := p.takeFiles(r, a, &d, func(code string) string { return "file_" + code }); err != nil {
			fail(err)
			return
		}
		for _, c := range d.Components {
			for _, u := range c.Uploads {
				req.Files[c.Code] = append(req.Files[c.Code], u.ID)
			}
		}
		// Corrected values: those changed from the stored ones.
		for k, v := range readValues(r, proc) {
			if v != dos.Form[k] {
				if req.Fields == nil {
					req.Fields = map[string]string{}
				}
				req.Fields[k] = v
			}
		}
	}
	if _, err := p.svc.Supplement(r.Context(), a, dos.ID, req); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/portal/dossiers/"+url.PathEscape(dos.Code)+"?ok=supplemented", http.StatusSeeOther)
}

func (p *Portal) withdrawForm(w http.ResponseWriter, r *http.Request) {
	_, dos, ok := p.load(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	p.rd.render(w, r, http.StatusOK, "portal_dossier_withdraw", "pd.withdraw.title", dossierPageData{D: dos, StatusName: dos.Status.Name()})
}

func (p *Portal) withdraw(w http.ResponseWriter, r *http.Request) {
	a, dos, ok := p.load(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "1" {
		http.Redirect(w, r, "/portal/dossiers/"+url.PathEscape(dos.Code)+"/withdraw", http.StatusSeeOther)
		return
	}
	if _, err := p.svc.Withdraw(r.Context(), a, dos.ID, onestop.RefuseRequest{Version: dos.Version, Reason: strings.TrimSpace(r.PostFormValue("reason"))}); err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.rd.render(w, r, httpx.Status(err), "portal_dossier_withdraw", "pd.withdraw.title",
			dossierPageData{D: dos, StatusName: dos.Status.Name(), Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/portal/dossiers/"+url.PathEscape(dos.Code)+"?ok=withdrawn", http.StatusSeeOther)
}

func (p *Portal) rate(w http.ResponseWriter, r *http.Request) {
	a, dos, ok := p.load(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	var rt onestop.Rating
	switch r.PostFormValue("rating") {
	case "1":
		rt = onestop.RatingVerySatisfied
	case "2":
		rt = onestop.RatingSatisfied
	case "3":
		rt = onestop.RatingUnsatisfied
	}
	if !rt.Valid() {
		p.dossierPage(w, r, a, dos, http.StatusBadRequest, "Hãy chọn một mức đánh giá: rất hài lòng, hài lòng hoặc không hài lòng")
		return
	}
	if _, err := p.svc.Rate(r.Context(), a, dos.ID, onestop.RateRequest{Rating: rt, Comment: strings.TrimSpace(r.PostFormValue("comment"))}); err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.dossierPage(w, r, a, dos, httpx.Status(err), apperr.MessageOf(err))
		return
	}
	http.Redirect(w, r, "/portal/dossiers/"+url.PathEscape(dos.Code)+"?ok=rated", http.StatusSeeOther)
}

// file serves the dossier's receipt or (once returned) its signed result
// to whoever may read the dossier.
func (p *Portal) file(w http.ResponseWriter, r *http.Request) {
	_, dos, ok := p.load(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	var id, name string
	switch r.PathValue("kind") {
	case "receipt":
		id, name = dos.ReceiptUpload, "giay-tiep-nhan-"+dos.Code+".pdf"
	case "result":
		if dos.Status == onestop.StatusReturned || dos.Status == onestop.StatusResultReady {
			id, name = dos.ResultUpload, "ket-qua-"+dos.Code+".pdf"
		}
	}
	if id == "" || p.blob == nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Hồ sơ chưa có tệp này"))
		return
	}
	rc, up, err := p.blob.Open(r.Context(), id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", up.MediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, rc)
}
