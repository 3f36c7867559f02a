package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// The applicant's side of one-stop dossiers (the officers' side is served
// by the reception and processing routes):
//
//	POST /api/v1/dossiers                   submit a dossier online (submitDossier)
//	GET  /api/v1/track/{code}               public status by code, no personal data (trackDossier)
//	GET  /api/v1/me/dossiers                the caller's own dossiers (listMyDossiers)
//	GET  /api/v1/dossiers/{code}            a dossier, to its applicant and its officials (getDossier)
//	POST /api/v1/dossiers/{code}/supplement the applicant answers a supplement request (supplementDossier)
//	POST /api/v1/dossiers/{code}/withdraw   the applicant withdraws it (withdrawDossier)
//	POST /api/v1/dossiers/{code}/rating     the applicant rates the service (rateDossier)
func (a *API) dossierRoutes() []route {
	return []route{
		{"POST", "/api/v1/dossiers", a.submitDossier},
		{"GET", "/api/v1/track/{code}", a.trackDossier},
		{"GET", "/api/v1/me/dossiers", a.listMyDossiers},
		{"GET", "/api/v1/dossiers/{code}", a.getDossier},
		{"POST", "/api/v1/dossiers/{code}/supplement", a.supplementDossier},
		{"POST", "/api/v1/dossiers/{code}/withdraw", a.withdrawDossier},
		{"POST", "/api/v1/dossiers/{code}/rating", a.rateDossier},
	}
}

// maxDossierBody bounds a submission: the form's values (each at most
// onestop.MaxValueBytes) and upload ids, escaped.
const maxDossierBody = 256 << 10

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 100

// maxCodeLen bounds a dossier code taken from a path (the longest agency
// code, a date and a sequence fit easily).
const maxCodeLen = 64

type submitBody struct {
	ProcedureCode string              `json:"procedure_code"`
	Fields        map[string]string   `json:"fields"`
	Components    map[string][]string `json:"components"`
}

type supplementBody struct {
	Version    int64               `json:"version"`
	Note       string              `json:"note"`
	Fields     map[string]string   `json:"fields"`
	Components map[string][]string `json:"components"`
}

type withdrawBody struct {
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

type rateBody struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment"`
}

// DossierView is a dossier as the API answers it: the service's dossier
// with the Vietnamese name of its status beside the code.
type DossierView struct {
	*onestop.Dossier
	StatusName string `json:"status_name"`
}

// TrackView is the public tracking answer: status code and name, the
// procedure, the agency and the dates; never the applicant.
type TrackView struct {
	*onestop.Tracking
	ChannelName string `json:"channel_name"`
}

func viewOf(d *onestop.Dossier) DossierView {
	return DossierView{Dossier: d, StatusName: d.Status.Name()}
}

func (a *API) dossiersReady(w http.ResponseWriter, r *http.Request, signIn bool) (*actor.Actor, bool) {
	if a.deps.Dossiers == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ hồ sơ một cửa chưa được bật"))
		return nil, false
	}
	act := actor.From(r.Context())
	if signIn && act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập bằng tài khoản công dân hoặc doanh nghiệp"))
		return nil, false
	}
	return act, true
}

// decodeDossierBody reads a JSON body into v, refusing unknown fields.
func decodeDossierBody(r *http.Request, v any, example string) error {
	return decodeJSON(r.Body, v, maxDossierBody, example)
}

// IdempotencyKey returns the request's Idempotency-Key header, checked:
// at most MaxIdempotencyKey printable ASCII characters; "" when absent.
func IdempotencyKey(r *http.Request) (string, error) {
	k := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(k) > MaxIdempotencyKey {
		return "", apperr.FieldError("Idempotency-Key", "Khoá Idempotency-Key dài quá %d ký tự", MaxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return "", apperr.FieldError("Idempotency-Key", "Khoá Idempotency-Key chỉ gồm chữ, số và dấu ASCII in được")
		}
	}
	return k, nil
}

// DossierCode checks a dossier code taken from a path or a form: printable,
// bounded; its existence is the service's business (ENOTFOUND).
func DossierCode(v string) (string, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if v == "" {
		return "", apperr.FieldError("code", "Chưa nhập mã hồ sơ")
	}
	if len(v) > maxCodeLen || !utf8.ValidString(v) {
		return "", apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ có mã này: hãy kiểm tra lại mã trên giấy tiếp nhận")
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return "", apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ có mã %q: hãy kiểm tra lại mã trên giấy tiếp nhận", v)
		}
	}
	return v, nil
}

func (a *API) submitDossier(w http.ResponseWriter, r *http.Request) {
	act, ok := a.dossiersReady(w, r, true)
	if !ok {
		return
	}
	key, err := IdempotencyKey(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var b submitBody
	if err := decodeDossierBody(r, &b, `{"procedure_code":"…","fields":{"tên":"giá trị"},"components":{"mã thành phần":["mã tệp"]}}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if strings.TrimSpace(b.ProcedureCode) == "" {
		httpx.Error(w, r, apperr.FieldError("procedure_code", "Chưa chọn thủ tục hành chính (procedure_code)"))
		return
	}
	d, err := a.deps.Dossiers.Submit(r.Context(), act, onestop.SubmitRequest{ProcedureCode: strings.TrimSpace(b.ProcedureCode),
		Channel: onestop.ChannelOnline, Applicant: a.applicantOf(r, act), Fields: b.Fields, Files: b.Components, IdempotencyKey: key})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/dossiers/"+d.Code)
	httpx.JSON(w, http.StatusCreated, viewOf(d))
}

// applicantOf is the applicant of an online submission as the account
// knows them: a citizen's CCCD or a business's tax code (their login), name,
// e-mail (status changes are e-mailed there) and phone. The form's values
// complete it; without the identity service only the actor's name is known.
func (a *API) applicantOf(r *http.Request, act *actor.Actor) onestop.Applicant {
	ap := onestop.Applicant{AccountID: act.AccountID, Name: act.Name}
	if a.deps.Identity == nil || (act.Kind != actor.Citizen && act.Kind != actor.Business) {
		return ap
	}
	acc, err := a.deps.Identity.Account(r.Context(), act, act.AccountID)
	if err != nil {
		return ap
	}
	ap.Name, ap.IDNumber, ap.Email, ap.Phone = acc.Name, acc.Login, acc.Email, acc.Phone
	return ap
}

func (a *API) trackDossier(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.dossiersReady(w, r, false); !ok {
		return
	}
	code, err := DossierCode(r.PathValue("code"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	t, err := a.deps.Dossiers.Track(r.Context(), code)
	if apperr.CodeOf(err) == apperr.Invalid {
		// A code that cannot be one is not found, as an unknown one.
		err = apperr.New(apperr.NotFound, "%s", apperr.MessageOf(err))
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, TrackView{Tracking: t, ChannelName: t.Channel.Name()})
}

func (a *API) listMyDossiers(w http.ResponseWriter, r *http.Request) {
	act, ok := a.dossiersReady(w, r, true)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := onestop.DossierFilter{Mine: true}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &f.Page}, {"page_size", &f.PageSize}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1000 {
				httpx.Error(w, r, apperr.FieldError(p.name, "%s phải là số nguyên từ 0 đến 1000", p.name))
				return
			}
			*p.dst = n
		}
	}
	if v := q.Get("status"); v != "" {
		s, err := onestop.ParseStatus(v)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		f.Statuses = []onestop.Status{s}
	}
	page, err := a.deps.Dossiers.List(r.Context(), act, f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	items := make([]DossierView, 0, len(page.Items))
	for _, d := range page.Items {
		items = append(items, viewOf(d))
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": items, "total": page.Total, "page": page.Page, "page_size": page.PageSize})
}

// dossierByCode reads the path's dossier for act (ENOTFOUND to whoever
// may not read it).
func (a *API) dossierByCode(w http.ResponseWriter, r *http.Request) (*actor.Actor, *onestop.Dossier, bool) {
	act, ok := a.dossiersReady(w, r, true)
	if !ok {
		return nil, nil, false
	}
	code, err := DossierCode(r.PathValue("code"))
	if err != nil {
		httpx.Error(w, r, err)
		return nil, nil, false
	}
	d, err := a.deps.Dossiers.GetByCode(r.Context(), act, code)
	if err != nil {
		httpx.Error(w, r, err)
		return nil, nil, false
	}
	return act, d, true
}

func (a *API) getDossier(w http.ResponseWriter, r *http.Request) {
	_, d, ok := a.dossierByCode(w, r)
	if !ok {
		return
	}
	httpx.JSON(w, http.StatusOK, viewOf(d))
}

func (a *API) supplementDossier(w http.ResponseWriter, r *http.Request) {
	act, d, ok := a.dossierByCode(w, r)
	if !ok {
		return
	}
	var b supplementBody
	if err := decodeDossierBody(r, &b, `{"note":"…","fields":{"tên":"giá trị"},"components":{"mã thành phần":["mã tệp"]}}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := a.deps.Dossiers.Supplement(r.Context(), act, d.ID, onestop.SupplementAnswer{Version: b.Version, Note: b.Note,
		Files: b.Components, Fields: b.Fields})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, viewOf(d))
}

func (a *API) withdrawDossier(w http.ResponseWriter, r *http.Request) {
	act, d, ok := a.dossierByCode(w, r)
	if !ok {
		return
	}
	var b withdrawBody
	if err := decodeDossierBody(r, &b, `{"reason":"…"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := a.deps.Dossiers.Withdraw(r.Context(), act, d.ID, onestop.RefuseRequest{Version: b.Version, Reason: b.Reason})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, viewOf(d))
}

func (a *API) rateDossier(w http.ResponseWriter, r *http.Request) {
	act, d, ok := a.dossierByCode(w, r)
	if !ok {
		return
	}
	var b rateBody
	if err := decodeDossierBody(r, &b, `{"rating":1,"comment":"…"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if !onestop.Rating(b.Rating).Valid() {
		httpx.Error(w, r, apperr.FieldError("rating", "Mức đánh giá phải là 1 (rất hài lòng), 2 (hài lòng) hoặc 3 (không hài lòng)"))
		return
	}
	d, err := a.deps.Dossiers.Rate(r.Context(), act, d.ID, onestop.RateRequest{Rating: onestop.Rating(b.Rating), Comment: b.Comment})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, viewOf(d))
}
