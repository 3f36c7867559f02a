package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// statsSection is one table of the statistics page.
type statsSection struct {
	ID, Heading string // anchor, catalog key
	Rows        []statsRow
}

// statsRow is a row with its on-time rate as a Vietnamese percentage.
type statsRow struct {
	onestop.StatsRow
	Rate string
}

func rateOf(r onestop.StatsRow) statsRow {
	return statsRow{StatsRow: r, Rate: strings.Replace(strconv.FormatFloat(r.OnTimeRate()*100, 'f', 1, 64), ".", ",", 1) + "%"}
}

func rowsOf(list []onestop.StatsRow) []statsRow {
	out := make([]statsRow, len(list))
	for i, r := range list {
		out[i] = rateOf(r)
	}
	return out
}

type statsData struct {
	Stats    *onestop.Stats
	Total    statsRow
	Sections []statsSection
	From, To string
	Proc     string
	Field    string
	Error    string
	XLSXURL  string
}

// stats is the statistics page (/onestop/stats), with ?format=xlsx the
// same counts as an xlsx workbook.
func (p *OnestopPages) stats(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if a.Kind != actor.Official || !holds(a, access.OnestopStatsRead) {
		p.rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Bạn không có quyền xem thống kê giải quyết thủ tục hành chính"))
		return
	}
	q := r.URL.Query()
	d := statsData{From: q.Get("from"), To: q.Get("to"), Proc: q.Get("procedure"), Field: q.Get("field")}
	f, err := api.StatsFilterOf(q)
	status := http.StatusOK
	if err != nil {
		d.Error, status = apperr.MessageOf(err), http.StatusBadRequest
		f = onestop.StatsFilter{}
	}
	if q.Get("format") == "xlsx" && err == nil {
		var buf bytes.Buffer
		if err := p.deps.Dossiers.StatsXLSX(r.Context(), a, f, &buf); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="thong-ke-mot-cua.xlsx"`)
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = w.Write(buf.Bytes())
		return
	}
	st, err := p.deps.Dossiers.Stats(r.Context(), a, f)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Stats, d.Total = st, rateOf(st.Total)
	d.Sections = []statsSection{
		{ID: "by-agency", Heading: "desk.stats.by.agency", Rows: rowsOf(st.ByAgency)},
		{ID: "by-procedure", Heading: "desk.stats.by.procedure", Rows: rowsOf(st.ByProcedure)},
		{ID: "by-field", Heading: "desk.stats.by.field", Rows: rowsOf(st.ByField)},
		{ID: "by-month", Heading: "desk.stats.by.month", Rows: rowsOf(st.ByMonth)},
	}
	v := url.Values{}
	for _, k := range []string{"from", "to", "procedure", "field"} {
		if s := q.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	v.Set("format", "xlsx")
	d.XLSXURL = "/onestop/stats?" + v.Encode()
	p.rd.render(w, r, status, "onestop_stats", "desk.stats.title", d)
}
