package calstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Override is a stored yearly override.
type Override struct {
	ID int64 // database id; 0 for a shipped override not stored yet (see Seed)
	calendar.Override
	UpdatedAt time.Time // last change
	UpdatedBy string    // who made it (actor name)
}

// First returns the first day the override changes: Date, or From for a
// placement.
func (o Override) First() calendar.Date {
	if o.Kind == calendar.Placement {
		return o.From
	}
	return o.Date
}

// Last returns the last day the override changes.
func (o Override) Last() calendar.Date {
	if o.Kind == calendar.Placement {
		return o.To
	}
	return o.Date
}

// Rule is a holiday rule as the calendar uses it.
type Rule struct {
	calendar.Rule
	BuiltIn   bool      // the key is one of calendar.StatutoryRules
	Stored    bool      // the rule comes from the database (added, or replacing the built-in one)
	UpdatedAt time.Time // stored rules: last change
	UpdatedBy string    // stored rules: who made it
}

// state is everything the calendar is built from, as read in one transaction.
type state struct {
	stored []Rule     // rows of calendar_rules
	overs  []Override // rows of calendar_overrides, plus shipped ones not seeded yet
	seeded map[string]bool
}

// rules returns the built-in rules merged with the stored ones.
func (st *state) rules() []calendar.Rule {
	extra := make([]calendar.Rule, len(st.stored))
	for i, r := range st.stored {
		extra[i] = r.Rule
	}
	return calendar.MergeRules(calendar.StatutoryRules(), extra)
}

// rule returns the effective rule with key.
func (st *state) rule(key string) (calendar.Rule, bool) {
	for _, r := range st.rules() {
		if r.Key == key {
			return r, true
		}
	}
	return calendar.Rule{}, false
}

// overrides returns the overrides the calendar uses.
func (st *state) overrides() []calendar.Override {
	out := make([]calendar.Override, len(st.overs))
	for i, o := range st.overs {
		out[i] = o.Override
	}
	return out
}

// without returns the overrides except the one with id (0: none excluded).
func (st *state) without(id int64) []Override {
	if id == 0 {
		return st.overs
	}
	return slices.DeleteFunc(slices.Clone(st.overs), func(o Override) bool { return o.ID == id })
}

// readState reads the rules, the overrides and the applied seeds. The
// overrides of shipped seeds that were not applied yet are included as if
// they were (Seed stores exactly those): every change applies pending seeds
// first, so until a seed is applied nothing stored can contradict it except
// overrides entered before a newer release shipped it, and those win.
func readState(ctx context.Context, q db.Querier, cfg calendar.Config) (*state, error) {
	st, err := readRows(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, set := range seeds {
		if !st.seeded[set.name] {
			st.addSeed(set.overrides(), cfg)
		}
	}
	return st, nil
}

// readRows reads the stored rules, overrides and applied seeds only.
func readRows(ctx context.Context, q db.Querier) (*state, error) {
	st := &state{seeded: map[string]bool{}}
	rows, err := q.QueryContext(ctx, `SELECT rule_key, name_vi, name_en, kind, anchor_month, anchor_day, day_offset, days,
		from_year, to_year, source, updated_at, updated_by FROM calendar_rules ORDER BY rule_key`)
	if err != nil {
		return nil, fmt.Errorf("read calendar rules: %w", err)
	}
	builtIn := map[string]bool{}
	for _, r := range calendar.StatutoryRules() {
		builtIn[r.Key] = true
	}
	for rows.Next() {
		var r Rule
		var kind string
		var at int64
		if err := rows.Scan(&r.Key, &r.NameVI, &r.NameEN, &kind, &r.Month, &r.Day, &r.Offset, &r.Days,
			&r.FromYear, &r.ToYear, &r.Source, &at, &r.UpdatedBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read calendar rules: %w", err)
		}
		r.Kind, r.Stored, r.BuiltIn, r.UpdatedAt = calendar.RuleKind(kind), true, builtIn[r.Key], db.FromMicros(at)
		st.stored = append(st.stored, r)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read calendar rules: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read calendar rules: %w", err)
	}

	rows, err = q.QueryContext(ctx, `SELECT id, kind, on_day, rule_key, rule_year, from_day, to_day, name_vi, name_en,
		source, unconfirmed, updated_at, updated_by FROM calendar_overrides ORDER BY COALESCE(on_day, from_day), id`)
	if err != nil {
		return nil, fmt.Errorf("read calendar overrides: %w", err)
	}
	for rows.Next() {
		o, err := scanOverride(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		st.overs = append(st.overs, o)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read calendar overrides: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read calendar overrides: %w", err)
	}

	rows, err = q.QueryContext(ctx, "SELECT name FROM calendar_seeds")
	if err != nil {
		return nil, fmt.Errorf("read calendar seeds: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read calendar seeds: %w", err)
		}
		st.seeded[name] = true
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read calendar seeds: %w", err)
	}
	return st, nil
}

// addSeed adds the shipped overrides that do not conflict with st, and
// returns them and the refused ones with the reason.
func (st *state) addSeed(set []calendar.Override, cfg calendar.Config) (added []calendar.Override, refused []error) {
	for _, o := range set {
		o, err := st.check(o, 0, cfg)
		if err != nil {
			refused = append(refused, err)
			continue
		}
		st.overs = append(st.overs, Override{Override: o, UpdatedBy: "system"})
		added = append(added, o)
	}
	return added, refused
}

type scanner interface{ Scan(dest ...any) error }

func scanOverride(r scanner) (Override, error) {
	var o Override
	var kind string
	var day, ruleKey, from, to sql.NullString
	var year sql.NullInt64
	var at int64
	if err := r.Scan(&o.ID, &kind, &day, &ruleKey, &year, &from, &to, &o.NameVI, &o.NameEN,
		&o.Source, &o.Unconfirmed, &at, &o.UpdatedBy); err != nil {
		return Override{}, fmt.Errorf("read calendar override: %w", err)
	}
	o.Kind, o.UpdatedAt = calendar.OverrideKind(kind), db.FromMicros(at)
	o.RuleKey, o.Year = ruleKey.String, int(year.Int64)
	var err error
	parse := func(s sql.NullString, d *calendar.Date) {
		if s.Valid && err == nil {
			*d, err = calendar.ParseISO(s.String)
		}
	}
	parse(day, &o.Date)
	parse(from, &o.From)
	parse(to, &o.To)
	if err != nil {
		return Override{}, fmt.Errorf("calendar override %d: stored date: %w", o.ID, err)
	}
	return o, nil
}
