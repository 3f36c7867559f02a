package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// RuleKind says how a Rule places its days in a year.
type RuleKind string

// The kinds of holiday rules. The string values are stored in the database.
const (
	// SolarFixed: the anchor Month/Day of the Gregorian calendar.
	SolarFixed RuleKind = "solar"
	// LunarFixed: the anchor Month/Day of the lunar calendar (regular, not
	// leap, month). Day 30 in a 29-day month means the month's last day.
	LunarFixed RuleKind = "lunar"
	// AdjacentToSolar: one day next to the solar anchor Month/Day, chosen by
	// AdjacentDay (the extra National Day holiday next to 2/9).
	AdjacentToSolar RuleKind = "adjacent"
)

// Rule is a recurring public holiday: data, not code, so that a holiday
// created by a later law is one more Rule value (from the database) and needs
// no release. StatutoryRules returns the built-in set.
//
// The days of a rule in year Y are Days consecutive days starting Offset days
// after the anchor date of year Y. For a LunarFixed rule, Y is the lunar year
// (the one whose Tết falls in solar year Y), so Tết is "lunar 1/1, Offset -1,
// Days 5": the last day of the old year plus days 1–4 of the new one.
type Rule struct {
	Key      string   // stable identifier, e.g. "tet"; overrides refer to it
	NameVI   string   // Vietnamese name shown to people, e.g. "Tết Âm lịch"
	NameEN   string   // English name
	Kind     RuleKind // how the anchor is read
	Month    int      // anchor month, 1..12
	Day      int      // anchor day, 1..31 (solar) or 1..30 (lunar)
	Offset   int      // days from the anchor to the first day off (may be negative)
	Days     int      // number of consecutive days off, ≥ 1
	FromYear int      // first year the rule applies (0: no lower bound)
	ToYear   int      // last year the rule applies (0: no upper bound)
	Source   string   // legal basis, e.g. "Bộ luật Lao động 2019, Điều 112"
}

// AppliesIn reports whether r is in force in year y.
func (r Rule) AppliesIn(y int) bool {
	return (r.FromYear == 0 || y >= r.FromYear) && (r.ToYear == 0 || y <= r.ToYear)
}

// Validate returns an EINVALID error (Vietnamese message, Field set) if r is
// not usable.
func (r Rule) Validate() error {
	switch {
	case strings.TrimSpace(r.Key) == "":
		return apperr.FieldError("key", "Quy tắc ngày nghỉ phải có mã.")
	case strings.TrimSpace(r.NameVI) == "":
		return apperr.FieldError("name_vi", "Quy tắc ngày nghỉ %q phải có tên tiếng Việt.", r.Key)
	case r.Month < 1 || r.Month > 12:
		return apperr.FieldError("month", "Quy tắc %q: tháng %d không hợp lệ.", r.Key, r.Month)
	case r.Days < 1 || r.Days > 30:
		return apperr.FieldError("days", "Quy tắc %q: số ngày nghỉ phải từ 1 đến 30.", r.Key)
	case r.Offset < -30 || r.Offset > 30:
		return apperr.FieldError("offset", "Quy tắc %q: độ lệch phải từ -30 đến 30 ngày.", r.Key)
	case r.FromYear != 0 && r.ToYear != 0 && r.FromYear > r.ToYear:
		return apperr.FieldError("to_year", "Quy tắc %q: năm kết thúc trước năm bắt đầu.", r.Key)
	}
	switch r.Kind {
	case SolarFixed:
		if r.Day < 1 || r.Day > daysIn(2000, time.Month(r.Month)) { // 2000 is a leap year: 29/2 is allowed
			return apperr.FieldError("day", "Quy tắc %q: ngày %d/%d không tồn tại.", r.Key, r.Day, r.Month)
		}
	case LunarFixed:
		if r.Day < 1 || r.Day > 30 {
			return apperr.FieldError("day", "Quy tắc %q: ngày âm lịch %d không hợp lệ.", r.Key, r.Day)
		}
	case AdjacentToSolar:
		if r.Day < 1 || r.Day > daysIn(2001, time.Month(r.Month)) {
			return apperr.FieldError("day", "Quy tắc %q: ngày %d/%d không hợp lệ.", r.Key, r.Day, r.Month)
		}
		if r.Days != 1 || r.Offset != 0 {
			return apperr.FieldError("days", "Quy tắc %q: ngày liền kề chỉ có 1 ngày, không có độ lệch.", r.Key)
		}
	default:
		return apperr.FieldError("kind", "Quy tắc %q: loại %q không được hỗ trợ.", r.Key, string(r.Kind))
	}
	return nil
}

// Keys of the built-in rules. Overrides refer to rules by key.
const (
	KeyNewYear          = "new_year"
	KeyTet              = "tet"
	KeyHungKings        = "hung_kings"
	KeyVictoryDay       = "victory_day"
	KeyLabourDay        = "labour_day"
	KeyNationalDay      = "national_day"
	KeyNationalDayExtra = "national_day_extra"
)

// labourCode2019 is the legal basis of the built-in rules.
const labourCode2019 = "Bộ luật Lao động 2019 (45/2019/QH14), Điều 112 khoản 1"

// StatutoryRules returns the paid public holidays of the Labour Code 2019
// (45/2019/QH14) art. 112 §1, in force from 1 January 2021: 11 days a year.
// Earlier years are not modelled; the extra foreign-worker days of art. 112
// §2 are out of scope. Each call returns a fresh slice.
//
// Default placement where the government has not announced a schedule (an
// announced schedule is an Override of kind Placement):
//   - Tết: the last day of the lunar year and days 1–4 of the new year;
//   - the National Day extra day: AdjacentDay of 2/9.
//
// A holiday that falls on a weekly rest day, or on another holiday, gives a
// compensatory day off on the next working day (art. 111 §3); see Calendar.
func StatutoryRules() []Rule {
	return []Rule{
		{Key: KeyNewYear, NameVI: "Tết Dương lịch", NameEN: "New Year's Day",
			Kind: SolarFixed, Month: 1, Day: 1, Days: 1, FromYear: 2021, Source: labourCode2019 + " điểm a"},
		{Key: KeyTet, NameVI: "Tết Âm lịch", NameEN: "Lunar New Year (Tết)",
			Kind: LunarFixed, Month: 1, Day: 1, Offset: -1, Days: 5, FromYear: 2021, Source: labourCode2019 + " điểm b"},
		{Key: KeyVictoryDay, NameVI: "Ngày Chiến thắng", NameEN: "Victory Day",
			Kind: SolarFixed, Month: 4, Day: 30, Days: 1, FromYear: 2021, Source: labourCode2019 + " điểm c"},
		{Key: KeyLabourDay, NameVI: "Ngày Quốc tế lao động", NameEN: "International Labour Day",
			Kind: SolarFixed, Month: 5, Day: 1, Days: 1, FromYear: 2021, Source: labourCode2019 + " điểm d"},
		{Key: KeyNationalDay, NameVI: "Quốc khánh", NameEN: "National Day",
			Kind: SolarFixed, Month: 9, Day: 2, Days: 1, FromYear: 2021, Source: labourCode2019 + " điểm đ"},
		{Key: KeyNationalDayExtra, NameVI: "Quốc khánh (ngày liền kề)", NameEN: "National Day (adjacent day)",
			Kind: AdjacentToSolar, Month: 9, Day: 2, Days: 1, FromYear: 2021, Source: labourCode2019 + " điểm đ"},
		{Key: KeyHungKings, NameVI: "Giỗ Tổ Hùng Vương", NameEN: "Hùng Kings' Commemoration",
			Kind: LunarFixed, Month: 3, Day: 10, Days: 1, FromYear: 2021, Source: labourCode2019 + " điểm e"},
	}
}

// MergeRules returns base with every rule of extra added; a rule of extra
// whose Key is already in base replaces it. This is how rules from the
// database take precedence over the built-in ones: to end a statutory rule
// after year Y, store a copy with ToYear Y (and a new rule with another key
// from Y+1).
func MergeRules(base, extra []Rule) []Rule {
	out := make([]Rule, 0, len(base)+len(extra))
	replaced := make(map[string]bool, len(extra))
	for _, r := range extra {
		replaced[r.Key] = true
	}
	for _, r := range base {
		if !replaced[r.Key] {
			out = append(out, r)
		}
	}
	return append(out, extra...)
}

// AdjacentDay returns the day added next to anchor (2/9 for the National Day)
// when no schedule is announced, given which weekdays are weekly rest days:
//
//  1. if exactly one neighbour is a rest day, take the other one;
//  2. otherwise take the neighbour that joins the holiday to a rest day
//     (the day after if the day after it is a rest day, else the day before
//     if the day before it is a rest day);
//  3. otherwise the day before.
//
// With Saturday and Sunday off this gives 2/9 on Mon → 3/9, Tue → 1/9,
// Wed → 1/9, Thu → 3/9, Fri → 1/9, Sat → 1/9, Sun → 3/9, which matches every
// year announced so far: 2021 (Thu, 3/9), 2022 (Fri, 1/9), 2023 (Sat, 1/9),
// 2024 (Mon, 3/9), 2025 (Tue, 1/9), 2026 (Wed, 1/9).
func AdjacentDay(anchor Date, rest func(time.Weekday) bool) Date {
	before, after := anchor.AddDays(-1), anchor.AddDays(1)
	rb, ra := rest(before.Weekday()), rest(after.Weekday())
	switch {
	case rb && !ra:
		return after
	case ra && !rb:
		return before
	case !ra && rest(after.AddDays(1).Weekday()):
		return after
	}
	return before
}

// days returns the days r gives in year y, before any override, or nil if r
// does not apply in y or cannot be placed (29/2 in a common year, a lunar
// date outside the supported range).
func (r Rule) days(y int, rest func(time.Weekday) bool) []Date {
	if !r.AppliesIn(y) {
		return nil
	}
	var anchor Date
	switch r.Kind {
	case SolarFixed, AdjacentToSolar:
		if r.Day > daysIn(y, time.Month(r.Month)) {
			return nil
		}
		anchor = Date{y, time.Month(r.Month), r.Day}
		if r.Kind == AdjacentToSolar {
			return []Date{AdjacentDay(anchor, rest)}
		}
	case LunarFixed:
		jd, ok := lunarAnchor(y, r.Month, r.Day)
		if !ok {
			return nil
		}
		anchor = dateFromJDN(jd)
	default:
		return nil
	}
	out := make([]Date, r.Days)
	for i := range out {
		out[i] = anchor.AddDays(r.Offset + i)
	}
	return out
}

// lunarAnchor returns the day number of lunar day/month (regular month) of
// lunar year y; day 30 of a 29-day month is clamped to day 29.
func lunarAnchor(y, month, day int) (int, bool) {
	jd, err := jdnOfLunar(LunarDate{Day: day, Month: month, Year: y})
	if err == nil {
		return jd, true
	}
	if day == 30 {
		jd, err = jdnOfLunar(LunarDate{Day: 29, Month: month, Year: y})
		return jd, err == nil
	}
	return 0, false
}

func (r Rule) String() string { return fmt.Sprintf("%s (%s)", r.Key, r.NameVI) }
