package onestop

import (
	"context"
	"io"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// StatsFilter selects the dossiers counted.
type StatsFilter struct {
	AgencyID      int64 // receiving agency; 0 = every agency the reader may read
	ProcedureCode string
	Field         string
	From, To      time.Time // submitted in [From, To); zero = unbounded
}

// StatsRow is one group's counts (the indicators every provincial system
// reports, Decision 766/QĐ-TTg and report form II.06a).
type StatsRow struct {
	Key string `json:"key"` // agency name, procedure code, field or month (yyyy-mm)

	Received  int `json:"received"`
	Direct    int `json:"direct"`
	Online    int `json:"online"`
	Postal    int `json:"postal"`
	Resolved  int `json:"resolved"`
	Early     int `json:"early"`
	OnTime    int `json:"on_time"`
	Late      int `json:"late"`
	PendingIn int `json:"pending_in_time"`
	Overdue   int `json:"pending_overdue"`

	Supplements int `json:"supplements"`
	Refusals    int `json:"refusals"`
	Withdrawals int `json:"withdrawals"`
	Stopped     int `json:"stopped"`
	Apologies   int `json:"apologies"`

	VerySatisfied int `json:"very_satisfied"`
	Satisfied     int `json:"satisfied"`
	Unsatisfied   int `json:"unsatisfied"`
}

// OnTimeRate is (early + on time) / resolved, 0..1; 1 when nothing was resolved.
func (r StatsRow) OnTimeRate() float64 {
	if r.Resolved == 0 {
		return 1
	}
	return float64(r.Early+r.OnTime) / float64(r.Resolved)
}

// Stats are the counts in total and by agency, procedure, field and month.
type Stats struct {
	Total       StatsRow   `json:"total"`
	ByAgency    []StatsRow `json:"by_agency"`
	ByProcedure []StatsRow `json:"by_procedure"`
	ByField     []StatsRow `json:"by_field"`
	ByMonth     []StatsRow `json:"by_month"`
}

// Stats counts the dossiers matching f that a may read statistics of
// (onestop.stats.read).
func (s *DossierService) Stats(ctx context.Context, a *actor.Actor, f StatsFilter) (*Stats, error) {
	return nil, errNotBuilt
}

// StatsXLSX writes Stats as an xlsx workbook to w.
func (s *DossierService) StatsXLSX(ctx context.Context, a *actor.Actor, f StatsFilter, w io.Writer) error {
	return errNotBuilt
}
