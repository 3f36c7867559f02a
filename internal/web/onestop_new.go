package web

import (
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// newDossierData is the walk-in entry: first the procedure, then the
// applicant, the form and the scanned components.
type newDossierData struct {
	Procedures []onestop.Procedure
	Proc       *onestop.Procedure
	Channel    onestop.Channel
	Applicant  onestop.Applicant
	Values     map[string]string
	// Kept are the uploads already stored for each component when the
	// form comes back with a mistake: sent again as hidden ids, so the
	// officer does not scan them twice.
	Kept      map[string][]keptUpload
	Communes  []onestop.CommuneOption
	Error     string
	Field     string
	Route     string
	Query     string
	Uploading bool
}

type keptUpload struct{ ID, Name string }

func (p *OnestopPages) deskReceiver(w http.ResponseWriter, r *http.Request) *actor.Actor {
	a := deskOfficial(w, r, p.rd)
	if a == nil {
		return nil
	}
	if !holds(a, access.OnestopDossierReceive) || p.deps.Catalogue == nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Chỉ cán bộ một cửa tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính"))
		return nil
	}
	return a
}

func (p *OnestopPages) newForm(w http.ResponseWriter, r *http.Request) {
	a := p.deskReceiver(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	d := &newDossierData{Channel: onestop.ChannelDirect, Values: map[string]string{}, Route: OnestopNewRoute, Query: q.Get("q")}
	if q.Get("channel") == "3" {
		d.Channel = onestop.ChannelPostal
	}
	if code := q.Get("procedure"); code != "" {
		proc, err := p.deps.Catalogue.Get(r.Context(), code)
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		d.Proc = proc
		d.Communes, _ = p.deps.Catalogue.CommuneOptions(r.Context())
	} else {
		var err error
		if d.Procedures, err = p.deps.Catalogue.Search(r.Context(), onestop.SearchQuery{Q: locale.NFC(d.Query), Limit: 200}); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	p.rd.render(w, r, http.StatusOK, "onestop_new", "desk.new.title", d)
}

// firstFile returns the first non-empty file of a multipart field.
func firstFile(r *http.Request, name string) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	for _, fh := range r.MultipartForm.File[name] {
		if fh.Size > 0 {
			return fh
		}
	}
	return nil
}

func (p *OnestopPages) create(w http.ResponseWriter, r *http.Request) {
	a := p.deskReceiver(w, r)
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
	proc, err := p.deps.Catalogue.Get(r.Context(), r.FormValue("procedure"))
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	form := func(k string) string { return locale.NFC(strings.TrimSpace(r.FormValue(k))) }
	d := &newDossierData{Proc: proc, Channel: onestop.ChannelDirect, Values: map[string]string{}, Kept: map[string][]keptUpload{}, Route: OnestopNewRoute,
		Applicant: onestop.Applicant{Name: form("applicant_name"), IDNumber: form("applicant_id"), Phone: form("applicant_phone"),
			Email: form("applicant_email"), Address: form("applicant_address")}}
	if r.FormValue("channel") == "3" {
		d.Channel = onestop.ChannelPostal
	}
	for _, f := range proc.Fields {
		if v := form("f_" + f.Name); v != "" {
			d.Values[f.Name] = v
		}
	}
	files := map[string][]string{}
	fail := func(err error) {
		d.Error, d.Field = apperr.MessageOf(err), fieldOf(err)
		d.Communes, _ = p.deps.Catalogue.CommuneOptions(r.Context())
		p.rd.render(w, r, httpx.Status(err), "onestop_new", "desk.new.title", d)
	}
	for _, c := range proc.Components {
		for _, id := range r.Form["kept_"+c.Code] {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			up, err := p.deps.Uploads.Get(r.Context(), id)
			if err != nil || up.Uploader != a.AccountID {
				continue
			}
			files[c.Code] = append(files[c.Code], id)
			d.Kept[c.Code] = append(d.Kept[c.Code], keptUpload{ID: id, Name: up.Name})
		}
		if r.MultipartForm == nil {
			continue
		}
		for _, fh := range r.MultipartForm.File["c_"+c.Code] {
			if fh.Size == 0 {
				continue
			}
			if p.deps.Uploads == nil {
				fail(apperr.New(apperr.Unavailable, "Kho tệp chưa được bật"))
				return
			}
			up, err := p.deps.Uploads.UploadFile(r.Context(), a, fh, blob.Request{PersonalData: true})
			if err != nil {
				fail(apperr.Wrap(err, apperr.CodeOf(err), "%s: %s", c.Name, apperr.MessageOf(err)))
				return
			}
			files[c.Code] = append(files[c.Code], up.ID)
			d.Kept[c.Code] = append(d.Kept[c.Code], keptUpload{ID: up.ID, Name: up.Name})
		}
	}
	if d.Applicant.Name == "" {
		fail(apperr.FieldError("applicant_name", "Ghi họ và tên người nộp hồ sơ"))
		return
	}
	if d.Applicant.IDNumber == "" {
		fail(apperr.FieldError("applicant_id", "Ghi số định danh cá nhân hoặc mã số thuế của người nộp hồ sơ"))
		return
	}
	doss, err := p.deps.Dossiers.Submit(r.Context(), a, onestop.SubmitRequest{ProcedureCode: proc.Code, Channel: d.Channel,
		Applicant: d.Applicant, Fields: d.Values, Files: files})
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/onestop/dossiers/"+url.PathEscape(doss.Code)+"?done=new", http.StatusSeeOther)
}

// fieldOf is the field an error names, "" when none.
func fieldOf(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
