package calendar

import (
	"fmt"
	"math/bits"
	"sort"
	"sync/atomic"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Reason says why a day is, or is not, a working day.
type Reason string

// The reasons reported by Calendar.DayInfo. The string values are stable.
const (
	ReasonWorkday      Reason = "workday"         // an ordinary working day
	ReasonWeeklyRest   Reason = "weekly_rest"     // Saturday or Sunday (Config.WeeklyRest)
	ReasonHoliday      Reason = "holiday"         // a day of a holiday Rule (or its Placement)
	ReasonCompensatory Reason = "compensatory"    // nghỉ bù for a holiday on a rest day or on another holiday
	ReasonDayOff       Reason = "day_off"         // an Override of kind DayOff
	ReasonMakeUpDay    Reason = "make_up_workday" // an Override of kind Workday: a rest day worked
)

// DayInfo explains one day.
type DayInfo struct {
	Date           Date
	Working        bool
	Reason         Reason
	RuleKey        string // holiday or compensatory day: the rule
	NameVI         string // holiday name, "Nghỉ bù …", the override's name, or the weekday
	NameEN         string
	CompensatesFor Date   // compensatory day: the holiday day it replaces
	Source         string // the rule's or the override's source
}

// Calendar answers working-day questions for one set of rules, overrides
// and office settings. It is immutable and safe for concurrent use; build a
// new one when the stored rules change. Years are computed on first use and
// cached, so the hot paths (IsWorkingDay, AddWorkingDays) do not allocate.
//
// A day is a working day unless it is a weekly rest day, a holiday, a
// compensatory day or a DayOff override; a Workday override makes any day a
// working day. Compensatory days (Labour Code 2019 art. 111 §3): each holiday
// day that falls on a weekly rest day, or on a day already taken by another
// holiday, gives one day off on the next day that is an ordinary working day
// (not a rest day, holiday, day off, earlier compensatory day or make-up
// working day), in date order.
//
// # Counting working days (receipt rule)
//
// Time limits are counted the way Civil Code 2015 art. 147–148 count days:
// the day of the event is not counted; a limit of n working days ends at the
// close of office hours (Config.AfternoonEnd) of the n-th working day after
// it. The day of the event is the receipt day of the dossier:
//
//   - received on a working day up to the cut-off (Config.CutOff, 15:00 by
//     default, per call with the …CutOff methods): that day. A dossier
//     received before the office opens counts as received at opening.
//   - received after the cut-off, after closing, or on a day that is not a
//     working day: the next working day.
//
// So with the default settings a dossier received on Monday 10:00 with a
// 3-day limit is due Thursday 17:00; received Monday 16:00 it is due Friday
// 17:00; a same-day procedure (n = 0) received Monday 14:00 is due Monday
// 17:00, received at 15:30 Tuesday 17:00. Sources: Civil Code 2015
// (91/2015/QH13) art. 147 §1 and 148; the 15:00 same-day cut-off of many
// provincial procedures (docs/calendar-sources.md, unconfirmed).
type Calendar struct {
	cfg        Config
	rest       [7]bool
	rules      []Rule
	placements map[placementKey]Override
	dayOver    map[int]Override // DayOff and Workday overrides by day number
	years      [MaxYear - MinYear + 1]atomic.Pointer[yearTable]
}

type placementKey struct {
	rule string
	year int
}

// New returns a Calendar for rules (usually MergeRules(StatutoryRules(),
// stored)), the yearly overrides and cfg. It returns an EINVALID error if a
// rule, an override or cfg is invalid, two rules share a key, an override
// names an unknown rule, a rule has two placements in one year, or a day has
// two conflicting overrides.
func New(rules []Rule, overrides []Override, cfg Config) (*Calendar, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Calendar{
		cfg:        cfg.withDefaults(),
		rules:      append([]Rule(nil), rules...),
		placements: make(map[placementKey]Override),
		dayOver:    make(map[int]Override),
	}
	for _, w := range c.cfg.WeeklyRest {
		c.rest[w] = true
	}
	keys := make(map[string]bool, len(rules))
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if keys[r.Key] {
			return nil, apperr.FieldError("key", "Mã quy tắc ngày nghỉ %q bị trùng.", r.Key)
		}
		keys[r.Key] = true
	}
	for _, o := range overrides {
		if err := o.Validate(); err != nil {
			return nil, err
		}
		switch o.Kind {
		case Placement:
			if !keys[o.RuleKey] {
				return nil, apperr.FieldError("rule_key", "Lịch nghỉ năm %d tham chiếu ngày lễ không tồn tại %q.", o.Year, o.RuleKey)
			}
			k := placementKey{o.RuleKey, o.Year}
			if _, dup := c.placements[k]; dup {
				return nil, apperr.FieldError("rule_key", "Ngày lễ %q năm %d có hơn một lịch nghỉ.", o.RuleKey, o.Year)
			}
			c.placements[k] = o
		default:
			jd := o.Date.jdn()
			if prev, dup := c.dayOver[jd]; dup {
				return nil, apperr.FieldError("date", "Ngày %s có hai điều chỉnh (%s, %s).", o.Date.VN(), prev.Kind, o.Kind)
			}
			c.dayOver[jd] = o
		}
	}
	return c, nil
}

// Config returns the settings c counts with (defaults applied).
func (c *Calendar) Config() Config {
	cfg := c.cfg
	cfg.WeeklyRest = append([]time.Weekday(nil), cfg.WeeklyRest...)
	return cfg
}

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	jd := d.jdn()
	yt := c.year(d.Year)
	return yt.working(jd - yt.first)
}

// DayInfo explains d: whether it is a working day and why.
func (c *Calendar) DayInfo(d Date) DayInfo {
	jd := d.jdn()
	d = dateFromJDN(jd)
	yt := c.year(d.Year)
	if n, ok := yt.notes[jd]; ok {
		info := n
		info.Date = d
		return info
	}
	if c.rest[d.Weekday()] {
		return DayInfo{Date: d, Reason: ReasonWeeklyRest, NameVI: weekdayVI[d.Weekday()], NameEN: d.Weekday().String()}
	}
	return DayInfo{Date: d, Working: true, Reason: ReasonWorkday, NameVI: weekdayVI[d.Weekday()], NameEN: d.Weekday().String()}
}

var weekdayVI = [7]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// Holidays returns every day of year y that is not a working day although
// it is not a weekly rest day (holidays, compensatory days, days off), in
// date order, with its name. Holidays falling on a rest day are not listed;
// their compensatory days are. Make-up working days are listed by
// MakeUpDays.
func (c *Calendar) Holidays(y int) []DayInfo {
	var out []DayInfo
	c.eachDay(y, func(d Date, working bool) {
		if !working && !c.rest[d.Weekday()] {
			out = append(out, c.DayInfo(d))
		}
	})
	return out
}

// MakeUpDays returns the weekly rest days of year y that are working days
// (Saturdays worked in exchange for a bridge day off), in date order.
func (c *Calendar) MakeUpDays(y int) []DayInfo {
	var out []DayInfo
	c.eachDay(y, func(d Date, working bool) {
		if working && c.rest[d.Weekday()] {
			out = append(out, c.DayInfo(d))
		}
	})
	return out
}

func (c *Calendar) eachDay(y int, f func(Date, bool)) {
	yt := c.year(y)
	for i := 0; i < yt.n; i++ {
		f(dateFromJDN(yt.first+i), yt.working(i))
	}
}

// ReceiptDay returns the day from which a time limit is counted for
// something received at t, with Config.CutOff (see Calendar).
func (c *Calendar) ReceiptDay(t time.Time) Date { return c.ReceiptDayCutOff(t, 0) }

// ReceiptDayCutOff is ReceiptDay with the procedure's own cut-off; 0 means
// Config.CutOff, and a cut-off after closing time means closing time.
func (c *Calendar) ReceiptDayCutOff(t time.Time, cutOff TimeOfDay) Date {
	return dateFromJDN(c.receiptJDN(t, cutOff))
}

func (c *Calendar) receiptJDN(t time.Time, cutOff TimeOfDay) int {
	if cutOff <= 0 {
		cutOff = c.cfg.CutOff
	}
	if cutOff > c.cfg.AfternoonEnd {
		cutOff = c.cfg.AfternoonEnd
	}
	lt := t.In(locale.VN)
	y, m, dd := lt.Date()
	jd := Date{y, m, dd}.jdn()
	yt := c.year(y)
	if yt.working(jd - yt.first) {
		h, mi, s := lt.Clock()
		secs := h*3600 + mi*60 + s
		if secs < int(cutOff)*60 || (secs == int(cutOff)*60 && lt.Nanosecond() == 0) {
			return jd
		}
	}
	return c.forward(jd, 1)
}

// AddWorkingDays returns the due moment of a limit of n working days for
// something received at t: the close of office hours on the n-th working day
// after ReceiptDay(t). n = 0 is a same-day limit. For n < 0 it returns the
// close of office hours on the |n|-th working day before t's date (e.g. the
// last moment to send an apology letter, 1 working day before a due date).
// The result is in locale.VN.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	return c.AddWorkingDaysCutOff(t, n, 0)
}

// AddWorkingDaysCutOff is AddWorkingDays with the procedure's own cut-off
// (0 means Config.CutOff).
func (c *Calendar) AddWorkingDaysCutOff(t time.Time, n int, cutOff TimeOfDay) time.Time {
	var jd int
	if n < 0 {
		jd = c.backward(DateOf(t).jdn(), -n)
	} else {
		jd = c.shift(c.receiptJDN(t, cutOff), n)
	}
	return dateFromJDN(jd).At(c.cfg.AfternoonEnd)
}

// ShiftWorkingDays returns the n-th working day after d (n > 0), the |n|-th
// working day before d (n < 0), or d itself (n = 0), whether or not d is a
// working day.
func (c *Calendar) ShiftWorkingDays(d Date, n int) Date {
	jd := d.jdn()
	if n < 0 {
		return dateFromJDN(c.backward(jd, -n))
	}
	return dateFromJDN(c.shift(jd, n))
}

// NextWorkingDay returns the first working day after d.
func (c *Calendar) NextWorkingDay(d Date) Date { return c.ShiftWorkingDays(d, 1) }

// PrevWorkingDay returns the last working day before d.
func (c *Calendar) PrevWorkingDay(d Date) Date { return c.ShiftWorkingDays(d, -1) }

// WorkingDaysBetween counts working days the way AddWorkingDays does: the
// working days after ReceiptDay(a) up to and including b's date, so that
// WorkingDaysBetween(t, AddWorkingDays(t, n)) == n for n ≥ 0. If b's date is
// before the receipt day it is negative, as in CountWorkingDays.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	return c.countBetween(c.receiptJDN(a, 0), DateOf(b).jdn())
}

// CountWorkingDays returns how many working days are passed going from one
// date to another: the working days d with from < d ≤ to, or, if to is
// before from, minus the working days with to ≤ d < from. So
// CountWorkingDays(d, ShiftWorkingDays(d, n)) == n for every n.
func (c *Calendar) CountWorkingDays(from, to Date) int {
	return c.countBetween(from.jdn(), to.jdn())
}

func (c *Calendar) countBetween(a, b int) int {
	if b < a {
		return -c.countRange(b, a)
	}
	return c.countRange(a+1, b+1)
}

// countRange counts working days with day number in [lo, hi).
func (c *Calendar) countRange(lo, hi int) int {
	n := 0
	for lo < hi {
		yt := c.year(dateFromJDN(lo).Year)
		end := min(hi, yt.first+yt.n)
		n += yt.count(lo-yt.first, end-yt.first)
		lo = end
	}
	return n
}

// shift returns jd for n = 0, else the n-th working day after jd.
func (c *Calendar) shift(jd, n int) int {
	if n == 0 {
		return jd
	}
	return c.forward(jd, n)
}

// forward returns the n-th (n ≥ 1) working day after jd. It scans the
// per-year bitsets a 64-day word at a time.
func (c *Calendar) forward(jd, n int) int {
	pos := jd + 1
	y := dateFromJDN(pos).Year
	for {
		yt := c.year(y)
		for i := pos - yt.first; i < yt.n; {
			w := i >> 6
			word := yt.work[w] >> uint(i&63)
			if cnt := bits.OnesCount64(word); cnt < n {
				n -= cnt
				i = (w + 1) << 6
				continue
			}
			for ; n > 1; n-- {
				word &= word - 1
			}
			return yt.first + i + bits.TrailingZeros64(word)
		}
		pos = yt.first + yt.n
		y++
	}
}

// backward returns the n-th (n ≥ 1) working day before jd.
func (c *Calendar) backward(jd, n int) int {
	pos := jd - 1
	y := dateFromJDN(pos).Year
	for {
		yt := c.year(y)
		for i := pos - yt.first; i >= 0; {
			w := i >> 6
			sh := uint(63 - i&63)
			word := yt.work[w] << sh
			if cnt := bits.OnesCount64(word); cnt < n {
				n -= cnt
				i = w<<6 - 1
				continue
			}
			for ; n > 1; n-- {
				word &^= 1 << uint(63-bits.LeadingZeros64(word))
			}
			return yt.first + w<<6 + (63 - bits.LeadingZeros64(word)) - int(sh)
		}
		pos = yt.first - 1
		y--
	}
}

// yearTable is the computed calendar of one solar year.
type yearTable struct {
	first int             // day number of 1 January
	n     int             // days in the year
	work  [6]uint64       // bit i set: day first+i is a working day; bits ≥ n are 0
	notes map[int]DayInfo // days that are not plain weekdays or weekly rest days, by day number
}

func (yt *yearTable) working(i int) bool { return yt.work[i>>6]&(1<<uint(i&63)) != 0 }

// count returns the number of working days with index in [i, j).
func (yt *yearTable) count(i, j int) int {
	n := 0
	for i < j {
		w := i >> 6
		end := min(j, (w+1)<<6)
		word := yt.work[w] >> uint(i&63)
		if k := end - i; k < 64 {
			word &= 1<<uint(k) - 1
		}
		n += bits.OnesCount64(word)
		i = end
	}
	return n
}

// year returns the table of year y, computing it on first use. Years
// outside MinYear..MaxYear are computed on every call and know no lunar
// holidays.
func (c *Calendar) year(y int) *yearTable {
	if y < MinYear || y > MaxYear {
		return c.buildYear(y)
	}
	slot := &c.years[y-MinYear]
	if yt := slot.Load(); yt != nil {
		return yt
	}
	yt := c.buildYear(y)
	slot.Store(yt)
	return yt
}

// A holiday day before compensation is resolved.
type entitlement struct {
	jd   int
	rule *Rule
	name string // from the placement, if any
}

// compensationLookback is how far before 1 January holidays are considered,
// so that compensatory days spilling over from December are found.
const compensationLookback = 31

func (c *Calendar) buildYear(y int) *yearTable {
	first := Date{y, 1, 1}.jdn()
	n := 365
	if isLeapYear(y) {
		n = 366
	}
	lo, hi := first-compensationLookback, first+n // window [lo, hi)
	restFn := func(w time.Weekday) bool { return c.rest[w] }

	// Holiday days in the window, from rules or their placements.
	var ents []entitlement
	for ri := range c.rules {
		r := &c.rules[ri]
		for ry := y - 1; ry <= y+1; ry++ {
			if !r.AppliesIn(ry) {
				continue
			}
			if p, ok := c.placements[placementKey{r.Key, ry}]; ok {
				for jd := p.From.jdn(); jd <= p.To.jdn(); jd++ {
					if jd >= lo && jd < hi {
						ents = append(ents, entitlement{jd, r, p.NameVI})
					}
				}
				continue
			}
			for _, d := range r.days(ry, restFn) {
				if jd := d.jdn(); jd >= lo && jd < hi {
					ents = append(ents, entitlement{jd, r, ""})
				}
			}
		}
	}
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].jd < ents[j].jd })

	notes := make(map[int]DayInfo)
	off := make(map[int]bool) // days off in the window besides weekly rest
	isRestDay := func(jd int) bool {
		if o, ok := c.dayOver[jd]; ok && o.Kind == Workday {
			return false
		}
		return c.rest[dateFromJDN(jd).Weekday()]
	}

	// Overrides of single days.
	for jd := lo; jd < hi; jd++ {
		o, ok := c.dayOver[jd]
		if !ok {
			continue
		}
		switch o.Kind {
		case DayOff:
			off[jd] = true
			notes[jd] = DayInfo{Reason: ReasonDayOff, NameVI: o.NameVI, NameEN: o.NameEN, Source: o.Source}
		case Workday:
			notes[jd] = DayInfo{Working: true, Reason: ReasonMakeUpDay, NameVI: o.NameVI, NameEN: o.NameEN, Source: o.Source}
		}
	}

	// Holidays, and the entitlements that need a compensatory day.
	var owed []entitlement
	taken := make(map[int]bool)
	for _, e := range ents {
		if o, ok := c.dayOver[e.jd]; ok && o.Kind == Workday {
			continue // an announced working day wins over the default placement
		}
		if taken[e.jd] || isRestDay(e.jd) {
			owed = append(owed, e)
		}
		if taken[e.jd] {
			continue
		}
		taken[e.jd] = true
		off[e.jd] = true
		name := e.name
		if name == "" {
			name = e.rule.NameVI
		}
		notes[e.jd] = DayInfo{Reason: ReasonHoliday, RuleKey: e.rule.Key, NameVI: name, NameEN: e.rule.NameEN, Source: e.rule.Source}
	}
	for _, e := range owed {
		jd := e.jd + 1
		for ; jd < hi; jd++ {
			if _, over := c.dayOver[jd]; !over && !off[jd] && !c.rest[dateFromJDN(jd).Weekday()] {
				break
			}
		}
		if jd >= hi {
			continue // falls in the next year, which computes it itself
		}
		off[jd] = true
		notes[jd] = DayInfo{
			Reason: ReasonCompensatory, RuleKey: e.rule.Key, CompensatesFor: dateFromJDN(e.jd),
			NameVI: "Nghỉ bù " + e.rule.NameVI, NameEN: "Compensatory day off (" + e.rule.NameEN + ")",
			Source: "Bộ luật Lao động 2019, Điều 111 khoản 3",
		}
	}

	yt := &yearTable{first: first, n: n, notes: make(map[int]DayInfo)}
	for i := 0; i < n; i++ {
		jd := first + i
		if note, ok := notes[jd]; ok {
			yt.notes[jd] = note
		}
		if !off[jd] && !isRestDay(jd) {
			yt.work[i>>6] |= 1 << uint(i&63)
		}
	}
	return yt
}

func (c *Calendar) String() string {
	return fmt.Sprintf("calendar.Calendar{%d rules, %d placements, %d day overrides}", len(c.rules), len(c.placements), len(c.dayOver))
}
