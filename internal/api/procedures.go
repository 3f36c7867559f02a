package api

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// The procedure catalogue (anonymous reading, managed import):
//
//	GET  /api/v1/procedures             search (searchProcedures)
//	GET  /api/v1/procedures/{code}      one procedure with its form and components (getProcedure)
//	GET  /api/v1/procedures.json        export as JSON, all or one agency's (exportProcedures)
//	POST /api/v1/procedures.json        import, all or nothing (importProcedures)
func (a *API) procedureRoutes() []route {
	return []route{
		{"GET", "/api/v1/procedures", a.searchProcedures},
		{"GET", "/api/v1/procedures/{code}", a.getProcedure},
		{"GET", "/api/v1/procedures.json", a.exportProcedures},
		{"POST", "/api/v1/procedures.json", a.importProcedures},
	}
}

// ProcedureSummary is one search result.
type ProcedureSummary struct {
	Code       string        `json:"code"`
	Name       string        `json:"name"`
	Field      string        `json:"field"`
	Level      onestop.Level `json:"level"`
	AgencyCode string        `json:"agency_code"`
	AgencyName string        `json:"agency_name,omitempty"`
	Days       int           `json:"days"`
	Fees       []onestop.Fee `json:"fees"`
	Online     bool          `json:"online"`
}

// ProcedureView is a whole procedure with its agency's name.
type ProcedureView struct {
	onestop.Procedure
	AgencyName string `json:"agency_name,omitempty"`
}

func (a *API) catalogueReady(w http.ResponseWriter, r *http.Request) bool {
	if a.deps.Catalogue == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Danh mục thủ tục hành chính chưa được bật"))
		return false
	}
	return true
}

func (a *API) searchProcedures(w http.ResponseWriter, r *http.Request) {
	if !a.catalogueReady(w, r) {
		return
	}
	q := r.URL.Query()
	sq := onestop.SearchQuery{Q: q.Get("q"), Level: onestop.Level(q.Get("level")), Field: q.Get("field"), Agency: q.Get("agency")}
	for _, p := range []struct{ name, v string }{{"q", sq.Q}, {"field", sq.Field}, {"agency", sq.Agency}} {
		if len(p.v) > 200 || !utf8.ValidString(p.v) {
			httpx.Error(w, r, apperr.FieldError(p.name, "Tham số %s quá dài hoặc không hợp lệ", p.name))
			return
		}
	}
	if sq.Level != "" && sq.Level != onestop.LevelProvince && sq.Level != onestop.LevelCommune {
		httpx.Error(w, r, apperr.FieldError("level", "level phải là province (cấp tỉnh) hoặc commune (cấp xã)"))
		return
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			httpx.Error(w, r, apperr.FieldError("limit", "limit phải là số nguyên từ 1 đến 500"))
			return
		}
		sq.Limit = n
	}
	list, err := a.deps.Catalogue.Search(r.Context(), sq)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	items := make([]ProcedureSummary, 0, len(list))
	names := map[string]string{}
	for _, p := range list {
		name, ok := names[p.AgencyCode]
		if !ok {
			name = a.deps.Catalogue.AgencyName(r.Context(), p.AgencyCode)
			names[p.AgencyCode] = name
		}
		fees := p.Fees
		if fees == nil {
			fees = []onestop.Fee{}
		}
		items = append(items, ProcedureSummary{Code: p.Code, Name: p.Name, Field: p.Field, Level: p.Level, AgencyCode: p.AgencyCode,
			AgencyName: name, Days: p.Days, Fees: fees, Online: p.Online})
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) getProcedure(w http.ResponseWriter, r *http.Request) {
	if !a.catalogueReady(w, r) {
		return
	}
	code := r.PathValue("code")
	if len(code) > onestop.MaxCodeBytes {
		httpx.Error(w, r, apperr.New(apperr.NotFound, "Không tìm thấy thủ tục hành chính"))
		return
	}
	p, err := a.deps.Catalogue.Get(r.Context(), code)
	if err == nil && !p.Active {
		err = apperr.New(apperr.NotFound, "Thủ tục %s không còn được tiếp nhận", p.Code)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, ProcedureView{Procedure: *p, AgencyName: a.deps.Catalogue.AgencyName(r.Context(), p.AgencyCode)})
}

func (a *API) exportProcedures(w http.ResponseWriter, r *http.Request) {
	if !a.catalogueReady(w, r) {
		return
	}
	agency := r.URL.Query().Get("agency")
	if len(agency) > onestop.MaxCodeBytes {
		httpx.Error(w, r, apperr.FieldError("agency", "Mã cơ quan quá dài"))
		return
	}
	data, err := a.deps.Catalogue.Export(r.Context(), agency)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="thu-tuc-hanh-chinh.json"`)
	_, _ = w.Write(data)
}

func (a *API) importProcedures(w http.ResponseWriter, r *http.Request) {
	if !a.catalogueReady(w, r) {
		return
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập"))
		return
	}
	rep, err := a.deps.Catalogue.Import(r.Context(), act, r.Body)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, rep)
}
