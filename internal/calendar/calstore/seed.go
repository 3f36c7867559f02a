package calstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// seedSet is a shipped set of overrides, applied once per database.
type seedSet struct {
	name      string
	overrides func() []calendar.Override
}

// seeds are the shipped sets in the order they are applied. A later release
// that ships the schedules of another year adds a set here with a new name;
// existing databases get it on their next start.
var seeds = []seedSet{
	{name: "published-2025-2026", overrides: calendar.Published2025_2026},
}

// Seed stores every shipped set of overrides (calendar.Published2025_2026)
// not applied to this database yet, each once: a set is recorded in
// calendar_seeds in the same transaction as its rows and its audit entry, so
// an override the administrator deleted later is not brought back, and
// replicas starting together apply it once. A shipped override that collides
// with one stored before the set was shipped is skipped (the stored one
// wins) and logged. It returns how many overrides were stored. Call it at
// start-up; every change also applies pending sets first.
func (s *Service) Seed(ctx context.Context) (int, error) {
	st, err := s.readState(ctx)
	if err != nil {
		return 0, err
	}
	pending := false
	for _, set := range seeds {
		pending = pending || !st.seeded[set.name]
	}
	if !pending {
		return 0, nil
	}
	var n int
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = s.seed(ctx, tx); err != nil {
			return err
		}
		if n > 0 {
			if _, err := tx.ExecContext(ctx, "UPDATE calendar_state SET version = version + 1 WHERE id = 1"); err != nil {
				return fmt.Errorf("bump calendar version: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, apperr.Wrap(err, apperr.Unavailable, "Không nạp được lịch nghỉ lễ đã công bố vào cơ sở dữ liệu")
	}
	s.invalidate()
	return n, nil
}

// seed applies the pending sets inside tx and returns how many overrides it
// stored.
func (s *Service) seed(ctx context.Context, tx *sql.Tx) (int, error) {
	total := 0
	for _, set := range seeds {
		// Claim the set first: a replica that lost the race sees 0 rows (on
		// PostgreSQL it waits for the winner's commit) and skips it.
		res, err := tx.ExecContext(ctx, "INSERT INTO calendar_seeds (name, applied_at, overrides) VALUES ($1, $2, 0) ON CONFLICT (name) DO NOTHING",
			set.name, db.Micros(s.now()))
		if err != nil {
			return 0, fmt.Errorf("claim calendar seed %s: %w", set.name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue
		}
		st, err := readRows(ctx, tx) // what is stored, without the sets still pending
		if err != nil {
			return 0, err
		}
		added, refused := st.addSeed(set.overrides(), s.cfg)
		for _, err := range refused {
			s.log.WarnContext(ctx, "shipped calendar override skipped: it collides with a stored one", "seed", set.name, "reason", apperr.MessageOf(err))
		}
		for _, o := range added {
			if _, err := s.insertOverride(ctx, tx, o, nil); err != nil {
				return 0, fmt.Errorf("calendar seed %s: %w", set.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE calendar_seeds SET overrides = $1 WHERE name = $2", len(added), set.name); err != nil {
			return 0, fmt.Errorf("calendar seed %s: %w", set.name, err)
		}
		err = s.audit.Record(ctx, tx, audit.Entry{
			Action: ActionSeed, ObjectType: ObjectSeed, ObjectID: set.name,
			Summary: map[string]int{"added": len(added), "skipped": len(refused)},
		})
		if err != nil {
			return 0, err
		}
		total += len(added)
	}
	return total, nil
}
