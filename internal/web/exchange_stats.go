package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// statsMonthLine is a month's figures with the month as people write it.
type statsMonthLine struct {
	Month   string // mm/yyyy
	Figures exchange.Figures
}

// statsNodeView is a node's figures for the page.
type statsNodeView struct {
	exchange.StatsNode
	Lines []exchangeStatsLine
}

type exchangeStatsLine struct {
	exchange.StatsLine
	MonthLabel string
}

type exchangeStatsData struct {
	Nodes   []statsNodeView // this node first, then the children
	ByMonth []statsMonthLine
	Total   exchange.Figures
}

// monthLabel writes yyyy-mm as mm/yyyy.
func monthLabel(m string) string {
	if len(m) != 7 {
		return m
	}
	return m[5:] + "/" + m[:4]
}

func statsNode(n exchange.StatsNode) statsNodeView {
	v := statsNodeView{StatsNode: n}
	for _, l := range n.Rows {
		v.Lines = append(v.Lines, exchangeStatsLine{StatsLine: l, MonthLabel: monthLabel(l.Month)})
	}
	return v
}

// stats is /admin/exchange/stats: this node's figures and each child
// node's, per agency and month, with the totals.
func (p *ExchangePage) stats(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	v, err := p.ex.Stats(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d := exchangeStatsData{Total: v.Total}
	for _, n := range v.Nodes {
		d.Nodes = append(d.Nodes, statsNode(n))
	}
	for i, m := range v.Months {
		d.ByMonth = append(d.ByMonth, statsMonthLine{Month: monthLabel(m), Figures: v.ByMonth[i]})
	}
	p.rd.render(w, r, http.StatusOK, "exchange_stats", "exchange.stats.title", d)
}

// parent marks or unmarks a peer as a parent node (the form's "parent"
// is "1" to mark).
func (p *ExchangePage) parent(w http.ResponseWriter, r *http.Request) {
	p.peerStep(w, r, "parent", func(a *actor.Actor, id int64) error {
		return p.ex.SetParent(r.Context(), a, id, r.PostFormValue("parent") == "1")
	})
}
