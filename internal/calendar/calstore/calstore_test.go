package calstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

var modules = []db.Migrations{audit.Migrations, calstore.Migrations}

// now is "today" for every test: 25/11/2026, 09:00 in Vietnam.
var now = time.Date(2026, 11, 25, 9, 0, 0, 0, locale.VN)

var (
	admin = &actor.Actor{AccountID: 1, Kind: actor.Official, Name: "Quản trị hệ thống thử",
		Roles: []actor.RoleGrant{{Role: "system_admin"}}}
	clerk = &actor.Actor{AccountID: 2, Kind: actor.Official, Name: "Văn thư thử", AgencyID: 7,
		Roles: []actor.RoleGrant{{Role: "clerk", AgencyID: 7}}}
)

func day(y, m, d int) calendar.Date { return calendar.Date{Year: y, Month: time.Month(m), Day: d} }

func at(y, m, d, h, min int) time.Time {
	return time.Date(y, time.Month(m), d, h, min, 0, 0, locale.VN)
}

// newService returns a calendar service on d; seeded unless told otherwise.
func newService(t *testing.T, d *db.DB, opts calstore.Options, seed bool) *calstore.Service {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	l, err := audit.New(d, audit.Options{Now: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	opts.Audit = l
	s, err := calstore.New(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if seed {
		if _, err := s.Seed(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func cal(t *testing.T, s *calstore.Service) *calendar.Calendar {
	t.Helper()
	c, err := s.Calendar(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// find returns the stored override on day d (or starting on d).
func find(t *testing.T, s *calstore.Service, d calendar.Date) calstore.Override {
	t.Helper()
	os, err := s.Overrides(context.Background(), nil, d.Year)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		if o.First() == d {
			return o
		}
	}
	t.Fatalf("no override on %s", d)
	return calstore.Override{}
}

func TestSeedStoresThePublishedSchedulesOnce(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, calstore.Options{}, false)

		// Before the seed the calendar already answers with the published
		// schedules (they are what the seed will store).
		if c := cal(t, s); c.IsWorkingDay(day(2026, 8, 31)) || !c.IsWorkingDay(day(2026, 8, 22)) {
			t.Fatal("unseeded database: the published 2/9/2026 swap is missing")
		}
		n, err := s.Seed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(calendar.Published2025_2026()); n != want {
			t.Fatalf("Seed stored %d overrides, want %d", n, want)
		}
		if n, err := s.Seed(ctx); err != nil || n != 0 {
			t.Fatalf("second Seed = %d, %v; want 0, nil", n, err)
		}
		all, err := s.Overrides(ctx, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(calendar.Published2025_2026()) {
			t.Fatalf("%d overrides stored, want %d", len(all), len(calendar.Published2025_2026()))
		}
		for _, o := range all {
			if o.ID == 0 || o.UpdatedBy != "system" {
				t.Fatalf("override %+v not stored by the system", o)
			}
		}
		// A deleted seeded override stays deleted: the seed is not applied again.
		sat := find(t, s, day(2026, 8, 22))
		if err := s.DeleteOverride(ctx, admin, sat.ID); err != nil {
			t.Fatal(err)
		}
		s2 := newService(t, d, calstore.Options{}, true) // a restart
		if c := cal(t, s2); c.IsWorkingDay(day(2026, 8, 22)) {
			t.Fatal("the deleted make-up Saturday came back after a restart")
		}
		page, err := audit.Query(ctx, d, audit.Filter{ObjectType: calstore.ObjectSeed})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rows) != 1 {
			t.Fatalf("%d seed audit entries, want 1", len(page.Rows))
		}
	})
}

func TestOverridesChangeDeadlines(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, calstore.Options{}, true)
		c := cal(t, s)

		// Tết 2025 as announced: the statutory days are Mon 27/01 – Fri 31/01
		// (off Sat 25/01 – Sun 02/02). By default they would be Tue 28/01 –
		// Sat 01/02 with a compensatory Mon 03/02, making Mon 27/01 a
		// working day.
		fri := at(2025, 1, 24, 10, 0)
		if due := c.AddWorkingDays(fri, 1); !due.Equal(at(2025, 2, 3, 17, 0)) {
			t.Fatalf("Tết 2025 placement: due %s, want 17:00 03/02/2025", locale.FormatDateTime(due))
		}
		tet := find(t, s, day(2025, 1, 27))
		if err := s.DeleteOverride(ctx, admin, tet.ID); err != nil {
			t.Fatal(err)
		}
		if due := cal(t, s).AddWorkingDays(fri, 1); !due.Equal(at(2025, 1, 27, 17, 0)) {
			t.Fatalf("default Tết 2025: due %s, want 17:00 27/01/2025", locale.FormatDateTime(due))
		}
		if _, err := s.AddOverride(ctx, admin, tet.Override); err != nil {
			t.Fatal(err)
		}

		// Saturday 22/08/2026 is worked in exchange for Monday 31/08.
		c = cal(t, s)
		fri = at(2026, 8, 21, 10, 0)
		if due := c.AddWorkingDays(fri, 1); !due.Equal(at(2026, 8, 22, 17, 0)) {
			t.Fatalf("worked Saturday: due %s, want 17:00 22/08/2026", locale.FormatDateTime(due))
		}
		if due := c.AddWorkingDays(at(2026, 8, 28, 9, 0), 1); !due.Equal(at(2026, 9, 3, 17, 0)) {
			t.Fatalf("2/9 break: due %s, want 17:00 03/09/2026", locale.FormatDateTime(due))
		}
		mk := c.MakeUpDays(2026)
		if len(mk) != 1 || mk[0].Date != day(2026, 8, 22) {
			t.Fatalf("MakeUpDays(2026) = %+v", mk)
		}
		sat := find(t, s, day(2026, 8, 22))
		if err := s.DeleteOverride(ctx, admin, sat.ID); err != nil {
			t.Fatal(err)
		}
		if due := cal(t, s).AddWorkingDays(fri, 1); !due.Equal(at(2026, 8, 24, 17, 0)) {
			t.Fatalf("without the worked Saturday: due %s, want 17:00 24/08/2026", locale.FormatDateTime(due))
		}

		// Editing an override: move the day off of 2026 to another weekday.
		off := find(t, s, day(2026, 8, 31))
		moved := off.Override
		moved.Date = day(2026, 9, 3)
		if _, err := s.UpdateOverride(ctx, admin, off.ID, moved); err != nil {
			t.Fatal(err)
		}
		if c := cal(t, s); !c.IsWorkingDay(day(2026, 8, 31)) || c.IsWorkingDay(day(2026, 9, 3)) {
			t.Fatal("UpdateOverride did not move the day off")
		}
	})
}

func TestNewHolidayRuleIsData(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, calstore.Options{}, true)
		before := len(cal(t, s).Holidays(2027))

		// A hypothetical later law: a holiday on 24/11 from 2027.
		rule := calendar.Rule{Key: "culture_day", NameVI: "Ngày Văn hóa Việt Nam", NameEN: "Vietnam Culture Day",
			Kind: calendar.SolarFixed, Month: 11, Day: 24, Days: 1, FromYear: 2027, Source: "Luật thử nghiệm (không có thật)"}
		if _, err := s.AddRule(ctx, admin, rule); err != nil {
			t.Fatal(err)
		}
		c := cal(t, s)
		h := c.Holidays(2027)
		if len(h) != before+1 {
			t.Fatalf("Holidays(2027): %d days, want %d", len(h), before+1)
		}
		info := c.DayInfo(day(2027, 11, 24))
		if info.Working || info.RuleKey != "culture_day" || info.NameVI != "Ngày Văn hóa Việt Nam" {
			t.Fatalf("24/11/2027 = %+v", info)
		}
		if !c.IsWorkingDay(day(2026, 11, 24)) {
			t.Fatal("the new rule applies before its first year")
		}
		rules, err := s.Rules(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != len(calendar.StatutoryRules())+1 {
			t.Fatalf("%d rules", len(rules))
		}

		// A placement of the new rule; the rule cannot be deleted under it.
		p := calendar.Override{Kind: calendar.Placement, RuleKey: "culture_day", Year: 2027, From: day(2027, 11, 26), To: day(2027, 11, 26),
			Source: "Thông báo thử"}
		po, err := s.AddOverride(ctx, admin, p)
		if err != nil {
			t.Fatal(err)
		}
		if po.NameVI != "Ngày Văn hóa Việt Nam" {
			t.Fatalf("placement name = %q, want the rule's", po.NameVI)
		}
		if err := s.DeleteRule(ctx, admin, "culture_day"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("DeleteRule under a placement: %v", err)
		}
		// Nor changed so that the placement no longer fits.
		longer := rule
		longer.Days = 2
		if _, err := s.UpdateRule(ctx, admin, "culture_day", longer); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("UpdateRule breaking a placement: %v", err)
		}
		if err := s.DeleteOverride(ctx, admin, po.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateRule(ctx, admin, "culture_day", longer); err != nil {
			t.Fatal(err)
		}
		if c := cal(t, s); c.IsWorkingDay(day(2027, 11, 25)) {
			t.Fatal("UpdateRule: 25/11/2027 should be the second day")
		}
		if err := s.DeleteRule(ctx, admin, "culture_day"); err != nil {
			t.Fatal(err)
		}
		if got := len(cal(t, s).Holidays(2027)); got != before {
			t.Fatalf("after DeleteRule: %d holidays, want %d", got, before)
		}

		// Ending a built-in rule is a stored copy with ToYear.
		hung := calendar.StatutoryRules()[6]
		hung.ToYear = 2030
		if _, err := s.AddRule(ctx, admin, hung); err != nil {
			t.Fatal(err)
		}
		for _, h := range cal(t, s).Holidays(2031) {
			if h.RuleKey == calendar.KeyHungKings {
				t.Fatalf("Hùng Kings still a holiday in 2031: %+v", h)
			}
		}
		if _, err := s.AddRule(ctx, admin, hung); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("adding a stored key twice: %v", err)
		}
	})
}

// counts returns the rows that a refused change must not have touched.
func counts(t *testing.T, d *db.DB) (overrides, rules, auditRows, version int64) {
	t.Helper()
	ctx := context.Background()
	q := d.Reader()
	for _, c := range []struct {
		sql string
		v   *int64
	}{
		{"SELECT count(*) FROM calendar_overrides", &overrides},
		{"SELECT count(*) FROM calendar_rules", &rules},
		{"SELECT count(*) FROM audit_entries", &auditRows},
		{"SELECT version FROM calendar_state", &version},
	} {
		if err := q.QueryRowContext(ctx, c.sql).Scan(c.v); err != nil {
			t.Fatal(err)
		}
	}
	return
}

func TestInvalidOverridesAreRefusedAndNothingIsWritten(t *testing.T) {
	src := "Văn bản thử"
	cases := []struct {
		name  string
		who   *actor.Actor
		o     calendar.Override
		code  apperr.Code
		field string
	}{
		{"make-up day on a Monday", admin, calendar.Override{Kind: calendar.Workday, Date: day(2026, 12, 7), NameVI: "Làm bù", Source: src}, apperr.Invalid, "date"},
		{"make-up day on a Saturday holiday", admin, calendar.Override{Kind: calendar.Workday, Date: day(2027, 5, 1), NameVI: "Làm bù", Source: src}, apperr.Invalid, "date"},
		{"day off on a Sunday", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 6), NameVI: "Nghỉ", Source: src}, apperr.Invalid, "date"},
		{"day off on a holiday", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2027, 1, 1), NameVI: "Nghỉ", Source: src}, apperr.Invalid, "date"},
		{"second override on a day", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 8, 31), NameVI: "Nghỉ", Source: src}, apperr.Conflict, ""},
		{"day inside a placement", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 2, 18), NameVI: "Nghỉ", Source: src}, apperr.Conflict, ""},
		{"second placement of Tết 2026", admin, calendar.Override{Kind: calendar.Placement, RuleKey: calendar.KeyTet, Year: 2026, From: day(2026, 2, 13), To: day(2026, 2, 17), Source: src}, apperr.Conflict, ""},
		{"placement overlapping another", admin, calendar.Override{Kind: calendar.Placement, RuleKey: calendar.KeyNationalDay, Year: 2026, From: day(2026, 9, 1), To: day(2026, 9, 1), Source: src}, apperr.Conflict, ""},
		{"placement of the wrong length", admin, calendar.Override{Kind: calendar.Placement, RuleKey: calendar.KeyTet, Year: 2027, From: day(2027, 2, 5), To: day(2027, 2, 10), Source: src}, apperr.Invalid, "to"},
		{"placement of an unknown rule", admin, calendar.Override{Kind: calendar.Placement, RuleKey: "culture_day", Year: 2027, From: day(2027, 11, 24), To: day(2027, 11, 24), Source: src}, apperr.Invalid, "rule_key"},
		{"placement before the rule applies", admin, calendar.Override{Kind: calendar.Placement, RuleKey: calendar.KeyTet, Year: 2020, From: day(2020, 1, 23), To: day(2020, 1, 27), Source: src}, apperr.Invalid, "year"},
		{"placement ending before it starts", admin, calendar.Override{Kind: calendar.Placement, RuleKey: calendar.KeyTet, Year: 2027, From: day(2027, 2, 9), To: day(2027, 2, 5), Source: src}, apperr.Invalid, "to"},
		{"date out of range", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2200, 1, 2), NameVI: "Nghỉ", Source: src}, apperr.Invalid, "date"},
		{"date that does not exist", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2027, 2, 29), NameVI: "Nghỉ", Source: src}, apperr.Invalid, "date"},
		{"year out of range", admin, calendar.Override{Kind: calendar.Placement, RuleKey: calendar.KeyTet, Year: 1800, From: day(2027, 2, 5), To: day(2027, 2, 9), Source: src}, apperr.Invalid, "year"},
		{"no name", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 31), NameVI: "  ", Source: src}, apperr.Invalid, "name_vi"},
		{"no source", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 31), NameVI: "Nghỉ"}, apperr.Invalid, "source"},
		{"control characters", admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 31), NameVI: "Nghỉ\x07", Source: src}, apperr.Invalid, "name_vi"},
		{"unknown kind", admin, calendar.Override{Kind: "holiday", Date: day(2026, 12, 31), NameVI: "Nghỉ", Source: src}, apperr.Invalid, "kind"},
		{"anonymous", nil, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 31), NameVI: "Nghỉ", Source: src}, apperr.Unauthorized, ""},
		{"not a system administrator", clerk, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 31), NameVI: "Nghỉ", Source: src}, apperr.Forbidden, ""},
	}
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, calstore.Options{}, true)
		o0, r0, a0, v0 := counts(t, d)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.AddOverride(ctx, tc.who, tc.o)
				if apperr.CodeOf(err) != tc.code {
					t.Fatalf("AddOverride: %v, want %s", err, tc.code)
				}
				var ae *apperr.Error
				if !asAppErr(err, &ae) || ae.Message == "" || (tc.field != "" && ae.Field != tc.field) {
					t.Fatalf("error %#v: want field %q and a message", err, tc.field)
				}
				t.Logf("%s", ae.Message)
				if o, r, a, v := counts(t, d); o != o0 || r != r0 || a != a0 || v != v0 {
					t.Fatalf("a refused override wrote something: overrides %d→%d, rules %d→%d, audit %d→%d, version %d→%d",
						o0, o, r0, r, a0, a, v0, v)
				}
			})
		}
		// The same checks apply to an edit, which must leave the row alone.
		off := find(t, s, day(2026, 8, 31))
		bad := off.Override
		bad.Date = day(2026, 8, 30) // a Sunday
		if _, err := s.UpdateOverride(ctx, admin, off.ID, bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("UpdateOverride to a Sunday: %v", err)
		}
		if _, err := s.UpdateOverride(ctx, admin, 9999, off.Override); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("UpdateOverride of a missing id: %v", err)
		}
		if err := s.DeleteOverride(ctx, admin, 9999); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("DeleteOverride of a missing id: %v", err)
		}
		if err := s.DeleteOverride(ctx, clerk, off.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("DeleteOverride by a clerk: %v", err)
		}
		if o, r, a, v := counts(t, d); o != o0 || r != r0 || a != a0 || v != v0 {
			t.Fatal("a refused edit or delete wrote something")
		}
		// Bad rules.
		for _, r := range []calendar.Rule{
			{Key: "Bad Key", NameVI: "X", Kind: calendar.SolarFixed, Month: 1, Day: 2, Days: 1, Source: src},
			{Key: "x", NameVI: "X", Kind: calendar.SolarFixed, Month: 2, Day: 30, Days: 1, Source: src},
			{Key: "x", NameVI: "X", Kind: calendar.LunarFixed, Month: 13, Day: 1, Days: 1, Source: src},
			{Key: "x", NameVI: "X", Kind: calendar.SolarFixed, Month: 1, Day: 2, Days: 1},
			{Key: "x", NameVI: "X", Kind: calendar.SolarFixed, Month: 1, Day: 2, Days: 1, FromYear: 3000, Source: src},
		} {
			if _, err := s.AddRule(ctx, admin, r); apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("AddRule(%+v): %v, want EINVALID", r, err)
			}
		}
		if o, r, a, v := counts(t, d); o != o0 || r != r0 || a != a0 || v != v0 {
			t.Fatal("a refused rule wrote something")
		}
	})
}

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }

func TestEveryChangeIsAuditedInItsTransaction(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, calstore.Options{}, true)
		o, err := s.AddOverride(ctx, admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 31),
			NameVI: "Nghỉ thử", Source: "Văn bản thử"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOverride(ctx, admin, o.ID); err != nil {
			t.Fatal(err)
		}
		page, err := audit.Query(ctx, d, audit.Filter{ObjectType: calstore.ObjectOverride, ObjectID: itoa(o.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rows) != 2 {
			t.Fatalf("%d audit entries for override %d, want 2", len(page.Rows), o.ID)
		}
		actions := map[string]bool{}
		for _, r := range page.Rows {
			actions[r.Action] = true
			if r.ActorAccount != admin.AccountID {
				t.Fatalf("audit entry by account %d, want %d", r.ActorAccount, admin.AccountID)
			}
		}
		if !actions[calstore.ActionOverrideAdd] || !actions[calstore.ActionOverrideDelete] {
			t.Fatalf("audit actions %v", actions)
		}

		// When the audit entry cannot be written, the change is not made:
		// both are in one transaction.
		if _, err := d.Writer().ExecContext(ctx, "ALTER TABLE audit_entries RENAME TO audit_entries_gone"); err != nil {
			t.Fatal(err)
		}
		o0, _, _, v0 := counts2(t, d)
		_, err = s.AddOverride(ctx, admin, calendar.Override{Kind: calendar.DayOff, Date: day(2026, 12, 30),
			NameVI: "Nghỉ thử", Source: "Văn bản thử"})
		if err == nil {
			t.Fatal("AddOverride succeeded without an audit log")
		}
		if o, _, _, v := counts2(t, d); o != o0 || v != v0 {
			t.Fatalf("the override was stored without its audit entry (overrides %d→%d, version %d→%d)", o0, o, v0, v)
		}
		if c := cal(t, s); !c.IsWorkingDay(day(2026, 12, 30)) {
			t.Fatal("the calendar shows a change that was rolled back")
		}
	})
}

// counts2 is counts without the audit table.
func counts2(t *testing.T, d *db.DB) (overrides, rules, _ int64, version int64) {
	t.Helper()
	ctx := context.Background()
	q := d.Reader()
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM calendar_overrides").Scan(&overrides); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT version FROM calendar_state").Scan(&version); err != nil {
		t.Fatal(err)
	}
	return overrides, 0, 0, version
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCacheFollowsChangesMadeByAnotherInstance(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := now
		tick := func() time.Time { return clock }
		a := newService(t, d, calstore.Options{Now: tick}, true)
		b := newService(t, d, calstore.Options{Now: tick}, false)                           // checks the version on every call
		lazy := newService(t, d, calstore.Options{Now: tick, MaxStale: time.Minute}, false) // may be a minute late
		aLazy := newService(t, d, calstore.Options{Now: tick, MaxStale: time.Minute}, false)

		sat := day(2026, 8, 22)
		cb := cal(t, b)
		if cb != cal(t, b) {
			t.Fatal("an unchanged calendar was rebuilt")
		}
		for _, s := range []*calstore.Service{b, lazy, aLazy} {
			if !cal(t, s).IsWorkingDay(sat) {
				t.Fatal("22/08/2026 should be a working day")
			}
		}
		o := find(t, a, sat)
		if err := a.DeleteOverride(ctx, admin, o.ID); err != nil {
			t.Fatal(err)
		}
		if cal(t, b).IsWorkingDay(sat) {
			t.Fatal("instance b still uses the calendar from before a's change")
		}
		if !cal(t, lazy).IsWorkingDay(sat) {
			t.Fatal("MaxStale: the lazy instance re-read the version before a minute passed")
		}
		clock = clock.Add(time.Minute)
		if cal(t, lazy).IsWorkingDay(sat) {
			t.Fatal("MaxStale: the lazy instance still uses the old calendar after a minute")
		}
		// The instance that makes a change sees it at once, even with MaxStale.
		if _, err := aLazy.AddOverride(ctx, admin, o.Override); err != nil {
			t.Fatal(err)
		}
		if !cal(t, aLazy).IsWorkingDay(sat) {
			t.Fatal("the changing instance does not see its own change")
		}
		if !cal(t, b).IsWorkingDay(sat) {
			t.Fatal("instance b missed the re-added override")
		}
	})
}

func TestConcurrentConflictingPlacementsOneWins(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 4
		var services [n]*calstore.Service
		for i := range services {
			services[i] = newService(t, d, calstore.Options{}, i == 0)
		}
		keys := []string{"r0", "r1", "r2", "r3"}
		for _, k := range keys {
			r := calendar.Rule{Key: k, NameVI: "Ngày thử " + k, Kind: calendar.SolarFixed, Month: 3, Day: 2, Days: 1, FromYear: 2027, ToYear: 2027, Source: "thử"}
			if k != "r0" {
				r.Day = 10
			}
			if _, err := services[0].AddRule(ctx, admin, r); err != nil {
				t.Fatal(err)
			}
		}
		// Every rule placed on the same day by a different replica at once:
		// the placements overlap, so exactly one may be stored.
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range services {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = services[i].AddOverride(ctx, admin, calendar.Override{Kind: calendar.Placement, RuleKey: keys[i], Year: 2027,
					From: day(2027, 3, 5), To: day(2027, 3, 5), Source: "thử"})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch apperr.CodeOf(err) {
			case "":
				ok++
			case apperr.Conflict:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d overlapping placements stored, want 1 (%v)", ok, errs)
		}
	})
}

func TestReplicasStartingTogetherSeedOnce(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		const n = 4
		var services [n]*calstore.Service
		for i := range services {
			services[i] = newService(t, d, calstore.Options{}, false)
		}
		var wg sync.WaitGroup
		stored := make([]int, n)
		errs := make([]error, n)
		for i := range services {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stored[i], errs[i] = services[i].Seed(context.Background())
			}()
		}
		wg.Wait()
		total := 0
		for i := range services {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			total += stored[i]
		}
		if want := len(calendar.Published2025_2026()); total != want {
			t.Fatalf("replicas stored %d overrides together, want %d", total, want)
		}
		if o, _, _, _ := counts(t, d); o != int64(len(calendar.Published2025_2026())) {
			t.Fatalf("%d override rows", o)
		}
	})
}
