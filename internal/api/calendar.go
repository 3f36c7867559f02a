package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// calendarRoutes are the working-calendar endpoints; everyone may call them
// (access action calendar.read).
func (a *API) calendarRoutes() []route {
	return []route{
		{"GET", "/api/v1/calendar/holidays", a.calendarHolidays},
		{"GET", "/api/v1/calendar/lunar", a.calendarLunar},
		{"GET", "/api/v1/calendar/add", a.calendarAdd},
	}
}

// lunarJSON is a lunar date.
type lunarJSON struct {
	Day   int    `json:"day"`
	Month int    `json:"month"`
	Year  int    `json:"year"`
	Leap  bool   `json:"leap"`
	Text  string `json:"text"` // "10/3/2026", "15/6 nhuận/2025"
}

type canChiJSON struct {
	Year  string `json:"year"`
	Month string `json:"month"`
	Day   string `json:"day"`
}

// dayJSON explains one day of the working calendar.
type dayJSON struct {
	Date           string     `json:"date"`
	Weekday        int        `json:"weekday"` // ISO 8601: 1 = Monday … 7 = Sunday
	Working        bool       `json:"working"`
	Reason         string     `json:"reason"`
	NameVI         string     `json:"name_vi"`
	NameEN         string     `json:"name_en"`
	RuleKey        string     `json:"rule_key,omitempty"`
	CompensatesFor string     `json:"compensates_for,omitempty"`
	Source         string     `json:"source,omitempty"`
	Lunar          lunarJSON  `json:"lunar"`
	CanChi         canChiJSON `json:"can_chi"`
}

func toDayJSON(info calendar.DayInfo) dayJSON {
	d := info.Date
	wd := int(d.Weekday())
	if wd == 0 {
		wd = 7
	}
	j := dayJSON{Date: d.String(), Weekday: wd, Working: info.Working, Reason: string(info.Reason),
		NameVI: info.NameVI, NameEN: info.NameEN, RuleKey: info.RuleKey, Source: info.Source}
	if info.CompensatesFor.IsValid() {
		j.CompensatesFor = info.CompensatesFor.String()
	}
	if l, err := calendar.SolarToLunar(d); err == nil {
		j.Lunar = lunarJSON{Day: l.Day, Month: l.Month, Year: l.Year, Leap: l.Leap, Text: l.String()}
		j.CanChi = canChiJSON{Year: calendar.CanChi(l.Year), Month: l.MonthCanChi(), Day: d.DayCanChi()}
	}
	return j
}

type holidaysJSON struct {
	Year       int       `json:"year"`
	Holidays   []dayJSON `json:"holidays"`
	MakeUpDays []dayJSON `json:"make_up_days"`
}

// calendar returns the calendar for the request's actor (nil: anonymous).
func (a *API) calendar(r *http.Request) (*calendar.Calendar, error) {
	if a.deps.Calendar == nil {
		return nil, apperr.New(apperr.Unavailable, "Lịch làm việc chưa sẵn sàng")
	}
	return a.deps.Calendar.CalendarFor(r.Context(), actor.From(r.Context()))
}

func (a *API) calendarHolidays(w http.ResponseWriter, r *http.Request) {
	y := calendar.DateOf(a.deps.Now()).Year
	if s := r.URL.Query().Get("year"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || len(s) != 4 || v < calendar.MinYear || v > calendar.MaxYear {
			httpx.Error(w, r, apperr.FieldError("year", "Năm %q không hợp lệ: nhập bốn chữ số từ %d đến %d, ví dụ 2026.", clipQuery(s), calendar.MinYear, calendar.MaxYear))
			return
		}
		y = v
	}
	cal, err := a.calendar(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := holidaysJSON{Year: y, Holidays: []dayJSON{}, MakeUpDays: []dayJSON{}}
	for _, d := range cal.Holidays(y) {
		out.Holidays = append(out.Holidays, toDayJSON(d))
	}
	for _, d := range cal.MakeUpDays(y) {
		out.MakeUpDays = append(out.MakeUpDays, toDayJSON(d))
	}
	httpx.JSON(w, http.StatusOK, out)
}

func (a *API) calendarLunar(w http.ResponseWriter, r *http.Request) {
	d := calendar.DateOf(a.deps.Now())
	if s := r.URL.Query().Get("date"); s != "" {
		var err error
		if d, err = calendar.ParseISO(s); err != nil {
			httpx.Error(w, r, apperr.FieldError("date", "%s", apperr.MessageOf(err)))
			return
		}
	}
	cal, err := a.calendar(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, toDayJSON(cal.DayInfo(d)))
}

// addJSON is the answer of /calendar/add.
type addJSON struct {
	From       time.Time `json:"from"`        // the moment received, Vietnam time
	Days       int       `json:"days"`        // the limit in working days
	CutOff     string    `json:"cut_off"`     // hh:mm
	ReceiptDay string    `json:"receipt_day"` // the day the limit is counted from
	Due        time.Time `json:"due"`         // close of office hours of the last day
	DueDate    string    `json:"due_date"`
}

// maxAddDays bounds days (as calendar.Deadline does).
const maxAddDays = 3000

func (a *API) calendarAdd(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cal, err := a.calendar(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	cfg := cal.Config()
	from, err := parseMoment(q.Get("from"), cfg.MorningStart)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	days, err := strconv.Atoi(q.Get("days"))
	if err != nil || days < -maxAddDays || days > maxAddDays {
		httpx.Error(w, r, apperr.FieldError("days", "Số ngày làm việc %q không hợp lệ: nhập một số nguyên từ %d đến %d.", clipQuery(q.Get("days")), -maxAddDays, maxAddDays))
		return
	}
	cutOff := cfg.CutOff
	if s := q.Get("cut_off"); s != "" {
		c, err := calendar.ParseTimeOfDay(s)
		if err != nil || c <= cfg.MorningStart || c > cfg.AfternoonEnd {
			httpx.Error(w, r, apperr.FieldError("cut_off", "Giờ chốt tiếp nhận %q không hợp lệ: dạng hh:mm, sau %s và không muộn hơn %s.", clipQuery(s), cfg.MorningStart, cfg.AfternoonEnd))
			return
		}
		cutOff = c
	}
	due := cal.AddWorkingDaysCutOff(from, days, cutOff)
	if dd := calendar.DateOf(due); !dd.IsValid() {
		httpx.Error(w, r, apperr.FieldError("days", "Hạn tính được nằm ngoài khoảng năm được hỗ trợ (%d–%d).", calendar.MinYear, calendar.MaxYear))
		return
	}
	httpx.JSON(w, http.StatusOK, addJSON{From: from.In(locale.VN), Days: days, CutOff: cutOff.String(),
		ReceiptDay: cal.ReceiptDayCutOff(from, cutOff).String(), Due: due.In(locale.VN), DueDate: calendar.DateOf(due).String()})
}

// parseMoment reads the from parameter: an RFC 3339 moment, or a date
// (YYYY-MM-DD), which means received when the office opens that day.
func parseMoment(s string, opens calendar.TimeOfDay) (time.Time, error) {
	if s == "" {
		return time.Time{}, apperr.FieldError("from", "Thiếu thời điểm tiếp nhận from (RFC 3339, ví dụ 2026-08-28T09:00:00+07:00, hoặc ngày 2026-08-28).")
	}
	if len(s) == 10 {
		d, err := calendar.ParseISO(s)
		if err != nil {
			return time.Time{}, apperr.FieldError("from", "%s", apperr.MessageOf(err))
		}
		return d.At(opens), nil
	}
	t, err := time.Parse(time.RFC3339, strings.Replace(s, " ", "+", 1)) // a '+' in a query string arrives as a space
	if err != nil {
		return time.Time{}, apperr.FieldError("from", "Thời điểm tiếp nhận %q không hợp lệ: dùng RFC 3339, ví dụ 2026-08-28T09:00:00+07:00, hoặc ngày 2026-08-28.", clipQuery(s))
	}
	if d := calendar.DateOf(t); !d.IsValid() {
		return time.Time{}, apperr.FieldError("from", "Năm %d nằm ngoài khoảng được hỗ trợ (%d–%d).", d.Year, calendar.MinYear, calendar.MaxYear)
	}
	return t, nil
}

// clipQuery shortens a parameter echoed in a message.
func clipQuery(s string) string {
	const max = 40
	for i := range s {
		if i >= max {
			return s[:i] + "…"
		}
	}
	return s
}
