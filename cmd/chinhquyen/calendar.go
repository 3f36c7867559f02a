package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

func init() {
	register(&command{name: "calendar", summary: "lịch: âm lịch, ngày nghỉ, ngày làm việc (calendar; see its subcommands)", run: group("calendar", calendarCommands...)})
	register(&command{name: "calendar lunar", summary: "đổi ngày dương lịch sang âm lịch: calendar lunar 2026-04-26", run: calendarLunar})
	register(&command{name: "calendar solar", summary: "đổi ngày âm lịch sang dương lịch: calendar solar 10/3/2026 [--leap]", run: calendarSolar})
	register(&command{name: "calendar holidays", summary: "các ngày nghỉ lễ, nghỉ bù, làm bù của một năm: calendar holidays 2026", run: calendarHolidays})
	register(&command{name: "calendar add", summary: "ngày làm việc thứ N sau một ngày: calendar add 2026-08-28 3", run: calendarAdd})
}

// calendarCommands lists the subcommands for `chinhquyen calendar`.
var calendarCommands = []string{"lunar", "solar", "holidays", "add", "override", "rule"}

func calendarLunar(ctx context.Context, e *env, args []string) error {
	b := config.NewBinder(newFlags(e, "calendar lunar", "YYYY-MM-DD"))
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, b, "cần đúng một ngày dương lịch dạng YYYY-MM-DD, ví dụ: chinhquyen calendar lunar 2026-04-26")
	}
	d, err := parseDateArg(pos[0])
	if err != nil {
		return err
	}
	l, err := calendar.SolarToLunar(d)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s (năm %s)\n", l, calendar.CanChi(l.Year))
	return nil
}

func calendarSolar(ctx context.Context, e *env, args []string) error {
	var leap bool
	b := config.NewBinder(newFlags(e, "calendar solar", "D/M/YYYY"))
	b.FS.BoolVar(&leap, "leap", false, "the month is the leap month (tháng nhuận)")
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, b, "cần đúng một ngày âm lịch dạng ngày/tháng/năm, ví dụ: chinhquyen calendar solar 10/3/2026 (thêm --leap nếu là tháng nhuận)")
	}
	l, err := parseLunarArg(pos[0], leap)
	if err != nil {
		return err
	}
	d, err := calendar.LunarToSolar(l)
	if err != nil {
		return explainLeap(l, err)
	}
	fmt.Fprintf(e.stdout, "%s (%s)\n", d, weekdayName[d.Weekday()])
	return nil
}

func calendarHolidays(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "calendar holidays", "YYYY"))
	cfg.BindDatabase(b)
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, b, "cần đúng một năm, ví dụ: chinhquyen calendar holidays 2026")
	}
	y, err := parseYearArg(pos[0])
	if err != nil {
		return err
	}
	cal, err := readCalendar(ctx, e, &cfg)
	if err != nil {
		return err
	}
	days := append(cal.Holidays(y), cal.MakeUpDays(y)...)
	sortDays(days)
	fmt.Fprintf(e.stdout, "Ngày nghỉ năm %d trong tuần làm việc, và ngày nghỉ hằng tuần phải đi làm (đánh dấu *):\n", y)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Ngày\tThứ\tÂm lịch\tLoại\tTên")
	offs, works := 0, 0
	for _, d := range days {
		mark := ""
		if d.Working {
			mark, works = "* ", works+1
		} else {
			offs++
		}
		lunar := ""
		if l, err := calendar.SolarToLunar(d.Date); err == nil {
			lunar = l.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s%s\n", d.Date.VN(), weekdayName[d.Date.Weekday()], lunar, reasonLabel[d.Reason], mark, d.NameVI)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Tổng cộng: %d ngày nghỉ, %d ngày làm bù.\n", offs, works)
	return nil
}

func calendarAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "calendar add", "YYYY-MM-DD N"))
	cfg.BindDatabase(b)
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError(e, b, "cần một ngày và một số ngày làm việc, ví dụ: chinhquyen calendar add 2026-08-28 3")
	}
	d, err := parseDateArg(pos[0])
	if err != nil {
		return err
	}
	n, err := parseWorkingDays(pos[1])
	if err != nil {
		return err
	}
	cal, err := readCalendar(ctx, e, &cfg)
	if err != nil {
		return err
	}
	r := cal.ShiftWorkingDays(d, n)
	if !r.IsValid() {
		return apperr.New(apperr.Invalid, "Kết quả nằm ngoài khoảng năm được hỗ trợ (%d–%d).", calendar.MinYear, calendar.MaxYear)
	}
	fmt.Fprintf(e.stdout, "%s (%s)\n", r, weekdayName[r.Weekday()])
	return nil
}

// maxWorkingDays bounds N of `calendar add` (as calendar.Deadline does).
const maxWorkingDays = 3000

// parseWorkingDays reads N of `calendar add`: an integer, negative to count
// backwards.
func parseWorkingDays(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, apperr.FieldError("days", "Số ngày làm việc %q không hợp lệ: nhập một số nguyên, ví dụ 5 (số âm để tính lùi).", clipArg(s))
	}
	if n < -maxWorkingDays || n > maxWorkingDays {
		return 0, apperr.FieldError("days", "Số ngày làm việc %d quá lớn: tối đa %d.", n, maxWorkingDays)
	}
	return n, nil
}

// parseDateArg reads a solar date written YYYY-MM-DD or, the Vietnamese way,
// D/M/YYYY.
func parseDateArg(s string) (calendar.Date, error) {
	if strings.Contains(s, "/") {
		return calendar.ParseVN(s)
	}
	return calendar.ParseISO(s)
}

// parseYearArg reads a four-digit year in the supported range.
func parseYearArg(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || len(s) != 4 {
		return 0, apperr.FieldError("year", "Năm %q không hợp lệ: nhập bốn chữ số, ví dụ 2026.", clipArg(s))
	}
	if y < calendar.MinYear || y > calendar.MaxYear {
		return 0, apperr.FieldError("year", "Năm %d nằm ngoài khoảng được hỗ trợ (%d–%d).", y, calendar.MinYear, calendar.MaxYear)
	}
	return y, nil
}

// parseLunarArg reads a lunar date written D/M/YYYY (day and month of one or
// two digits, a four-digit year); it does not check that the date exists,
// which LunarToSolar does.
func parseLunarArg(s string, leap bool) (calendar.LunarDate, error) {
	bad := apperr.FieldError("date", "Ngày âm lịch %q không đúng định dạng ngày/tháng/năm (ví dụ 10/3/2026).", clipArg(s))
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return calendar.LunarDate{}, bad
	}
	var v [3]int
	for i, p := range parts {
		if (i < 2 && (len(p) < 1 || len(p) > 2)) || (i == 2 && len(p) != 4) {
			return calendar.LunarDate{}, bad
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return calendar.LunarDate{}, bad
			}
			v[i] = v[i]*10 + int(p[j]-'0')
		}
	}
	return calendar.LunarDate{Day: v[0], Month: v[1], Year: v[2], Leap: leap}, nil
}

// explainLeap adds which month is the leap month of the year to the error
// for a leap month that does not exist.
func explainLeap(l calendar.LunarDate, err error) error {
	if !l.Leap || apperr.CodeOf(err) != apperr.Invalid {
		return err
	}
	m, lerr := calendar.LeapMonth(l.Year)
	switch {
	case lerr != nil:
		return err
	case m == 0:
		return apperr.FieldError("date", "Năm %d âm lịch không có tháng nhuận.", l.Year)
	case m != l.Month:
		return apperr.FieldError("date", "Năm %d âm lịch không có tháng %d nhuận: tháng nhuận của năm đó là tháng %d.", l.Year, l.Month, m)
	}
	return err
}

// parseInterspersed parses flags wherever they appear among args
// (`calendar solar 10/3/2026 --leap`) and returns the other arguments in
// order. A negative number is an argument, not a flag (`calendar add … -3`).
func parseInterspersed(b *config.Binder, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if isNegativeNumber(args[0]) {
			pos, args = append(pos, args[0]), args[1:]
			continue
		}
		if err := parseFlags(b, args); err != nil {
			if errors.Is(err, errUsage) {
				fmt.Fprintln(b.FS.Output(), "\nLỗi: cờ không hợp lệ (xem cách dùng ở trên).")
			}
			return nil, err
		}
		rest := b.FS.Args()
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	return pos, nil
}

func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// usageError prints a Vietnamese message and the command's usage, and
// returns errUsage (exit status 2).
func usageError(e *env, b *config.Binder, msg string) error {
	fmt.Fprintf(e.stderr, "Lỗi: %s\n\n", msg)
	b.FS.Usage()
	return errUsage
}

// clipArg shortens an argument echoed in a message.
func clipArg(s string) string {
	const max = 40
	for i := range s {
		if i >= max {
			return s[:i] + "…"
		}
	}
	return s
}

// readCalendar returns the calendar the platform counts with: from the
// configured database when there is one; otherwise (no database file in the
// data folder yet, or a database without the calendar module) the built-in
// rules with the published 2025–2026 schedules, which is what a new database
// is seeded with. It never creates or migrates a database: reading a
// calendar must not change anything.
func readCalendar(ctx context.Context, e *env, cfg *app.Config) (*calendar.Calendar, error) {
	svc, closeDB, err := openCalendarStore(ctx, e, cfg)
	if err != nil {
		return nil, err
	}
	if svc == nil {
		return calendar.New(calendar.StatutoryRules(), calendar.Published2025_2026(), calendar.DefaultConfig())
	}
	defer closeDB()
	return svc.Calendar(ctx)
}

// openCalendarStore opens the calendar store of the configured database for
// reading, or returns nil (with a note on stderr) when there is none.
func openCalendarStore(ctx context.Context, e *env, cfg *app.Config) (*calstore.Service, func(), error) {
	d, s, err := openExisting(ctx, cfg, calstore.Migrations)
	if apperr.Is(err, apperr.NotFound) {
		fmt.Fprintf(e.stderr, "Ghi chú: chưa có cơ sở dữ liệu trong %s; dùng ngày lễ theo luật và lịch nghỉ đã công bố 2025–2026.\n", cfg.DataDir)
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	switch {
	case s.Current == 0:
		d.Close()
		fmt.Fprintf(e.stderr, "Ghi chú: cơ sở dữ liệu %s chưa có phân hệ lịch (chạy chinhquyen migrate); dùng ngày lễ theo luật và lịch nghỉ đã công bố 2025–2026.\n", d.Location)
		return nil, nil, nil
	case s.Current < s.Target:
		d.Close()
		return nil, nil, apperr.New(apperr.Unavailable, "Cơ sở dữ liệu %s chưa được nâng cấp cho phân hệ lịch: hãy chạy chinhquyen migrate.", d.Location)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Reading needs no signing key: without DataDir the audit log only
	// records, and nothing is recorded here.
	l, err := audit.New(d, audit.Options{Logger: quiet})
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	svc, err := calstore.New(d, calstore.Options{Audit: l, Logger: cfg.NewLogger(os.Stderr)})
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return svc, func() { d.Close() }, nil
}

var weekdayName = [7]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

var reasonLabel = map[calendar.Reason]string{
	calendar.ReasonHoliday:      "nghỉ lễ",
	calendar.ReasonCompensatory: "nghỉ bù",
	calendar.ReasonDayOff:       "nghỉ hoán đổi",
	calendar.ReasonMakeUpDay:    "làm bù",
	calendar.ReasonWeeklyRest:   "nghỉ hằng tuần",
	calendar.ReasonWorkday:      "làm việc",
}

func sortDays(days []calendar.DayInfo) {
	slices.SortStableFunc(days, func(a, b calendar.DayInfo) int { return a.Date.Compare(b.Date) })
}
