package calstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// maxKeyLen bounds a rule key.
const maxKeyLen = 50

// Rules returns the holiday rules the calendar uses: the built-in ones and
// the stored ones (a stored rule with a built-in key replaces it), ordered by
// anchor month and day. Everyone may read them.
func (s *Service) Rules(ctx context.Context, a *actor.Actor) ([]Rule, error) {
	if err := s.allowRead(ctx, a); err != nil {
		return nil, err
	}
	st, err := s.readState(ctx)
	if err != nil {
		return nil, err
	}
	stored := make(map[string]Rule, len(st.stored))
	for _, r := range st.stored {
		stored[r.Key] = r
	}
	var out []Rule
	for _, r := range st.rules() {
		if sr, ok := stored[r.Key]; ok {
			out = append(out, sr)
		} else {
			out = append(out, Rule{Rule: r, BuiltIn: true})
		}
	}
	slices.SortStableFunc(out, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// AddRule stores a holiday rule: a holiday created by a later law, or, with
// a built-in key, a replacement of a built-in rule (e.g. a copy with ToYear
// to end it). It is checked against the stored overrides and written in one
// transaction with its audit entry. Only the system administrator may.
// Errors: EINVALID, ECONFLICT (the key is stored already), EUNAUTHORIZED,
// EFORBIDDEN.
func (s *Service) AddRule(ctx context.Context, a *actor.Actor, r calendar.Rule) (Rule, error) {
	if err := s.allowEdit(ctx, a); err != nil {
		return Rule{}, err
	}
	r, err := normalizeRule(r)
	if err != nil {
		return Rule{}, err
	}
	var out Rule
	err = s.change(ctx, func(tx *sql.Tx) error {
		st, err := readState(ctx, tx, s.cfg)
		if err != nil {
			return err
		}
		for _, x := range st.stored {
			if x.Key == r.Key {
				return apperr.New(apperr.Conflict, "Quy tắc ngày nghỉ %q đã có: hãy sửa quy tắc đó.", r.Key)
			}
		}
		if err := st.checkRules(append(storedRules(st), r), s.cfg); err != nil {
			return err
		}
		at := s.now()
		_, err = tx.ExecContext(ctx, `INSERT INTO calendar_rules (rule_key, name_vi, name_en, kind, anchor_month, anchor_day,
			day_offset, days, from_year, to_year, source, updated_at, updated_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, ruleArgs(r, db.Micros(at), actorName(a), db.Micros(at))...)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Wrap(err, apperr.Conflict, "Quy tắc ngày nghỉ %q đã có.", r.Key)
			}
			return fmt.Errorf("insert calendar rule %s: %w", r.Key, err)
		}
		out = s.storedRule(r, at, a)
		return s.record(ctx, tx, a, ActionRuleAdd, ObjectRule, r.Key, nil, r)
	})
	if err != nil {
		return Rule{}, err
	}
	return out, nil
}

// UpdateRule replaces the stored rule key by r (r.Key is ignored).
// Errors: ENOTFOUND, EINVALID, ECONFLICT (a placement no longer fits),
// EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) UpdateRule(ctx context.Context, a *actor.Actor, key string, r calendar.Rule) (Rule, error) {
	if err := s.allowEdit(ctx, a); err != nil {
		return Rule{}, err
	}
	r.Key = key
	r, err := normalizeRule(r)
	if err != nil {
		return Rule{}, err
	}
	var out Rule
	err = s.change(ctx, func(tx *sql.Tx) error {
		st, err := readState(ctx, tx, s.cfg)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(st.stored, func(x Rule) bool { return x.Key == key })
		if i < 0 {
			return apperr.New(apperr.NotFound, "Không có quy tắc ngày nghỉ %q trong cơ sở dữ liệu.", key)
		}
		before := st.stored[i].Rule
		rules := storedRules(st)
		rules[i] = r
		if err := st.checkRules(rules, s.cfg); err != nil {
			return err
		}
		at := s.now()
		_, err = tx.ExecContext(ctx, `UPDATE calendar_rules SET name_vi = $2, name_en = $3, kind = $4, anchor_month = $5,
			anchor_day = $6, day_offset = $7, days = $8, from_year = $9, to_year = $10, source = $11, updated_at = $12,
			updated_by = $13 WHERE rule_key = $1`, ruleArgs(r, db.Micros(at), actorName(a))...)
		if err != nil {
			return fmt.Errorf("update calendar rule %s: %w", key, err)
		}
		out = s.storedRule(r, at, a)
		return s.record(ctx, tx, a, ActionRuleEdit, ObjectRule, key, before, r)
	})
	if err != nil {
		return Rule{}, err
	}
	return out, nil
}

// DeleteRule removes the stored rule key; a built-in rule of that key, if
// any, applies again. Refused while a placement needs it. Errors: ENOTFOUND,
// ECONFLICT, EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) DeleteRule(ctx context.Context, a *actor.Actor, key string) error {
	if err := s.allowEdit(ctx, a); err != nil {
		return err
	}
	return s.change(ctx, func(tx *sql.Tx) error {
		st, err := readState(ctx, tx, s.cfg)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(st.stored, func(x Rule) bool { return x.Key == key })
		if i < 0 {
			return apperr.New(apperr.NotFound, "Không có quy tắc ngày nghỉ %q trong cơ sở dữ liệu.", key)
		}
		before := st.stored[i].Rule
		if err := st.checkRules(slices.Delete(storedRules(st), i, i+1), s.cfg); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM calendar_rules WHERE rule_key = $1", key); err != nil {
			return fmt.Errorf("delete calendar rule %s: %w", key, err)
		}
		return s.record(ctx, tx, a, ActionRuleDelete, ObjectRule, key, before, nil)
	})
}

func (s *Service) storedRule(r calendar.Rule, at time.Time, a *actor.Actor) Rule {
	out := Rule{Rule: r, Stored: true, UpdatedAt: at, UpdatedBy: actorName(a)}
	for _, b := range calendar.StatutoryRules() {
		if b.Key == r.Key {
			out.BuiltIn = true
		}
	}
	return out
}

func storedRules(st *state) []calendar.Rule {
	out := make([]calendar.Rule, len(st.stored))
	for i, r := range st.stored {
		out[i] = r.Rule
	}
	return out
}

// ruleArgs returns the column values $1..$13 of r, then extra.
func ruleArgs(r calendar.Rule, at int64, by string, extra ...any) []any {
	return append([]any{r.Key, r.NameVI, r.NameEN, string(r.Kind), r.Month, r.Day, r.Offset, r.Days,
		r.FromYear, r.ToYear, r.Source, at, by}, extra...)
}

// normalizeRule cleans the text of r and checks it on its own.
func normalizeRule(r calendar.Rule) (calendar.Rule, error) {
	var err error
	if !validKey(r.Key) {
		return r, apperr.FieldError("key", "Mã quy tắc %q không hợp lệ: từ 1 đến %d ký tự gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ (ví dụ culture_day).", clip(r.Key, 60), maxKeyLen)
	}
	if r.NameVI, err = cleanText("name_vi", "Tên ngày nghỉ (tiếng Việt)", r.NameVI, maxNameLen, true); err != nil {
		return r, err
	}
	if r.NameEN, err = cleanText("name_en", "Tên ngày nghỉ (tiếng Anh)", r.NameEN, maxNameLen, false); err != nil {
		return r, err
	}
	if r.Source, err = cleanText("source", "Căn cứ pháp lý (nguồn)", r.Source, maxSourceLen, true); err != nil {
		return r, err
	}
	switch {
	case r.FromYear != 0 && (r.FromYear < calendar.MinYear || r.FromYear > calendar.MaxYear):
		return r, apperr.FieldError("from_year", "Năm bắt đầu %d nằm ngoài khoảng được hỗ trợ (%d–%d).", r.FromYear, calendar.MinYear, calendar.MaxYear)
	case r.ToYear != 0 && (r.ToYear < calendar.MinYear || r.ToYear > calendar.MaxYear):
		return r, apperr.FieldError("to_year", "Năm kết thúc %d nằm ngoài khoảng được hỗ trợ (%d–%d).", r.ToYear, calendar.MinYear, calendar.MaxYear)
	}
	return r, r.Validate()
}

func validKey(k string) bool {
	if k == "" || len(k) > maxKeyLen || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// clip shortens s to at most n runes, so a message never echoes long input.
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
