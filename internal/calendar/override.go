package calendar

import (
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// OverrideKind says what an Override changes.
type OverrideKind string

// The kinds of yearly overrides. The string values are stored in the database.
const (
	// DayOff makes Date a day off (e.g. a weekday swapped to bridge a holiday).
	DayOff OverrideKind = "day_off"
	// Workday makes Date a working day (e.g. the Saturday worked in exchange).
	Workday OverrideKind = "workday"
	// Placement replaces the days of rule RuleKey in year Year by From..To
	// (e.g. the Tết days announced for civil servants).
	Placement OverrideKind = "placement"
)

// Override is a change to one year's calendar announced by the government
// (for civil servants: the Prime Minister's decision relayed by the Ministry
// of Home Affairs). A swap is two overrides: a DayOff and a Workday.
type Override struct {
	Kind        OverrideKind // what is changed
	Date        Date         // DayOff, Workday: the day changed
	RuleKey     string       // Placement: the rule whose days are replaced
	Year        int          // Placement: the rule's year (the lunar year for a lunar rule)
	From, To    Date         // Placement: the days off replacing the default ones, inclusive
	NameVI      string       // Vietnamese label shown for the day, e.g. "Nghỉ hoán đổi dịp Quốc khánh"
	NameEN      string       // English label
	Source      string       // the announcement, e.g. "Thông báo 9441/TB-BNV"
	Unconfirmed bool         // true while no text of the announcement has been seen ([U] in the research notes)
}

// maxPlacementDays bounds a placement; the longest statutory holiday is 5 days.
const maxPlacementDays = 31

// Validate returns an EINVALID error (Vietnamese message, Field set) if o is
// not usable on its own. Whether RuleKey names a known rule, and whether
// overrides conflict, is checked by New.
func (o Override) Validate() error {
	switch o.Kind {
	case DayOff, Workday:
		if !o.Date.IsValid() {
			return apperr.FieldError("date", "Ngày điều chỉnh %s không hợp lệ.", o.Date)
		}
		if strings.TrimSpace(o.NameVI) == "" {
			return apperr.FieldError("name_vi", "Ngày điều chỉnh %s phải có tên hoặc lý do.", o.Date.VN())
		}
	case Placement:
		switch {
		case strings.TrimSpace(o.RuleKey) == "":
			return apperr.FieldError("rule_key", "Lịch nghỉ phải ghi rõ ngày lễ được thay thế.")
		case o.Year < MinYear || o.Year > MaxYear:
			return apperr.FieldError("year", "Năm %d nằm ngoài khoảng được hỗ trợ (%d–%d).", o.Year, MinYear, MaxYear)
		case !o.From.IsValid() || !o.To.IsValid():
			return apperr.FieldError("from", "Lịch nghỉ %s năm %d: ngày bắt đầu hoặc kết thúc không hợp lệ.", o.RuleKey, o.Year)
		case o.To.Before(o.From):
			return apperr.FieldError("to", "Lịch nghỉ %s năm %d: ngày kết thúc trước ngày bắt đầu.", o.RuleKey, o.Year)
		case o.To.Sub(o.From) >= maxPlacementDays:
			return apperr.FieldError("to", "Lịch nghỉ %s năm %d dài quá %d ngày.", o.RuleKey, o.Year, maxPlacementDays)
		case o.From.Year < o.Year-1 || o.To.Year > o.Year+1:
			return apperr.FieldError("from", "Lịch nghỉ %s năm %d nằm quá xa năm đó.", o.RuleKey, o.Year)
		}
	default:
		return apperr.FieldError("kind", "Loại điều chỉnh %q không được hỗ trợ.", string(o.Kind))
	}
	return nil
}

// Published2025_2026 returns the national schedules announced for civil
// servants for 2025 and 2026, for the override store to seed. Sources are
// listed in docs/calendar-sources.md;
// entries not confirmed by a published text are marked Unconfirmed. Placements that merely
// confirm the default placement are included on purpose: they pin the
// announced days even if a default rule changes later. Entries derived by
// law rather than announced (the compensatory day for Hùng Kings 2026 on
// Mon 27/04/2026, 30/4–1/5/2026 on Thu–Fri, 1/1/2026 on Thu) need no
// override: the rules produce them.
func Published2025_2026() []Override {
	d := func(y, m, day int) Date { return Date{y, time.Month(m), day} }
	return []Override{
		// Tết 2025: off Sat 25/01 – Sun 02/02/2025 (26 Chạp – mùng 5); the five
		// statutory days are Mon 27/01 – Fri 31/01 (28 Chạp – mùng 3).
		// [C] ds:1048c435257f9932, quoting the Ministry of Home Affairs notice.
		{Kind: Placement, RuleKey: KeyTet, Year: 2025, From: d(2025, 1, 27), To: d(2025, 1, 31),
			NameVI: "Tết Âm lịch", NameEN: "Lunar New Year (Tết)",
			Source: "Thông báo của Bộ Nội vụ về lịch nghỉ Tết Ất Tỵ 2025 (ds:1048c435257f9932)"},

		// 30/4–1/5/2025: off Wed 30/04 – Sun 04/05/2025, Fri 02/05 swapped
		// with Sat 26/04. [U] from memory, no text found.
		{Kind: DayOff, Date: d(2025, 5, 2),
			NameVI: "Nghỉ hoán đổi dịp 30/4–1/5 (làm bù thứ Bảy 26/04/2025)", NameEN: "Swapped day off (30 April – 1 May)",
			Source: "Lịch nghỉ 30/4–1/5/2025 cho công chức, viên chức (chưa xác minh văn bản)", Unconfirmed: true},
		{Kind: Workday, Date: d(2025, 4, 26),
			NameVI: "Làm bù cho thứ Sáu 02/05/2025", NameEN: "Make-up working day for Fri 2 May 2025",
			Source: "Lịch nghỉ 30/4–1/5/2025 cho công chức, viên chức (chưa xác minh văn bản)", Unconfirmed: true},

		// 2/9/2025: holidays Mon 01/09 + Tue 02/09 (off Sat 30/08 – Tue 02/09).
		// [U]. Same days as the default placement.
		{Kind: Placement, RuleKey: KeyNationalDayExtra, Year: 2025, From: d(2025, 9, 1), To: d(2025, 9, 1),
			NameVI: "Quốc khánh (ngày liền kề)", NameEN: "National Day (adjacent day)",
			Source: "Lịch nghỉ Quốc khánh 2025 cho công chức, viên chức (chưa xác minh văn bản)", Unconfirmed: true},

		// Tết 2026: off Sat 14/02 – Sun 22/02/2026 (27 Chạp – mùng 6); the five
		// statutory days are Mon 16/02 – Fri 20/02 (29 Chạp – mùng 4), the same
		// as the default placement. [C] VPCP letter 9859/VPCP-KGVX approving
		// MoHA letter 8764/BNV-CVL (01/10/2025); MoHA notice 9441/TB-BNV
		// (ds:0c003c385f333f76, ds:e047808a7048ad30; Lai Châu 6620/UBND-VX
		// ds:0883d031bf7e23f9).
		{Kind: Placement, RuleKey: KeyTet, Year: 2026, From: d(2026, 2, 16), To: d(2026, 2, 20),
			NameVI: "Tết Âm lịch", NameEN: "Lunar New Year (Tết)",
			Source: "Thông báo 9441/TB-BNV; Công văn 9859/VPCP-KGVX"},

		// 2/9/2026: holidays Tue 01/09 + Wed 02/09; Mon 31/08 swapped with
		// Sat 22/08/2026, so off Sat 29/08 – Wed 02/09. [C] Lai Châu letter
		// 6620/UBND-VX (24/10/2025) applying the national plan (ds:0883d031bf7e23f9).
		{Kind: Placement, RuleKey: KeyNationalDayExtra, Year: 2026, From: d(2026, 9, 1), To: d(2026, 9, 1),
			NameVI: "Quốc khánh (ngày liền kề)", NameEN: "National Day (adjacent day)",
			Source: "Công văn 6620/UBND-VX tỉnh Lai Châu (24/10/2025), áp dụng phương án nghỉ năm 2026 của Chính phủ"},
		{Kind: DayOff, Date: d(2026, 8, 31),
			NameVI: "Nghỉ hoán đổi dịp Quốc khánh (làm bù thứ Bảy 22/08/2026)", NameEN: "Swapped day off (National Day)",
			Source: "Công văn 6620/UBND-VX tỉnh Lai Châu (24/10/2025), áp dụng phương án nghỉ năm 2026 của Chính phủ"},
		{Kind: Workday, Date: d(2026, 8, 22),
			NameVI: "Làm bù cho thứ Hai 31/08/2026", NameEN: "Make-up working day for Mon 31 August 2026",
			Source: "Công văn 6620/UBND-VX tỉnh Lai Châu (24/10/2025), áp dụng phương án nghỉ năm 2026 của Chính phủ"},
	}
}
