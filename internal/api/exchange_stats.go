package api

import (
	"net/http"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// Statistics rolled up from child nodes:
//
//	GET /api/v1/exchange/stats   this node's figures and each child node's, per agency and month (getExchangeStats)
func (a *API) exchangeStatsRoutes() []route {
	return []route{{"GET", "/api/v1/exchange/stats", a.getExchangeStats}}
}

type statsNodeBody struct {
	PeerID      int64                   `json:"peer_id"` // 0: this node
	Name        string                  `json:"name"`
	GeneratedAt *time.Time              `json:"generated_at"` // null for this node (computed now)
	ReceivedAt  *time.Time              `json:"received_at"`
	Rows        []exchangeStatsLineBody `json:"rows"`
	Total       exchange.Figures        `json:"total"`
}

type exchangeStatsLineBody struct {
	Agency     string           `json:"agency"`
	AgencyName string           `json:"agency_name"`
	Month      string           `json:"month"`
	Figures    exchange.Figures `json:"figures"`
}

type statsMonthBody struct {
	Month   string           `json:"month"`
	Figures exchange.Figures `json:"figures"`
}

type exchangeStatsBody struct {
	Months  []string         `json:"months"`
	ByMonth []statsMonthBody `json:"by_month"`
	Total   exchange.Figures `json:"total"`
	Nodes   []statsNodeBody  `json:"nodes"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (a *API) getExchangeStats(w http.ResponseWriter, r *http.Request) {
	if a.deps.ExchangeNode == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Trao đổi giữa các nút chưa được bật trên máy chủ này"))
		return
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập"))
		return
	}
	v, err := a.deps.ExchangeNode.Stats(r.Context(), act)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	body := exchangeStatsBody{Months: v.Months, Total: v.Total, ByMonth: []statsMonthBody{}, Nodes: []statsNodeBody{}}
	for i, m := range v.Months {
		body.ByMonth = append(body.ByMonth, statsMonthBody{Month: m, Figures: v.ByMonth[i]})
	}
	for _, n := range v.Nodes {
		nb := statsNodeBody{PeerID: n.PeerID, Name: n.Name, GeneratedAt: optTime(n.GeneratedAt), ReceivedAt: optTime(n.ReceivedAt), Total: n.Total, Rows: []exchangeStatsLineBody{}}
		for _, l := range n.Rows {
			nb.Rows = append(nb.Rows, exchangeStatsLineBody{Agency: l.Agency, AgencyName: l.AgencyName, Month: l.Month, Figures: l.Figures})
		}
		body.Nodes = append(body.Nodes, nb)
	}
	httpx.JSON(w, http.StatusOK, body)
}
