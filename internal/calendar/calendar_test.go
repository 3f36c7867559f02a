package calendar

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// published is the calendar the platform runs with: statutory rules plus
// the announced 2025–2026 schedules.
func published(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(StatutoryRules(), Published2025_2026(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statutory is the calendar with no announced schedule at all.
func statutory(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(StatutoryRules(), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// vn returns the moment "hh:mm dd/mm/yyyy" in Vietnam time.
func vn(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation(locale.DateTimeLayout, s, locale.VN)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func d(y, m, day int) Date { return Date{y, time.Month(m), day} }

func TestRulesAndOverridesValidate(t *testing.T) {
	for _, r := range StatutoryRules() {
		if err := r.Validate(); err != nil {
			t.Errorf("statutory rule %s: %v", r.Key, err)
		}
	}
	for _, o := range Published2025_2026() {
		if err := o.Validate(); err != nil {
			t.Errorf("published override %+v: %v", o, err)
		}
		if o.Source == "" {
			t.Errorf("published override %+v has no source", o)
		}
	}
	good := Rule{Key: "x", NameVI: "X", Kind: SolarFixed, Month: 11, Day: 24, Days: 1}
	rules := []struct {
		name  string
		edit  func(*Rule)
		field string
	}{
		{"no key", func(r *Rule) { r.Key = " " }, "key"},
		{"no name", func(r *Rule) { r.NameVI = "" }, "name_vi"},
		{"month 13", func(r *Rule) { r.Month = 13 }, "month"},
		{"31/11", func(r *Rule) { r.Day = 31 }, "day"},
		{"zero days", func(r *Rule) { r.Days = 0 }, "days"},
		{"years reversed", func(r *Rule) { r.FromYear, r.ToYear = 2030, 2029 }, "to_year"},
		{"unknown kind", func(r *Rule) { r.Kind = "weekly" }, "kind"},
		{"lunar day 31", func(r *Rule) { r.Kind, r.Day = LunarFixed, 31 }, "day"},
		{"adjacent with two days", func(r *Rule) { r.Kind, r.Days = AdjacentToSolar, 2 }, "days"},
	}
	for _, tt := range rules {
		t.Run("rule "+tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			err := r.Validate()
			var e *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asErr(err, &e) || e.Field != tt.field {
				t.Errorf("Validate() = %v, want EINVALID on field %s", err, tt.field)
			}
		})
	}
	if err := good.Validate(); err != nil {
		t.Errorf("good rule: %v", err)
	}
	overrides := []struct {
		name string
		o    Override
	}{
		{"unknown kind", Override{Kind: "swap", Date: d(2026, 8, 31), NameVI: "x"}},
		{"day off without date", Override{Kind: DayOff, NameVI: "x"}},
		{"workday without name", Override{Kind: Workday, Date: d(2026, 8, 22)}},
		{"placement without rule", Override{Kind: Placement, Year: 2026, From: d(2026, 2, 16), To: d(2026, 2, 20)}},
		{"placement reversed", Override{Kind: Placement, RuleKey: KeyTet, Year: 2026, From: d(2026, 2, 20), To: d(2026, 2, 16)}},
		{"placement too long", Override{Kind: Placement, RuleKey: KeyTet, Year: 2026, From: d(2026, 1, 1), To: d(2026, 3, 1)}},
		{"placement far from its year", Override{Kind: Placement, RuleKey: KeyTet, Year: 2026, From: d(2030, 2, 1), To: d(2030, 2, 2)}},
		{"placement year out of range", Override{Kind: Placement, RuleKey: KeyTet, Year: 1800, From: d(2026, 2, 16), To: d(2026, 2, 20)}},
	}
	for _, tt := range overrides {
		t.Run("override "+tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("Validate() = %v, want EINVALID", err)
			}
		})
	}
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}

func TestNewRejects(t *testing.T) {
	rules := StatutoryRules()
	tests := []struct {
		name      string
		rules     []Rule
		overrides []Override
		cfg       Config
	}{
		{"duplicate rule key", append(StatutoryRules(), rules[0]), nil, Config{}},
		{"invalid rule", []Rule{{Key: "x"}}, nil, Config{}},
		{"placement of an unknown rule", rules, []Override{{Kind: Placement, RuleKey: "culture_day", Year: 2026, From: d(2026, 11, 24), To: d(2026, 11, 24)}}, Config{}},
		{"two placements of one rule in a year", rules, []Override{
			{Kind: Placement, RuleKey: KeyTet, Year: 2026, From: d(2026, 2, 16), To: d(2026, 2, 20)},
			{Kind: Placement, RuleKey: KeyTet, Year: 2026, From: d(2026, 2, 17), To: d(2026, 2, 21)},
		}, Config{}},
		{"day off and workday on one day", rules, []Override{
			{Kind: DayOff, Date: d(2026, 8, 31), NameVI: "x"},
			{Kind: Workday, Date: d(2026, 8, 31), NameVI: "y"},
		}, Config{}},
		{"invalid override", rules, []Override{{Kind: DayOff}}, Config{}},
		{"office hours out of order", rules, nil, Config{MorningStart: HM(13, 0), MorningEnd: HM(12, 0)}},
		{"cut-off after closing", rules, nil, Config{CutOff: HM(18, 0)}},
		{"cut-off before opening", rules, nil, Config{CutOff: HM(6, 0)}},
		{"no working weekday", rules, nil, Config{WeeklyRest: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}},
		{"weekday 7", rules, nil, Config{WeeklyRest: []time.Weekday{7}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.rules, tt.overrides, tt.cfg); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("New: %v, want EINVALID", err)
			}
		})
	}
}

// TestAdjacentDayPublishedYears: Labour Code 2019 art. 112 §1(đ) gives 2/9
// "and one adjacent day before or after"; the default rule must reproduce
// every year announced so far.
func TestAdjacentDayPublishedYears(t *testing.T) {
	weekend := func(w time.Weekday) bool { return w == time.Saturday || w == time.Sunday }
	tests := []struct {
		name string
		year int
		want Date
	}{
		{"2021: 2/9 Thu, off Fri 3/9", 2021, d(2021, 9, 3)},
		{"2022: 2/9 Fri, off Thu 1/9", 2022, d(2022, 9, 1)},
		{"2023: 2/9 Sat, off Fri 1/9", 2023, d(2023, 9, 1)},
		{"2024: 2/9 Mon, off Tue 3/9", 2024, d(2024, 9, 3)},
		{"2025: 2/9 Tue, off Mon 1/9", 2025, d(2025, 9, 1)},
		{"2026: 2/9 Wed, off Tue 1/9", 2026, d(2026, 9, 1)},
		{"2029: 2/9 Sun, off Mon 3/9", 2029, d(2029, 9, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AdjacentDay(d(tt.year, 9, 2), weekend); got != tt.want {
				t.Errorf("AdjacentDay(2/9/%d) = %v, want %v", tt.year, got, tt.want)
			}
			if got := statutory(t).DayInfo(tt.want); got.RuleKey != KeyNationalDayExtra || got.Working {
				t.Errorf("DayInfo(%v) = %+v, want the National Day extra day", tt.want, got)
			}
		})
	}
}

type wantDay struct {
	date   Date
	reason Reason
	rule   string
}

func checkDays(t *testing.T, got []DayInfo, want []wantDay) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d days, want %d:", len(got), len(want))
		for _, g := range got {
			t.Logf("  %v %s %s %q", g.Date, g.Reason, g.RuleKey, g.NameVI)
		}
		return
	}
	for i, w := range want {
		g := got[i]
		if g.Date != w.date || g.Reason != w.reason || g.RuleKey != w.rule || g.NameVI == "" || g.Source == "" {
			t.Errorf("day %d = {%v %s %s %q %q}, want {%v %s %s}", i, g.Date, g.Reason, g.RuleKey, g.NameVI, g.Source, w.date, w.reason, w.rule)
		}
	}
}

func TestHolidaysPublished2026(t *testing.T) {
	c := published(t)
	checkDays(t, c.Holidays(2026), []wantDay{
		{d(2026, 1, 1), ReasonHoliday, KeyNewYear},
		{d(2026, 2, 16), ReasonHoliday, KeyTet}, // 29 Chạp
		{d(2026, 2, 17), ReasonHoliday, KeyTet},
		{d(2026, 2, 18), ReasonHoliday, KeyTet},
		{d(2026, 2, 19), ReasonHoliday, KeyTet},
		{d(2026, 2, 20), ReasonHoliday, KeyTet},
		{d(2026, 4, 27), ReasonCompensatory, KeyHungKings}, // Hùng Kings is Sunday 26/04
		{d(2026, 4, 30), ReasonHoliday, KeyVictoryDay},
		{d(2026, 5, 1), ReasonHoliday, KeyLabourDay},
		{d(2026, 8, 31), ReasonDayOff, ""}, // swapped with Saturday 22/08
		{d(2026, 9, 1), ReasonHoliday, KeyNationalDayExtra},
		{d(2026, 9, 2), ReasonHoliday, KeyNationalDay},
	})
	checkDays(t, c.MakeUpDays(2026), []wantDay{{d(2026, 8, 22), ReasonMakeUpDay, ""}})
	if got := c.DayInfo(d(2026, 4, 27)); got.CompensatesFor != d(2026, 4, 26) || got.NameVI != "Nghỉ bù Giỗ Tổ Hùng Vương" {
		t.Errorf("27/04/2026 = %+v", got)
	}
	if got := c.DayInfo(d(2026, 4, 26)); got.Reason != ReasonHoliday || got.RuleKey != KeyHungKings || got.Working {
		t.Errorf("26/04/2026 = %+v, want the Hùng Kings holiday", got)
	}
}

func TestHolidaysPublished2025(t *testing.T) {
	c := published(t)
	checkDays(t, c.Holidays(2025), []wantDay{
		{d(2025, 1, 1), ReasonHoliday, KeyNewYear},
		{d(2025, 1, 27), ReasonHoliday, KeyTet}, // announced: Mon 27/01 – Fri 31/01
		{d(2025, 1, 28), ReasonHoliday, KeyTet},
		{d(2025, 1, 29), ReasonHoliday, KeyTet},
		{d(2025, 1, 30), ReasonHoliday, KeyTet},
		{d(2025, 1, 31), ReasonHoliday, KeyTet},
		{d(2025, 4, 7), ReasonHoliday, KeyHungKings},
		{d(2025, 4, 30), ReasonHoliday, KeyVictoryDay},
		{d(2025, 5, 1), ReasonHoliday, KeyLabourDay},
		{d(2025, 5, 2), ReasonDayOff, ""},
		{d(2025, 9, 1), ReasonHoliday, KeyNationalDayExtra},
		{d(2025, 9, 2), ReasonHoliday, KeyNationalDay},
	})
	checkDays(t, c.MakeUpDays(2025), []wantDay{{d(2025, 4, 26), ReasonMakeUpDay, ""}})
}

// TestHolidaysDefaultPlacement: without announcements the rules alone place
// Tết on the last day of the lunar year + days 1–4, and art. 111 §3 gives
// compensatory days.
func TestHolidaysDefaultPlacement(t *testing.T) {
	c := statutory(t)
	checkDays(t, c.Holidays(2025), []wantDay{
		{d(2025, 1, 1), ReasonHoliday, KeyNewYear},
		{d(2025, 1, 28), ReasonHoliday, KeyTet}, // 29 Chạp (month 12 of 2024 has 29 days)
		{d(2025, 1, 29), ReasonHoliday, KeyTet},
		{d(2025, 1, 30), ReasonHoliday, KeyTet},
		{d(2025, 1, 31), ReasonHoliday, KeyTet},
		{d(2025, 2, 3), ReasonCompensatory, KeyTet}, // for mùng 4 on Saturday 01/02
		{d(2025, 4, 7), ReasonHoliday, KeyHungKings},
		{d(2025, 4, 30), ReasonHoliday, KeyVictoryDay},
		{d(2025, 5, 1), ReasonHoliday, KeyLabourDay},
		{d(2025, 9, 1), ReasonHoliday, KeyNationalDayExtra},
		{d(2025, 9, 2), ReasonHoliday, KeyNationalDay},
	})
	if n := len(c.MakeUpDays(2025)); n != 0 {
		t.Errorf("%d make-up days without overrides", n)
	}
	// Known years (announced schedules matched these compensatory days).
	tests := []struct {
		name string
		date Date
		for_ Date
		rule string
	}{
		{"1/1/2022 Saturday → Mon 03/01", d(2022, 1, 3), d(2022, 1, 1), KeyNewYear},
		{"1/5/2021 Saturday → Mon 03/05", d(2021, 5, 3), d(2021, 5, 1), KeyLabourDay},
		{"30/4/2022 Saturday → Mon 02/05", d(2022, 5, 2), d(2022, 4, 30), KeyVictoryDay},
		{"1/5/2022 Sunday → Tue 03/05", d(2022, 5, 3), d(2022, 5, 1), KeyLabourDay},
		{"Hùng Kings 29/4/2023 Saturday → Tue 02/05", d(2023, 5, 2), d(2023, 4, 29), KeyHungKings},
		{"30/4/2023 Sunday → Wed 03/05", d(2023, 5, 3), d(2023, 4, 30), KeyVictoryDay},
		{"2/9/2023 Saturday → Mon 04/09", d(2023, 9, 4), d(2023, 9, 2), KeyNationalDay},
		{"Hùng Kings 26/4/2026 Sunday → Mon 27/04", d(2026, 4, 27), d(2026, 4, 26), KeyHungKings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.DayInfo(tt.date)
			if got.Working || got.Reason != ReasonCompensatory || got.CompensatesFor != tt.for_ || got.RuleKey != tt.rule {
				t.Errorf("DayInfo(%v) = %+v", tt.date, got)
			}
		})
	}
	// Without the 2026 swap, Monday 31/08 is worked and Saturday 22/08 is not.
	if !c.IsWorkingDay(d(2026, 8, 31)) || c.IsWorkingDay(d(2026, 8, 22)) {
		t.Error("31/08/2026 or 22/08/2026 wrong without overrides")
	}
}

// TestHolidayAsData: a holiday created by a later law is one more Rule
// value, and a stored rule replaces a built-in one with the same key.
func TestHolidayAsData(t *testing.T) {
	culture := Rule{Key: "culture_day", NameVI: "Ngày Văn hóa Việt Nam", NameEN: "Vietnam Culture Day",
		Kind: SolarFixed, Month: 11, Day: 24, Days: 1, FromYear: 2027, Source: "hypothetical, for the test"}
	longTet := StatutoryRules()[1]
	longTet.Days = 6 // a hypothetical amendment
	c, err := New(MergeRules(StatutoryRules(), []Rule{culture, longTet}), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsWorkingDay(d(2026, 11, 24)) {
		t.Error("24/11/2026 is off before the rule applies")
	}
	if got := c.DayInfo(d(2027, 11, 24)); got.Working || got.RuleKey != "culture_day" || got.NameVI != "Ngày Văn hóa Việt Nam" {
		t.Errorf("24/11/2027 = %+v", got)
	}
	// Tết 2027 is Sat 06/02: 6 days from 29 Chạp = Fri 05/02 .. Wed 10/02;
	// Sat 06/02 and Sun 07/02 give Thu 11/02 and Fri 12/02.
	for _, day := range []Date{d(2027, 2, 5), d(2027, 2, 10), d(2027, 2, 11), d(2027, 2, 12)} {
		if c.IsWorkingDay(day) {
			t.Errorf("%v is a working day with a 6-day Tết", day)
		}
	}
	if !c.IsWorkingDay(d(2027, 2, 15)) {
		t.Error("15/02/2027 is not a working day")
	}
	if n := len(MergeRules(StatutoryRules(), []Rule{longTet})); n != len(StatutoryRules()) {
		t.Errorf("MergeRules kept %d rules, want %d", n, len(StatutoryRules()))
	}
}

func TestCollidingHolidaysGiveCompensation(t *testing.T) {
	// A hypothetical rule on 30/4 collides with Victory Day (Thu 30/04/2026).
	extra := Rule{Key: "x", NameVI: "Ngày X", Kind: SolarFixed, Month: 4, Day: 30, Days: 1}
	c, err := New(append(StatutoryRules(), extra), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Thu 30/04 holiday, Fri 01/05 holiday, weekend, Mon 04/05 compensatory.
	if got := c.DayInfo(d(2026, 5, 4)); got.Reason != ReasonCompensatory || got.RuleKey != "x" {
		t.Errorf("04/05/2026 = %+v", got)
	}
}

func TestWorkdayOverrideWinsOverHoliday(t *testing.T) {
	c, err := New(StatutoryRules(), []Override{{Kind: Workday, Date: d(2026, 4, 30), NameVI: "Làm việc"}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DayInfo(d(2026, 4, 30)); !got.Working || got.Reason != ReasonMakeUpDay {
		t.Errorf("30/04/2026 = %+v", got)
	}
}

func TestAddWorkingDays(t *testing.T) {
	pub, stat := published(t), statutory(t)
	tests := []struct {
		name     string
		c        *Calendar
		received string
		n        int
		cutOff   TimeOfDay
		want     string
	}{
		// Civil Code art. 147: the receipt day is not counted.
		{"plain week", pub, "10:00 27/07/2026", 3, 0, "17:00 30/07/2026"},
		{"over a weekend", pub, "10:00 24/07/2026", 1, 0, "17:00 27/07/2026"},
		// Receipt rule.
		{"same day before the cut-off", pub, "14:00 27/07/2026", 0, 0, "17:00 27/07/2026"},
		{"same day at exactly 15:00", pub, "15:00 27/07/2026", 0, 0, "17:00 27/07/2026"},
		{"same day after the cut-off", pub, "15:30 27/07/2026", 0, 0, "17:00 28/07/2026"},
		{"before opening counts that day", pub, "06:45 27/07/2026", 0, 0, "17:00 27/07/2026"},
		{"lunch break counts that day", pub, "12:15 27/07/2026", 1, 0, "17:00 28/07/2026"},
		{"after closing", pub, "20:00 27/07/2026", 0, 0, "17:00 28/07/2026"},
		{"after the cut-off, 3 days", pub, "16:00 27/07/2026", 3, 0, "17:00 31/07/2026"},
		{"per-call cut-off 12:00", pub, "13:00 27/07/2026", 0, HM(12, 0), "17:00 28/07/2026"},
		{"per-call cut-off after closing means closing", pub, "16:59 27/07/2026", 0, HM(23, 0), "17:00 27/07/2026"},
		{"received on Sunday", pub, "09:00 26/07/2026", 1, 0, "17:00 28/07/2026"},
		// Tết 2026 (announced = default): off Sat 14/02 – Sun 22/02.
		{"across Tết 2026", pub, "10:00 13/02/2026", 1, 0, "17:00 23/02/2026"},
		{"across Tết 2026, 3 days", pub, "10:00 13/02/2026", 3, 0, "17:00 25/02/2026"},
		{"across Tết 2026 after the cut-off", pub, "16:00 13/02/2026", 1, 0, "17:00 24/02/2026"},
		{"received during Tết 2026", pub, "09:00 18/02/2026", 0, 0, "17:00 23/02/2026"},
		// Tết 2025: announced Mon 27/01 – Fri 31/01, default 28/01 – 01/02 + Mon 03/02.
		{"across Tết 2025, announced", pub, "09:00 24/01/2025", 1, 0, "17:00 03/02/2025"},
		{"across Tết 2025, default", stat, "09:00 24/01/2025", 1, 0, "17:00 27/01/2025"},
		{"across Tết 2025, default, 2 days", stat, "09:00 24/01/2025", 2, 0, "17:00 04/02/2025"},
		// 30/4–1/5.
		{"across 30/4–1/5/2025, announced swap", pub, "10:00 29/04/2025", 1, 0, "17:00 05/05/2025"},
		{"across 30/4–1/5/2025, default", stat, "10:00 29/04/2025", 1, 0, "17:00 02/05/2025"},
		{"make-up Saturday 26/04/2025 is worked", pub, "10:00 25/04/2025", 1, 0, "17:00 26/04/2025"},
		{"received on the make-up Saturday", pub, "10:00 26/04/2025", 1, 0, "17:00 28/04/2025"},
		{"across 30/4–1/5/2026", pub, "09:00 29/04/2026", 1, 0, "17:00 04/05/2026"},
		// Hùng Kings 2026 on Sunday: compensatory Monday 27/04.
		{"across Hùng Kings 2026", pub, "09:00 24/04/2026", 1, 0, "17:00 28/04/2026"},
		// 2/9.
		{"across 2/9/2026, announced swap", pub, "09:00 28/08/2026", 1, 0, "17:00 03/09/2026"},
		{"across 2/9/2026, default", stat, "09:00 28/08/2026", 1, 0, "17:00 31/08/2026"},
		{"make-up Saturday 22/08/2026 is worked", pub, "10:00 21/08/2026", 1, 0, "17:00 22/08/2026"},
		{"across 2/9/2025", pub, "09:00 29/08/2025", 1, 0, "17:00 03/09/2025"},
		// Year end.
		{"across New Year 2027", pub, "09:00 31/12/2026", 1, 0, "17:00 04/01/2027"},
		// Negative: the working day before a due date (apology letter).
		{"one working day before 03/09/2026", pub, "17:00 03/09/2026", -1, 0, "17:00 28/08/2026"},
		{"one working day before 23/02/2026", pub, "17:00 23/02/2026", -1, 0, "17:00 13/02/2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := vn(t, tt.received)
			got := tt.c.AddWorkingDaysCutOff(recv, tt.n, tt.cutOff)
			want := vn(t, tt.want)
			if !got.Equal(want) || got.Location() != locale.VN {
				t.Errorf("AddWorkingDaysCutOff(%s, %d, %v) = %v, want %v", tt.received, tt.n, tt.cutOff, got, want)
			}
			if tt.cutOff == 0 && tt.n >= 0 {
				if got2 := tt.c.AddWorkingDays(recv.UTC(), tt.n); !got2.Equal(want) {
					t.Errorf("AddWorkingDays(UTC) = %v, want %v", got2, want)
				}
				if back := tt.c.WorkingDaysBetween(recv, got); back != tt.n {
					t.Errorf("WorkingDaysBetween = %d, want %d", back, tt.n)
				}
			}
		})
	}
}

func TestReceiptDay(t *testing.T) {
	c := published(t)
	tests := []struct {
		name     string
		received string
		want     Date
	}{
		{"working day morning", "08:00 27/07/2026", d(2026, 7, 27)},
		{"after cut-off", "15:01 27/07/2026", d(2026, 7, 28)},
		{"Saturday", "09:00 25/07/2026", d(2026, 7, 27)},
		{"make-up Saturday", "09:00 22/08/2026", d(2026, 8, 22)},
		{"swapped Monday", "09:00 31/08/2026", d(2026, 9, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.ReceiptDay(vn(t, tt.received)); got != tt.want {
				t.Errorf("ReceiptDay(%s) = %v, want %v", tt.received, got, tt.want)
			}
		})
	}
	// One second past the cut-off is after it.
	if got := c.ReceiptDay(vn(t, "15:00 27/07/2026").Add(time.Second)); got != d(2026, 7, 28) {
		t.Errorf("15:00:01 → %v", got)
	}
}

// naiveShift is the obvious day-by-day definition, to check the bitset scan.
func naiveShift(c *Calendar, from Date, n int) Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		from = from.AddDays(step)
		if c.IsWorkingDay(from) {
			n--
		}
	}
	return from
}

func TestShiftWorkingDaysProperties(t *testing.T) {
	c := published(t)
	rng := rand.New(rand.NewPCG(2026, 11))
	first, last := (Date{1990, 1, 1}).jdn(), (Date{2190, 12, 31}).jdn()
	for i := 0; i < 20000; i++ {
		from := dateFromJDN(first + rng.IntN(last-first))
		n := rng.IntN(601) - 300
		got := c.ShiftWorkingDays(from, n)
		if want := naiveShift(c, from, n); got != want {
			t.Fatalf("ShiftWorkingDays(%v, %d) = %v, want %v", from, n, got, want)
		}
		if n != 0 && !c.IsWorkingDay(got) {
			t.Fatalf("ShiftWorkingDays(%v, %d) = %v is not a working day", from, n, got)
		}
		if back := c.CountWorkingDays(from, got); back != n {
			t.Fatalf("CountWorkingDays(%v, %v) = %d, want %d", from, got, back, n)
		}
		// AddWorkingDays and WorkingDaysBetween agree for any receipt time.
		if n >= 0 {
			recv := from.At(TimeOfDay(rng.IntN(24 * 60)))
			due := c.AddWorkingDays(recv, n)
			if !c.IsWorkingDay(DateOf(due)) || DateOf(due).At(c.cfg.AfternoonEnd) != due {
				t.Fatalf("AddWorkingDays(%v, %d) = %v: not the close of a working day", recv, n, due)
			}
			if back := c.WorkingDaysBetween(recv, due); back != n {
				t.Fatalf("WorkingDaysBetween(%v, %v) = %d, want %d", recv, due, back, n)
			}
		}
	}
	if c.NextWorkingDay(d(2026, 2, 13)) != d(2026, 2, 23) || c.PrevWorkingDay(d(2026, 2, 23)) != d(2026, 2, 13) {
		t.Error("NextWorkingDay/PrevWorkingDay across Tết 2026")
	}
}

func TestOutsideSupportedYears(t *testing.T) {
	c := published(t)
	// Outside the range lunar holidays are unknown, but counting still works.
	for _, from := range []Date{d(2199, 12, 30), d(2199, 12, 31)} {
		if got, want := c.ShiftWorkingDays(from, 3), naiveShift(c, from, 3); got != want || got.Year != 2200 {
			t.Errorf("ShiftWorkingDays(%v, 3) = %v, want %v in 2200", from, got, want)
		}
	}
	if got := c.ShiftWorkingDays(d(1900, 1, 1), -1); got != d(1899, 12, 29) {
		t.Errorf("before Monday 1/1/1900: %v, want Friday 29/12/1899", got)
	}
}

func TestHolidaysBeforeLabourCode2019(t *testing.T) {
	// The built-in rules start in 2021 (Labour Code 2019 in force).
	if n := len(statutory(t).Holidays(2020)); n != 0 {
		t.Errorf("%d holidays in 2020, want 0", n)
	}
}

func TestCalendarConcurrentUse(t *testing.T) {
	c := published(t) // fresh: every year is computed under contention
	var wg sync.WaitGroup
	start := vn(t, "09:00 02/01/2025")
	want := make([]time.Time, 8)
	for i := range want {
		want[i] = c.clone(t).AddWorkingDays(start, 40*i)
	}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range want {
				if got := c.AddWorkingDays(start, 40*i); !got.Equal(want[i]) {
					t.Errorf("goroutine %d: %v, want %v", g, got, want[i])
				}
			}
		}(g)
	}
	wg.Wait()
}

// clone returns an equivalent calendar with an empty cache.
func (c *Calendar) clone(t testing.TB) *Calendar {
	var ov []Override
	for _, o := range c.placements {
		ov = append(ov, o)
	}
	for _, o := range c.dayOver {
		ov = append(ov, o)
	}
	n, err := New(c.rules, ov, c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	c := published(t)
	recv := vn(t, "10:00 13/02/2026")
	c.AddWorkingDays(recv, 300) // fill the cache
	if n := testing.AllocsPerRun(100, func() { c.AddWorkingDays(recv, 300) }); n != 0 {
		t.Errorf("AddWorkingDays allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.IsWorkingDay(d(2026, 2, 17)) }); n != 0 {
		t.Errorf("IsWorkingDay allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = SolarToLunar(d(2026, 2, 17)) }); n != 0 {
		t.Errorf("SolarToLunar allocates %v times per call", n)
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := published(b)
	recv := time.Date(2026, 2, 13, 10, 0, 0, 0, locale.VN)
	for _, n := range []int{1, 15, 300} {
		b.Run("n="+itoa(n), func(b *testing.B) {
			c.AddWorkingDays(recv, n)
			b.ReportAllocs()
			for b.Loop() {
				c.AddWorkingDays(recv, n)
			}
		})
	}
}

func BenchmarkIsWorkingDay(b *testing.B) {
	c := published(b)
	day := d(2026, 9, 1)
	b.ReportAllocs()
	for b.Loop() {
		c.IsWorkingDay(day)
	}
}

func BenchmarkSolarToLunar(b *testing.B) {
	day := d(2026, 4, 26)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = SolarToLunar(day)
	}
}

func BenchmarkNewCalendarYear(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, _ := New(StatutoryRules(), Published2025_2026(), Config{})
		c.IsWorkingDay(d(2026, 1, 1))
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
