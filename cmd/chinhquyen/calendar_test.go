package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// calRun runs the program with args as main does and returns the exit
// status, stdout and stderr.
func calRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

type calCase struct {
	name    string
	args    []string
	code    int
	out     string   // exact stdout, when set
	has     []string // substrings of stdout
	errHas  string   // substring of stderr
	notHave string   // must not be in stdout
}

func runCalCases(t *testing.T, cases []calCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := calRun(t, tc.args...)
			if code != tc.code {
				t.Fatalf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, out, errOut)
			}
			if tc.out != "" && out != tc.out {
				t.Fatalf("%v: stdout %q, want %q", tc.args, out, tc.out)
			}
			for _, h := range tc.has {
				if !strings.Contains(out, h) {
					t.Fatalf("%v: stdout lacks %q:\n%s", tc.args, h, out)
				}
			}
			if tc.notHave != "" && strings.Contains(out, tc.notHave) {
				t.Fatalf("%v: stdout has %q:\n%s", tc.args, tc.notHave, out)
			}
			if !strings.Contains(errOut, tc.errHas) {
				t.Fatalf("%v: stderr lacks %q:\n%s", tc.args, tc.errHas, errOut)
			}
			if code != 0 && !strings.Contains(errOut, "Lỗi") {
				t.Fatalf("%v: failed without a Vietnamese message:\n%s", tc.args, errOut)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Fatalf("%v: panicked:\n%s", tc.args, errOut)
			}
		})
	}
}

// Without a database the commands use the built-in rules and the published
// 2025–2026 schedules, and create nothing.
func TestCalendarCommandsWithoutDatabase(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv("CHINHQUYEN_DATA", data)
	t.Setenv("CHINHQUYEN_DATABASE", "")
	runCalCases(t, []calCase{
		{name: "group help", args: []string{"calendar"}, has: []string{"calendar lunar", "calendar override"}},
		{name: "unknown subcommand", args: []string{"calendar", "moon"}, code: 2, errHas: `không có lệnh calendar "moon"`},

		{name: "lunar: Hùng Kings 2026", args: []string{"calendar", "lunar", "2026-04-26"}, out: "10/3/2026 (năm Bính Ngọ)\n"},
		{name: "lunar: Tết 2026", args: []string{"calendar", "lunar", "2026-02-17"}, out: "1/1/2026 (năm Bính Ngọ)\n"},
		{name: "lunar: last day of Ất Tỵ", args: []string{"calendar", "lunar", "2026-02-16"}, out: "29/12/2025 (năm Ất Tỵ)\n"},
		{name: "lunar: leap month", args: []string{"calendar", "lunar", "2025-08-08"}, out: "15/6 nhuận/2025 (năm Ất Tỵ)\n"},
		{name: "lunar: Vietnamese date form", args: []string{"calendar", "lunar", "26/4/2026"}, out: "10/3/2026 (năm Bính Ngọ)\n"},
		{name: "lunar: Tết 1985 (UTC+7)", args: []string{"calendar", "lunar", "1985-01-21"}, out: "1/1/1985 (năm Ất Sửu)\n"},
		{name: "lunar: 31 February", args: []string{"calendar", "lunar", "2026-02-31"}, code: 1, errHas: "không tồn tại"},
		{name: "lunar: year out of range", args: []string{"calendar", "lunar", "2300-01-01"}, code: 1, errHas: "ngoài khoảng"},
		{name: "lunar: not a date", args: []string{"calendar", "lunar", "hôm nay"}, code: 1, errHas: "định dạng"},
		{name: "lunar: no argument", args: []string{"calendar", "lunar"}, code: 2, errHas: "cần đúng một ngày"},
		{name: "lunar: two arguments", args: []string{"calendar", "lunar", "2026-04-26", "2026-04-27"}, code: 2, errHas: "cần đúng một ngày"},
		{name: "lunar: unknown flag", args: []string{"calendar", "lunar", "--moon", "2026-04-26"}, code: 2, errHas: "moon"},
		{name: "lunar: help", args: []string{"calendar", "lunar", "--help"}, errHas: "usage"},

		{name: "solar: Hùng Kings 2026", args: []string{"calendar", "solar", "10/3/2026"}, out: "2026-04-26 (Chủ nhật)\n"},
		{name: "solar: Tết 2027", args: []string{"calendar", "solar", "1/1/2027"}, out: "2027-02-06 (Thứ Bảy)\n"},
		{name: "solar: leap month, flag after", args: []string{"calendar", "solar", "15/6/2025", "--leap"}, out: "2025-08-08 (Thứ Sáu)\n"},
		{name: "solar: leap month, flag before", args: []string{"calendar", "solar", "--leap", "15/06/2025"}, out: "2025-08-08 (Thứ Sáu)\n"},
		{name: "solar: 31/2", args: []string{"calendar", "solar", "31/2/2026"}, code: 1, errHas: "từ 1 đến 30"},
		{name: "solar: 13th month", args: []string{"calendar", "solar", "1/13/2026"}, code: 1, errHas: "Tháng âm lịch 13"},
		{name: "solar: leap month of another year", args: []string{"calendar", "solar", "15/3/2025", "--leap"}, code: 1, errHas: "tháng nhuận của năm đó là tháng 6"},
		{name: "solar: year without leap month", args: []string{"calendar", "solar", "15/3/2026", "--leap"}, code: 1, errHas: "không có tháng nhuận"},
		{name: "solar: year out of range", args: []string{"calendar", "solar", "1/1/2300"}, code: 1, errHas: "ngoài khoảng"},
		{name: "solar: ISO form", args: []string{"calendar", "solar", "2026-03-10"}, code: 1, errHas: "ngày/tháng/năm"},
		{name: "solar: no argument", args: []string{"calendar", "solar"}, code: 2, errHas: "cần đúng một ngày âm lịch"},

		{name: "holidays 2026", args: []string{"calendar", "holidays", "2026"}, has: []string{
			"01/01/2026", "Tết Dương lịch",
			"16/02/2026", "20/02/2026", "Tết Âm lịch", "29/12/2025",
			"27/04/2026", "Nghỉ bù",
			"22/08/2026", "* Làm bù cho thứ Hai 31/08/2026",
			"31/08/2026", "Nghỉ hoán đổi dịp Quốc khánh",
			"02/09/2026", "Quốc khánh",
			"Tổng cộng: 12 ngày nghỉ, 1 ngày làm bù."}, notHave: "26/04/2026", errHas: "chưa có cơ sở dữ liệu"},
		{name: "holidays 2025: Tết placement", args: []string{"calendar", "holidays", "2025"}, has: []string{"27/01/2025", "31/01/2025", "02/05/2025", "26/04/2025"}, notHave: "03/02/2025"},
		{name: "holidays: two-digit year", args: []string{"calendar", "holidays", "26"}, code: 1, errHas: "bốn chữ số"},
		{name: "holidays: year out of range", args: []string{"calendar", "holidays", "2200"}, code: 1, errHas: "ngoài khoảng"},
		{name: "holidays: no year", args: []string{"calendar", "holidays"}, code: 2, errHas: "cần đúng một năm"},

		{name: "add: over the 2/9 break", args: []string{"calendar", "add", "2026-08-28", "1"}, out: "2026-09-03 (Thứ Năm)\n"},
		{name: "add: the worked Saturday", args: []string{"calendar", "add", "2026-08-21", "1"}, out: "2026-08-22 (Thứ Bảy)\n"},
		{name: "add: over Tết 2026", args: []string{"calendar", "add", "2026-02-13", "1"}, out: "2026-02-23 (Thứ Hai)\n"},
		{name: "add: backwards", args: []string{"calendar", "add", "2026-09-03", "-3"}, out: "2026-08-26 (Thứ Tư)\n"},
		{name: "add: zero days", args: []string{"calendar", "add", "2026-09-02", "0"}, out: "2026-09-02 (Thứ Tư)\n"},
		{name: "add: not a number", args: []string{"calendar", "add", "2026-08-28", "ba"}, code: 1, errHas: "số nguyên"},
		{name: "add: too many days", args: []string{"calendar", "add", "2026-08-28", "99999"}, code: 1, errHas: "quá lớn"},
		{name: "add: past the supported years", args: []string{"calendar", "add", "2199-12-30", "5"}, code: 1, errHas: "ngoài khoảng"},
		{name: "add: bad date", args: []string{"calendar", "add", "2026-02-30", "1"}, code: 1, errHas: "không tồn tại"},
		{name: "add: one argument", args: []string{"calendar", "add", "2026-08-28"}, code: 2, errHas: "cần một ngày và một số"},

		{name: "override list: the published schedules", args: []string{"calendar", "override", "list", "2026"}, has: []string{"—", "16/02/2026–20/02/2026", "Thứ Bảy 22/08/2026", "4 điều chỉnh."}},
		{name: "override: no subcommand", args: []string{"calendar", "override"}, code: 2, errHas: "list, add hoặc delete"},
		{name: "rule list: built-in rules", args: []string{"calendar", "rule", "list"}, has: []string{"hung_kings", "10/3 âm lịch", "tet", "1/1 âm lịch -1 ngày"}},
	})
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("a reading command created the data folder %s (%v)", data, err)
	}
}

// The override and rule commands store changes in the configured database
// (created and migrated as serve does); the reading commands then use them.
func TestCalendarCommandsWithDatabase(t *testing.T) {
	t.Setenv("CHINHQUYEN_LOG_LEVEL", "warn")
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var where []string
			if engine == "sqlite" {
				t.Setenv("CHINHQUYEN_DATABASE", "")
				where = []string{"--data", t.TempDir()}
			} else {
				url := dbtest.NewPostgresDatabase(t)
				t.Setenv("CHINHQUYEN_DATA", t.TempDir())
				where = []string{"--database", url}
			}
			with := func(args ...string) []string { return append(append([]string{"calendar"}, args...), where...) }
			runCalCases(t, []calCase{
				{name: "add a day off", args: with("override", "add", "--kind", "day_off", "--date", "2026-12-31", "--name", "Nghỉ thử cuối năm", "--source", "Văn bản thử"),
					has: []string{"Đã thêm điều chỉnh mã", "Thứ Năm 31/12/2026"}},
				{name: "the deadline moves", args: with("add", "2026-12-30", "1"), out: "2027-01-04 (Thứ Hai)\n"},
				{name: "holidays show it", args: with("holidays", "2026"), has: []string{"31/12/2026", "Nghỉ thử cuối năm", "Tổng cộng: 13 ngày nghỉ"}},
				{name: "list shows stored ids", args: with("override", "list", "2026"), has: []string{"Nghỉ thử cuối năm", "5 điều chỉnh."}, notHave: "—"},
				{name: "make-up day on a Monday", args: with("override", "add", "--kind", "workday", "--date", "2026-12-07", "--name", "Làm bù", "--source", "Văn bản thử"),
					code: 1, errHas: "thứ Hai, vốn đã là ngày làm việc"},
				{name: "second Tết 2026", args: with("override", "add", "--kind", "placement", "--rule", "tet", "--year", "2026", "--from", "2026-02-13", "--to", "2026-02-17", "--source", "X"),
					code: 1, errHas: "đã có lịch nghỉ"},
				{name: "missing date", args: with("override", "add", "--kind", "day_off", "--name", "X", "--source", "X"), code: 1, errHas: "Thiếu --date"},
				{name: "bad kind", args: with("override", "add", "--kind", "holiday"), code: 2, errHas: "--kind phải là"},
				{name: "delete a missing id", args: with("override", "delete", "99999"), code: 1, errHas: "Không có điều chỉnh lịch mã 99999"},
				{name: "delete a bad id", args: with("override", "delete", "abc"), code: 1, errHas: "không hợp lệ"},
				{name: "a new holiday by law", args: with("rule", "add", "--key", "culture_day", "--name", "Ngày Văn hóa Việt Nam", "--month", "11", "--day", "24", "--from-year", "2027", "--source", "Luật thử"),
					has: []string{"Đã thêm quy tắc culture_day", "từ 2027"}},
				{name: "holidays 2027 show it", args: with("holidays", "2027"), has: []string{"24/11/2027", "Ngày Văn hóa Việt Nam"}},
				{name: "rule list shows it", args: with("rule", "list"), has: []string{"culture_day (thêm)"}},
				{name: "bad rule key", args: with("rule", "add", "--key", "Culture Day", "--name", "X", "--month", "11", "--day", "24", "--source", "X"), code: 1, errHas: "Mã quy tắc"},
				{name: "delete the rule", args: with("rule", "delete", "culture_day"), has: []string{"Đã xoá quy tắc culture_day"}},
				{name: "delete a missing rule", args: with("rule", "delete", "culture_day"), code: 1, errHas: "Không có quy tắc"},
			})
			_, out, _ := calRun(t, with("override", "list", "2026")...)
			m := regexp.MustCompile(`(?m)^(\d+)\s+nghỉ\s+Thứ Năm 31/12/2026`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no id for the day off in:\n%s", out)
			}
			runCalCases(t, []calCase{
				{name: "delete the day off", args: with("override", "delete", m[1]), has: []string{fmt.Sprintf("Đã xoá điều chỉnh mã %s", m[1])}},
				{name: "the deadline is back", args: with("add", "2026-12-30", "1"), out: "2026-12-31 (Thứ Năm)\n"},
			})
		})
	}
}

// FuzzParseLunarArg checks that any argument is refused cleanly or read as
// the numbers it spells.
func FuzzParseLunarArg(f *testing.F) {
	for _, s := range []string{"10/3/2026", "1/1/2027", "31/2/2026", "15/6/2025", "//", "1/1/", "0/0/0000", "99/99/9999", "-1/3/2026", "1/3/20266", "١/٣/٢٠٢٦"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, leap bool) {
		l, err := parseLunarArg(s, leap)
		if err != nil {
			return
		}
		if got := fmt.Sprintf("%d/%d/%04d", l.Day, l.Month, l.Year); !sameNumbers(got, s) || l.Leap != leap {
			t.Fatalf("parseLunarArg(%q) = %+v", s, l)
		}
	})
}

// sameNumbers compares d/m/yyyy strings ignoring leading zeros of d and m.
func sameNumbers(a, b string) bool {
	trim := func(s string) string {
		p := strings.Split(s, "/")
		for i := 0; i < 2 && i < len(p); i++ {
			p[i] = strings.TrimLeft(p[i], "0")
		}
		return strings.Join(p, "/")
	}
	return trim(a) == trim(b)
}
