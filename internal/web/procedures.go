package web

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// ProcedurePages are the procedure catalogue's pages: the public search
// (/portal/procedures) and a procedure's page (/portal/procedures/{code}),
// the administrators' list with import, export and deactivation
// (/admin/procedures) and the edit page (/admin/procedures/{code}/edit,
// /admin/procedures/new). The catalogue asks access.Can and audits every
// change in its transaction.
type ProcedurePages struct {
	rd  *renderer
	cat *onestop.Catalogue
	now func() time.Time
}

// Procedures returns the catalogue pages sharing h's templates.
func (h *Handler) Procedures(c *onestop.Catalogue) *ProcedurePages {
	return &ProcedurePages{rd: h.rd, cat: c, now: h.deps.Now}
}

// Register mounts the pages on mux.
func (p *ProcedurePages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/procedures", p.search)
	mux.HandleFunc("GET /portal/procedures/{code}", p.detail)
	mux.HandleFunc("GET /admin/procedures", p.adminList)
	mux.HandleFunc("POST /admin/procedures/import", p.adminImport)
	mux.HandleFunc("POST /admin/procedures/{code}/active", p.adminActive)
	mux.HandleFunc("GET /admin/procedures/new", p.editForm)
	mux.HandleFunc("POST /admin/procedures/new", p.editSave)
	mux.HandleFunc("GET /admin/procedures/{code}/edit", p.editForm)
	mux.HandleFunc("POST /admin/procedures/{code}/edit", p.editSave)
}

// procedureRow is one procedure of a list, with what the list shows.
type procedureRow struct {
	onestop.Procedure
	AgencyName string
	Fee        string // "Miễn phí", "100.000 đ", "từ 7.000 đ"
	Manage     bool   // the viewer may edit and deactivate it (admin list)
}

// feeText is the list's "how much": free, one amount, or the lowest of
// several ("từ …"); a fee given as a rate (amount 0, "0,5% …" in its note)
// is "varies". The procedure's page lists each fee.
func feeText(p *onestop.Procedure, free, from, varies string) string {
	var amounts []int64
	rate := false
	for _, f := range p.Fees {
		if f.Amount > 0 {
			amounts = append(amounts, f.Amount)
		}
		rate = rate || (f.Amount == 0 && strings.Contains(f.Note, "%"))
	}
	switch {
	case rate:
		return varies
	case len(amounts) == 0:
		return free
	case len(amounts) == 1:
		return onestop.FormatVND(amounts[0])
	}
	low := amounts[0]
	for _, a := range amounts[1:] {
		low = min(low, a)
	}
	return from + " " + onestop.FormatVND(low)
}

type proceduresData struct {
	Q, Level, Field string
	Fields          []string
	Rows            []procedureRow
	Searched        bool
}

// search is the public catalogue: a search box (no diacritics needed),
// level and field filters, and the results with their agency, time and
// fee.
func (p *ProcedurePages) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := proceduresData{Q: q.Get("q"), Level: q.Get("level"), Field: q.Get("field")}
	if len(d.Q) > 200 || !utf8.ValidString(d.Q) {
		d.Q = ""
	}
	if len(d.Field) > 200 || !utf8.ValidString(d.Field) {
		d.Field = ""
	}
	if d.Level != string(onestop.LevelProvince) && d.Level != string(onestop.LevelCommune) {
		d.Level = ""
	}
	d.Searched = d.Q != "" || d.Level != "" || d.Field != ""
	fields, err := p.cat.Fields(r.Context())
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Fields = fields
	list, err := p.cat.Search(r.Context(), onestop.SearchQuery{Q: d.Q, Level: onestop.Level(d.Level), Field: d.Field, Limit: 200})
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Rows = p.rows(r, list)
	p.rd.render(w, r, http.StatusOK, "procedures", "proc.title", d)
}

func (p *ProcedurePages) rows(r *http.Request, list []onestop.Procedure) []procedureRow {
	names := map[string]string{}
	out := make([]procedureRow, 0, len(list))
	lang := locale.FromRequest(r)
	free, from, varies := p.rd.cat.T(lang, "proc.fee.free"), p.rd.cat.T(lang, "proc.fee.from"), p.rd.cat.T(lang, "proc.fee.varies")
	for _, pr := range list {
		name, ok := names[pr.AgencyCode]
		if !ok {
			name = p.cat.AgencyName(r.Context(), pr.AgencyCode)
			names[pr.AgencyCode] = name
		}
		out = append(out, procedureRow{Procedure: pr, AgencyName: name, Fee: feeText(&pr, free, from, varies)})
	}
	return out
}
