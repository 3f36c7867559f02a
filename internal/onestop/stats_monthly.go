package onestop

import (
	"context"
	"sort"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// AgencyMonthStats are one receiving agency's counts for one month of
// submission (yyyy-mm, Vietnam time).
type AgencyMonthStats struct {
	AgencyID int64
	Month    string
	Row      StatsRow
}

// MonthlyByAgency counts the dossiers submitted in [from, to) per
// receiving agency and month, as Stats counts them (report form II.06a):
// what a node reports to its parent node. Only the system reads it, for
// every agency at once; the counts carry no personal data.
func (s *DossierService) MonthlyByAgency(ctx context.Context, a *actor.Actor, from, to time.Time) ([]AgencyMonthStats, error) {
	if a == nil || a.Kind != actor.System {
		return nil, apperr.New(apperr.Forbidden, "Chỉ hệ thống được tổng hợp thống kê một cửa của mọi cơ quan")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT agency_id, channel, status, submitted_at, due_at, decided_at, outcome,
		supplement <> '', apology <> '', rating FROM onestop_dossiers WHERE submitted_at >= $1 AND submitted_at < $2`, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.opts.Now()
	type key struct {
		agency int64
		month  string
	}
	groups := map[key]*StatsRow{}
	for rows.Next() {
		var agency, channel, status, submitted, due, decided, outcome, rating int64
		var supp, apol bool
		if err := rows.Scan(&agency, &channel, &status, &submitted, &due, &decided, &outcome, &supp, &apol, &rating); err != nil {
			return nil, err
		}
		k := key{agency, micros(submitted).In(locale.VN).Format("2006-01")}
		r := groups[k]
		if r == nil {
			r = &StatsRow{Key: k.month}
			groups[k] = r
		}
		r.count(Channel(channel), Status(status), micros(due), micros(decided), Timeliness(outcome), supp, apol, Rating(rating), now, s.opts.Sessions)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]AgencyMonthStats, 0, len(groups))
	for k, r := range groups {
		out = append(out, AgencyMonthStats{AgencyID: k.agency, Month: k.month, Row: *r})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AgencyID != out[j].AgencyID {
			return out[i].AgencyID < out[j].AgencyID
		}
		return out[i].Month < out[j].Month
	})
	return out, nil
}
