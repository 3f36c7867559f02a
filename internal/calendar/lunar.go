package calendar

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// LunarDate is a date in the Vietnamese lunar calendar (âm lịch).
type LunarDate struct {
	Day   int  // 1..30
	Month int  // 1..12
	Year  int  // the lunar year, numbered like the solar year in which its Tết falls
	Leap  bool // true for the intercalary month that repeats Month (tháng nhuận)
}

// String formats l as day/month/year, with " nhuận" after the month of a
// leap month: "10/3/2026", "15/4 nhuận/2020". It reads as Vietnamese
// ("ngày 15 tháng 4 nhuận năm 2020") and no zero padding is used, as in
// printed Vietnamese calendars.
func (l LunarDate) String() string {
	if l.Leap {
		return fmt.Sprintf("%d/%d nhuận/%d", l.Day, l.Month, l.Year)
	}
	return fmt.Sprintf("%d/%d/%d", l.Day, l.Month, l.Year)
}

// The meridian of the Vietnamese calendar, as hours east of UTC.
const timeZone = 7.0

// SolarToLunar converts a solar date to the Vietnamese lunar calendar. It
// returns an EINVALID error if d is not a valid date in MinYear..MaxYear.
func SolarToLunar(d Date) (LunarDate, error) {
	if !d.IsValid() {
		return LunarDate{}, apperr.New(apperr.Invalid, "Ngày %d/%d/%d không hợp lệ hoặc nằm ngoài khoảng %d–%d.", d.Day, int(d.Month), d.Year, MinYear, MaxYear)
	}
	return lunarOfJDN(d.jdn()), nil
}

// lunarOfJDN converts a day number within the supported range.
func lunarOfJDN(jd int) LunarDate {
	// The span numbered y+1 starts on month 11 of lunar year y, which starts
	// in late November or December of solar year y.
	y := dateFromJDN(jd).Year
	s := spanOf(y)
	if jd >= int(s.end) {
		s = spanOf(y + 1)
	}
	i := int(s.n) - 1
	for int(s.months[i].start) > jd {
		i--
	}
	m := s.months[i]
	return LunarDate{Day: jd - int(m.start) + 1, Month: int(m.month), Year: int(m.year), Leap: m.leap}
}

// LunarToSolar converts a lunar date to a solar date. It returns an EINVALID
// error if l does not exist (a leap month that the year does not have, day 30
// of a 29-day month, month 13…) or its solar date is outside
// MinYear..MaxYear.
func LunarToSolar(l LunarDate) (Date, error) {
	jd, err := jdnOfLunar(l)
	if err != nil {
		return Date{}, err
	}
	d := dateFromJDN(jd)
	if !d.IsValid() {
		return Date{}, apperr.New(apperr.Invalid, "Ngày âm lịch %s ứng với ngày dương lịch nằm ngoài khoảng %d–%d.", l, MinYear, MaxYear)
	}
	return d, nil
}

func jdnOfLunar(l LunarDate) (int, error) {
	if l.Month < 1 || l.Month > 12 {
		return 0, apperr.New(apperr.Invalid, "Tháng âm lịch %d không hợp lệ: tháng phải từ 1 đến 12.", l.Month)
	}
	if l.Day < 1 || l.Day > 30 {
		return 0, apperr.New(apperr.Invalid, "Ngày âm lịch %d không hợp lệ: ngày phải từ 1 đến 30.", l.Day)
	}
	// Months 11 and 12 (and a leap 11 or 12) belong to the span that
	// starts at month 11 of year l.Year, i.e. span l.Year+1.
	sy := l.Year
	if l.Month >= 11 {
		sy++
	}
	if sy < MinYear || sy > MaxYear+1 {
		return 0, apperr.New(apperr.Invalid, "Năm âm lịch %d nằm ngoài khoảng được hỗ trợ (%d–%d).", l.Year, MinYear, MaxYear)
	}
	s := spanOf(sy)
	for i := 0; i < int(s.n); i++ {
		m := s.months[i]
		if int(m.month) != l.Month || m.leap != l.Leap {
			continue
		}
		next := s.end
		if i+1 < int(s.n) {
			next = s.months[i+1].start
		}
		if length := int(next - m.start); l.Day > length {
			return 0, apperr.New(apperr.Invalid, "Tháng %s năm %d âm lịch chỉ có %d ngày.", monthLabel(l.Month, l.Leap), l.Year, length)
		}
		return int(m.start) + l.Day - 1, nil
	}
	if l.Leap {
		return 0, apperr.New(apperr.Invalid, "Năm %d âm lịch không có tháng %d nhuận.", l.Year, l.Month)
	}
	return 0, apperr.Wrap(fmt.Errorf("month %d of lunar year %d missing from span %d", l.Month, l.Year, sy),
		apperr.Internal, "Không tính được ngày âm lịch %s.", l)
}

func monthLabel(m int, leap bool) string {
	if leap {
		return fmt.Sprintf("%d nhuận", m)
	}
	return fmt.Sprint(m)
}

// LeapMonth returns the leap month of lunar year y (the month number that is
// repeated, e.g. 6 for 2025), or 0 if y has no leap month. A leap 11 or 12 is
// reported for the lunar year it belongs to. It returns an EINVALID error if
// y is outside the supported range.
func LeapMonth(y int) (int, error) {
	if y < MinYear || y > MaxYear {
		return 0, apperr.New(apperr.Invalid, "Năm âm lịch %d nằm ngoài khoảng được hỗ trợ (%d–%d).", y, MinYear, MaxYear)
	}
	for _, sy := range [2]int{y, y + 1} {
		s := spanOf(sy)
		for i := 0; i < int(s.n); i++ {
			if m := s.months[i]; m.leap && int(m.year) == y {
				return int(m.month), nil
			}
		}
	}
	return 0, nil
}

// lunarMonth is one month of a span.
type lunarMonth struct {
	start int32 // Julian day number of day 1 (the local day of the new moon)
	year  int16 // lunar year
	month int8  // 1..12
	leap  bool
}

// span holds the lunar months from month 11 of lunar year Y-1 (which
// contains the winter solstice of solar year Y-1) up to, not including,
// month 11 of lunar year Y. It is the unit in which the algorithm decides
// leap months, and what the cache keeps.
type span struct {
	months [13]lunarMonth
	n      int8  // 12, or 13 with a leap month
	end    int32 // start of month 11 of lunar year Y (the next span)
}

// spans caches the spans MinYear..MaxYear+1; computing one costs a few dozen
// evaluations of the astronomical series, so each is computed once, on first
// use. Results are deterministic, so two goroutines racing to fill a slot
// store equal values.
var spans [MaxYear - MinYear + 2]atomic.Pointer[span]

func spanOf(y int) *span {
	slot := &spans[y-MinYear]
	if s := slot.Load(); s != nil {
		return s
	}
	s := computeSpan(y)
	slot.Store(s)
	return s
}

func computeSpan(y int) *span {
	a11 := lunarMonth11(y - 1)
	b11 := lunarMonth11(y)
	k := int(math.Floor((float64(a11)-2415021.076998695)/29.530588853 + 0.5))
	s := &span{n: 12, end: int32(b11)}
	leapOff := -1
	if b11-a11 > 365 {
		s.n = 13
		leapOff = leapMonthOffset(a11)
	}
	year := y - 1
	for i := 0; i < int(s.n); i++ {
		// Offsets 0 and 1 are months 11 and 12; after the leap month the
		// numbering lags by one.
		num, leap := 11+i, false
		if leapOff >= 0 && i >= leapOff {
			num--
			leap = i == leapOff
		}
		if num > 12 {
			num -= 12
		}
		if num == 1 && !leap {
			year = y
		}
		start := newMoonDay(k + i)
		if i == 0 {
			start = a11
		}
		s.months[i] = lunarMonth{start: int32(start), year: int16(year), month: int8(num), leap: leap}
	}
	return s
}

// newMoon returns the moment (Julian day, UT) of the k-th new moon after
// the one of 1900-01-01 13:52 UT, per Meeus ch. 49 in the abbreviated form
// that Hồ Ngọc Đức publishes, with his ΔT approximation.
func newMoon(k int) float64 {
	const dr = math.Pi / 180
	kf := float64(k)
	t := kf / 1236.85 // Julian centuries from 1900 January 0.5
	t2 := t * t
	t3 := t2 * t
	jd1 := 2415020.75933 + 29.53058868*kf + 0.0001178*t2 - 0.000000155*t3
	jd1 += 0.00033 * math.Sin((166.56+132.87*t-0.009173*t2)*dr)
	m := 359.2242 + 29.10535608*kf - 0.0000333*t2 - 0.00000347*t3    // sun's mean anomaly
	mpr := 306.0253 + 385.81691806*kf + 0.0107306*t2 + 0.00001236*t3 // moon's mean anomaly
	f := 21.2964 + 390.67050646*kf - 0.0016528*t2 - 0.00000239*t3    // moon's argument of latitude
	c1 := (0.1734-0.000393*t)*math.Sin(m*dr) + 0.0021*math.Sin(2*dr*m)
	c1 = c1 - 0.4068*math.Sin(mpr*dr) + 0.0161*math.Sin(dr*2*mpr)
	c1 = c1 - 0.0004*math.Sin(dr*3*mpr)
	c1 = c1 + 0.0104*math.Sin(dr*2*f) - 0.0051*math.Sin(dr*(m+mpr))
	c1 = c1 - 0.0074*math.Sin(dr*(m-mpr)) + 0.0004*math.Sin(dr*(2*f+m))
	c1 = c1 - 0.0004*math.Sin(dr*(2*f-m)) - 0.0006*math.Sin(dr*(2*f+mpr))
	c1 = c1 + 0.0010*math.Sin(dr*(2*f-mpr)) + 0.0005*math.Sin(dr*(2*mpr+m))
	var deltaT float64
	if t < -11 {
		deltaT = 0.001 + 0.000839*t + 0.0002261*t2 - 0.00000845*t3 - 0.000000081*t*t3
	} else {
		deltaT = -0.000278 + 0.000265*t + 0.000262*t2
	}
	return jd1 + c1 - deltaT
}

// sunLongitude returns the sun's apparent longitude in radians, 0..2π, at
// the moment jdn (Julian day, UT), per Meeus ch. 25 (low accuracy).
func sunLongitude(jdn float64) float64 {
	const dr = math.Pi / 180
	t := (jdn - 2451545.0) / 36525 // Julian centuries from J2000.0
	t2 := t * t
	m := 357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2 // mean anomaly
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2                  // mean longitude
	dl := (1.914600 - 0.004817*t - 0.000014*t2) * math.Sin(dr*m)
	dl += (0.019993-0.000101*t)*math.Sin(dr*2*m) + 0.000290*math.Sin(dr*3*m)
	l := (l0 + dl) * dr
	return l - 2*math.Pi*math.Floor(l/(2*math.Pi))
}

// newMoonDay returns the Julian day number of the local (UTC+7) day that
// contains the k-th new moon.
func newMoonDay(k int) int {
	return int(math.Floor(newMoon(k) + 0.5 + timeZone/24))
}

// sunSector returns which 30° sector (0..11) of the ecliptic the sun is in at
// local midnight starting day jdn. Sector changes are the major solar terms.
func sunSector(jdn int) int {
	return int(math.Floor(sunLongitude(float64(jdn)-0.5-timeZone/24) / math.Pi * 6))
}

// lunarMonth11 returns the day number on which month 11 of lunar year y
// starts: the new moon day on or before the winter solstice of solar year y.
func lunarMonth11(y int) int {
	off := Date{y, 12, 31}.jdn() - 2415021
	k := int(math.Floor(float64(off) / 29.530588853))
	nm := newMoonDay(k)
	if sunSector(nm) >= 9 { // the sun is already past 270°: the solstice was in the previous month
		nm = newMoonDay(k - 1)
	}
	return nm
}

// leapMonthOffset returns the offset from month 11 (starting on a11) of the
// first month without a major solar term, in a span of 13 months.
func leapMonthOffset(a11 int) int {
	k := int(math.Floor((float64(a11)-2415021.076998695)/29.530588853 + 0.5))
	i := 1
	arc := sunSector(newMoonDay(k + i))
	for {
		last := arc
		i++
		arc = sunSector(newMoonDay(k + i))
		if arc == last || i >= 14 {
			break
		}
	}
	return i - 1
}
