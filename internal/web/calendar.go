package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// monthPage is the month grid of GET /calendar?month=YYYY-MM.
type monthPage struct {
	Month      string // YYYY-MM, the month field's value
	Year       int
	MonthNum   int
	Prev, Next string // YYYY-MM, "" at the ends of the supported range
	PrevLabel  string // M/YYYY
	NextLabel  string
	LunarFrom  lunarLabel // lunar date of the first day
	LunarTo    lunarLabel // lunar date of the last day
	Weekdays   []weekdayHead
	Weeks      [][]monthDay
	Special    []monthDay // the month's days off and make-up days, for the list under the grid
	CanEdit    bool       // show the link to the override page
}

type weekdayHead struct {
	Short, Long string // catalog keys
}

// monthDay is one cell of the grid; the zero value is a cell outside the month.
type monthDay struct {
	InMonth bool
	ISO     string // YYYY-MM-DD
	VN      string // dd/mm/yyyy
	Day     int
	Weekday string // catalog key
	Lunar   lunarDay
	Kind    string // "", "rest", "holiday", "compensatory", "dayoff", "makeup"
	Name    string // the holiday's or override's name in the page's language
	Today   bool
}

// Off reports whether the day is a day off other than a weekly rest day.
func (d monthDay) Off() bool {
	return d.Kind == "holiday" || d.Kind == "compensatory" || d.Kind == "dayoff"
}

// Marked reports whether the day has a mark and a name.
func (d monthDay) Marked() bool { return d.Off() || d.Kind == "makeup" }

var kindOfReason = map[calendar.Reason]string{
	calendar.ReasonWeeklyRest:   "rest",
	calendar.ReasonHoliday:      "holiday",
	calendar.ReasonCompensatory: "compensatory",
	calendar.ReasonDayOff:       "dayoff",
	calendar.ReasonMakeUpDay:    "makeup",
}

// weekdayKeys are the catalog keys of the weekdays, Sunday first as in
// time.Weekday.
var weekdayKeys = [7]string{"cal.wd.sun", "cal.wd.mon", "cal.wd.tue", "cal.wd.wed", "cal.wd.thu", "cal.wd.fri", "cal.wd.sat"}

// parseMonth reads the month parameter, YYYY-MM (the month field's format);
// an empty value is the month of today. The whole month must lie in the
// supported years.
func parseMonth(s string, today calendar.Date) (int, time.Month, error) {
	if s == "" {
		return today.Year, today.Month, nil
	}
	bad := apperr.FieldError("month", "Tháng %q không hợp lệ: dùng dạng YYYY-MM, ví dụ 2026-02.", clipParam(s))
	if len(s) != 7 || s[4] != '-' {
		return 0, 0, bad
	}
	n := 0
	for i := 0; i < 7; i++ {
		if i == 4 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, 0, bad
		}
		n = n*10 + int(c-'0')
	}
	y, m := n/100, n%100
	if m < 1 || m > 12 {
		return 0, 0, bad
	}
	if y < calendar.MinYear || y > calendar.MaxYear {
		return 0, 0, apperr.FieldError("month", "Năm %d nằm ngoài khoảng được hỗ trợ (%d–%d).", y, calendar.MinYear, calendar.MaxYear)
	}
	return y, time.Month(m), nil
}

// clipParam shortens a parameter echoed in a message.
func clipParam(s string) string {
	const max = 20
	for i := range s {
		if i >= max {
			return s[:i] + "…"
		}
	}
	return s
}

func monthParam(y int, m time.Month) string { return fmt.Sprintf("%04d-%02d", y, int(m)) }

// calendarMonth is the month grid for officials (and anyone: the calendar is
// public information): solar and lunar days, days off with their names,
// make-up working days.
func (h *Handler) calendarMonth(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := actor.From(ctx)
	today := calendar.DateOf(h.deps.Now())
	y, m, err := parseMonth(r.URL.Query().Get("month"), today)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	cal, err := h.deps.Calendar.CalendarFor(ctx, a)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	lang := locale.FromRequest(r)
	p := monthPage{Month: monthParam(y, m), Year: y, MonthNum: int(m), CanEdit: h.deps.Calendar.MayEdit(ctx, a)}
	first := calendar.Date{Year: y, Month: m, Day: 1}
	if prev := first.AddDays(-1); prev.IsValid() {
		p.Prev, p.PrevLabel = monthParam(prev.Year, prev.Month), fmt.Sprintf("%d/%d", int(prev.Month), prev.Year)
	}
	last := calendar.Date{Year: y, Month: m + 1, Day: 1}
	if m == 12 {
		last = calendar.Date{Year: y + 1, Month: 1, Day: 1}
	}
	if last.IsValid() {
		p.Next, p.NextLabel = monthParam(last.Year, last.Month), fmt.Sprintf("%d/%d", int(last.Month), last.Year)
	}
	last = last.AddDays(-1)
	p.LunarFrom, p.LunarTo = lunarYearLabel(first), lunarYearLabel(last)

	for i := 0; i < 7; i++ { // Monday first, as Vietnamese wall calendars
		wd := (i + 1) % 7
		p.Weekdays = append(p.Weekdays, weekdayHead{Short: weekdayKeys[wd] + ".short", Long: weekdayKeys[wd]})
	}
	lead := (int(first.Weekday()) + 6) % 7 // cells before the 1st
	week := make([]monthDay, lead, 7)
	for d := first; !d.After(last); d = d.AddDays(1) {
		info := cal.DayInfo(d)
		md := monthDay{InMonth: true, ISO: d.String(), VN: d.VN(), Day: d.Day, Weekday: weekdayKeys[d.Weekday()],
			Kind: kindOfReason[info.Reason], Today: d == today}
		if l, err := calendar.SolarToLunar(d); err == nil {
			md.Lunar = lunarDay{LunarDate: l, ShowMonth: l.Day == 1 || d.Day == 1}
		}
		if md.Marked() {
			md.Name = info.NameVI
			if lang == locale.EN && info.NameEN != "" {
				md.Name = info.NameEN
			}
			p.Special = append(p.Special, md)
		}
		week = append(week, md)
		if len(week) == 7 {
			p.Weeks = append(p.Weeks, week)
			week = make([]monthDay, 0, 7)
		}
	}
	if len(week) > 0 {
		week = append(week, make([]monthDay, 7-len(week))...)
		p.Weeks = append(p.Weeks, week)
	}
	h.rd.render(w, r, http.StatusOK, "calendar", "cal.title", p)
}

// lunarDay is the lunar date shown in a cell: the day, and the month on the
// first day of a lunar month and on the first cell of the grid.
type lunarDay struct {
	calendar.LunarDate
	ShowMonth bool
}

// lunarLabel is a lunar day and month with the stem-branch name of its year.
type lunarLabel struct {
	calendar.LunarDate
	CanChi string // "Ất Tỵ"
}

// DM returns "14/12", or "1/6 nhuận" with leap the word for a leap month.
func (l lunarLabel) DM(leap string) string {
	if l.Leap {
		return fmt.Sprintf("%d/%d %s", l.Day, l.Month, leap)
	}
	return fmt.Sprintf("%d/%d", l.Day, l.Month)
}

func lunarYearLabel(d calendar.Date) lunarLabel {
	l, err := calendar.SolarToLunar(d)
	if err != nil {
		return lunarLabel{}
	}
	return lunarLabel{LunarDate: l, CanChi: calendar.CanChi(l.Year)}
}
