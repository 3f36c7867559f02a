package calstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Audit actions and object types of the calendar.
const (
	ActionOverrideAdd    = "calendar.override.add"
	ActionOverrideEdit   = "calendar.override.edit"
	ActionOverrideDelete = "calendar.override.delete"
	ActionRuleAdd        = "calendar.rule.add"
	ActionRuleEdit       = "calendar.rule.edit"
	ActionRuleDelete     = "calendar.rule.delete"
	ActionSeed           = "calendar.seed"

	ObjectOverride = "calendar_override"
	ObjectRule     = "calendar_rule"
	ObjectSeed     = "calendar_seed"
)

// Overrides returns the overrides touching solar year y (every override when
// y is 0), in date order, including shipped ones not seeded yet (ID 0).
// Everyone may read them (access action calendar.read).
func (s *Service) Overrides(ctx context.Context, a *actor.Actor, y int) ([]Override, error) {
	if err := s.allowRead(ctx, a); err != nil {
		return nil, err
	}
	st, err := s.readState(ctx)
	if err != nil {
		return nil, err
	}
	var out []Override
	for _, o := range st.overs {
		if y == 0 || o.First().Year == y || o.Last().Year == y || (o.Kind == calendar.Placement && o.Year == y) {
			out = append(out, o)
		}
	}
	sortOverrides(out)
	return out, nil
}

// Override returns the stored override id. Errors: ENOTFOUND.
func (s *Service) Override(ctx context.Context, a *actor.Actor, id int64) (Override, error) {
	if err := s.allowRead(ctx, a); err != nil {
		return Override{}, err
	}
	return findOverride(ctx, s.db.Reader(), id)
}

// AddOverride stores a new override after checking it against the others
// (see check), in one transaction with its audit entry. Only the system
// administrator may (access action calendar.override.edit). Errors: EINVALID,
// ECONFLICT (nothing is written), EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) AddOverride(ctx context.Context, a *actor.Actor, o calendar.Override) (Override, error) {
	if err := s.allowEdit(ctx, a); err != nil {
		return Override{}, err
	}
	o, err := normalizeOverride(o)
	if err != nil {
		return Override{}, err
	}
	var out Override
	err = s.change(ctx, func(tx *sql.Tx) error {
		st, err := readState(ctx, tx, s.cfg)
		if err != nil {
			return err
		}
		if o, err = st.check(o, 0, s.cfg); err != nil {
			return err
		}
		out, err = s.insertOverride(ctx, tx, o, a)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, ActionOverrideAdd, ObjectOverride, strconv.FormatInt(out.ID, 10), nil, auditView(out.Override))
	})
	if err != nil {
		return Override{}, err
	}
	return out, nil
}

// UpdateOverride replaces override id by o, checked like AddOverride.
// Errors: ENOTFOUND, EINVALID, ECONFLICT, EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) UpdateOverride(ctx context.Context, a *actor.Actor, id int64, o calendar.Override) (Override, error) {
	if err := s.allowEdit(ctx, a); err != nil {
		return Override{}, err
	}
	o, err := normalizeOverride(o)
	if err != nil {
		return Override{}, err
	}
	var out Override
	err = s.change(ctx, func(tx *sql.Tx) error {
		before, err := findOverride(ctx, tx, id)
		if err != nil {
			return err
		}
		st, err := readState(ctx, tx, s.cfg)
		if err != nil {
			return err
		}
		if o, err = st.check(o, id, s.cfg); err != nil {
			return err
		}
		at := s.now()
		_, err = tx.ExecContext(ctx, `UPDATE calendar_overrides SET kind = $1, on_day = $2, rule_key = $3, rule_year = $4,
			from_day = $5, to_day = $6, name_vi = $7, name_en = $8, source = $9, unconfirmed = $10, updated_at = $11, updated_by = $12
			WHERE id = $13`, overrideArgs(o, db.Micros(at), actorName(a), id)...)
		if err != nil {
			return mapWriteError(err, "sửa điều chỉnh lịch")
		}
		out = Override{ID: id, Override: o, UpdatedAt: at, UpdatedBy: actorName(a)}
		return s.record(ctx, tx, a, ActionOverrideEdit, ObjectOverride, strconv.FormatInt(id, 10), auditView(before.Override), auditView(o))
	})
	if err != nil {
		return Override{}, err
	}
	return out, nil
}

// DeleteOverride removes override id, in one transaction with its audit
// entry. Errors: ENOTFOUND, EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) DeleteOverride(ctx context.Context, a *actor.Actor, id int64) error {
	if err := s.allowEdit(ctx, a); err != nil {
		return err
	}
	return s.change(ctx, func(tx *sql.Tx) error {
		before, err := findOverride(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM calendar_overrides WHERE id = $1", id); err != nil {
			return fmt.Errorf("delete calendar override %d: %w", id, err)
		}
		return s.record(ctx, tx, a, ActionOverrideDelete, ObjectOverride, strconv.FormatInt(id, 10), auditView(before.Override), nil)
	})
}

// readState reads the current rules and overrides outside a transaction.
func (s *Service) readState(ctx context.Context) (*state, error) {
	var st *state
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		st, err = readState(ctx, tx, s.cfg)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được lịch làm việc từ cơ sở dữ liệu")
	}
	return st, nil
}

func (s *Service) insertOverride(ctx context.Context, tx *sql.Tx, o calendar.Override, a *actor.Actor) (Override, error) {
	at := s.now()
	args := overrideArgs(o, db.Micros(at), actorName(a), db.Micros(at))
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO calendar_overrides (kind, on_day, rule_key, rule_year, from_day, to_day,
		name_vi, name_en, source, unconfirmed, updated_at, updated_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`, args...).Scan(&id)
	if err != nil {
		return Override{}, mapWriteError(err, "thêm điều chỉnh lịch")
	}
	return Override{ID: id, Override: o, UpdatedAt: at, UpdatedBy: actorName(a)}, nil
}

// overrideArgs returns the column values $1..$12 of o, then extra.
func overrideArgs(o calendar.Override, at int64, by string, extra ...any) []any {
	var day, ruleKey, from, to, year any
	if o.Kind == calendar.Placement {
		ruleKey, year, from, to = o.RuleKey, o.Year, o.From.String(), o.To.String()
	} else {
		day = o.Date.String()
	}
	return append([]any{string(o.Kind), day, ruleKey, year, from, to, o.NameVI, o.NameEN, o.Source, o.Unconfirmed, at, by}, extra...)
}

func findOverride(ctx context.Context, q db.Querier, id int64) (Override, error) {
	o, err := scanOverride(q.QueryRowContext(ctx, `SELECT id, kind, on_day, rule_key, rule_year, from_day, to_day, name_vi, name_en,
		source, unconfirmed, updated_at, updated_by FROM calendar_overrides WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Override{}, apperr.New(apperr.NotFound, "Không có điều chỉnh lịch mã %d.", id)
	}
	return o, err
}

// mapWriteError turns a unique violation (a concurrent writer that the
// version lock did not serialise, or a hand-edited row) into ECONFLICT.
func mapWriteError(err error, what string) error {
	if db.IsUniqueViolation(err) {
		return apperr.Wrap(err, apperr.Conflict, "Không %s được: ngày này đã có điều chỉnh khác.", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// overrideRecord is what the audit log digests of an override: plain text
// fields, so that every kind marshals (a zero calendar.Date does not).
type overrideRecord struct {
	Kind        string `json:"kind"`
	Date        string `json:"date,omitempty"`
	RuleKey     string `json:"rule_key,omitempty"`
	Year        int    `json:"year,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	NameVI      string `json:"name_vi"`
	NameEN      string `json:"name_en"`
	Source      string `json:"source"`
	Unconfirmed bool   `json:"unconfirmed"`
}

func auditView(o calendar.Override) overrideRecord {
	r := overrideRecord{Kind: string(o.Kind), RuleKey: o.RuleKey, Year: o.Year, NameVI: o.NameVI, NameEN: o.NameEN,
		Source: o.Source, Unconfirmed: o.Unconfirmed}
	if o.Kind == calendar.Placement {
		r.From, r.To = o.From.String(), o.To.String()
	} else {
		r.Date = o.Date.String()
	}
	return r
}

func sortOverrides(os []Override) {
	slices.SortStableFunc(os, func(a, b Override) int {
		if c := a.First().Compare(b.First()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
