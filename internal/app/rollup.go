package app

import (
	"context"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// rollupActor gathers the figures a node pushes to its parent nodes.
var rollupActor = actor.SystemActor("exchange.rollup")

// rollupSource gives the exchange this node's one-stop and document
// figures per agency code and month, for the statistics roll-up.
type rollupSource struct{ a *App }

func (r rollupSource) Figures(ctx context.Context, from, to time.Time) ([]exchange.AgencyFigures, error) {
	ags, err := r.a.Org.Agencies(ctx, org.AgencyFilter{})
	if err != nil {
		return nil, err
	}
	codes := make(map[int64]string, len(ags))
	for _, g := range ags {
		if g.Code != "" {
			codes[g.ID] = g.Code
		}
	}
	var out []exchange.AgencyFigures
	idx := map[[2]string]int{}
	line := func(agency int64, month string) *exchange.Figures {
		code := codes[agency]
		if code == "" {
			return nil // an agency without an electronic identifier code is not reported
		}
		k := [2]string{code, month}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, exchange.AgencyFigures{Agency: code, Month: month})
		}
		return &out[i].Figures
	}
	dossiers, err := r.a.Dossiers.MonthlyByAgency(ctx, rollupActor, from, to)
	if err != nil {
		return nil, err
	}
	for _, d := range dossiers {
		if f := line(d.AgencyID, d.Month); f != nil {
			f.Received += int64(d.Row.Received)
			f.OnTime += int64(d.Row.Early + d.Row.OnTime)
			f.Late += int64(d.Row.Late)
			f.InProcess += int64(d.Row.PendingIn)
			f.Overdue += int64(d.Row.Overdue)
		}
	}
	docs, err := r.a.Documents.MonthlyCounts(ctx, rollupActor, from, to)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if f := line(d.AgencyID, d.Month); f != nil {
			f.Incoming += d.Incoming
			f.Outgoing += d.Outgoing
		}
	}
	return out, nil
}
