package calendar_test

import (
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

func ExampleSolarToLunar() {
	d, _ := calendar.ParseVN("26/4/2026")
	l, _ := calendar.SolarToLunar(d)
	fmt.Println(l, calendar.CanChi(l.Year))
	// Output: 10/3/2026 Bính Ngọ
}

// A store builds the calendar from the built-in rules, the rules and
// overrides it keeps, and the office configuration.
func ExampleCalendar_AddWorkingDays() {
	var storedRules []calendar.Rule // from the database
	cal, err := calendar.New(
		calendar.MergeRules(calendar.StatutoryRules(), storedRules),
		calendar.Published2025_2026(),
		calendar.DefaultConfig(),
	)
	if err != nil {
		panic(err)
	}
	received := time.Date(2026, 8, 28, 9, 0, 0, 0, locale.VN) // Friday before the 2/9 break
	fmt.Println(locale.FormatDateTime(cal.AddWorkingDays(received, 1)))
	for _, h := range cal.Holidays(2026)[9:] {
		fmt.Println(h.Date.VN(), h.NameVI)
	}
	// Output:
	// 17:00 03/09/2026
	// 31/08/2026 Nghỉ hoán đổi dịp Quốc khánh (làm bù thứ Bảy 22/08/2026)
	// 01/09/2026 Quốc khánh (ngày liền kề)
	// 02/09/2026 Quốc khánh
}
