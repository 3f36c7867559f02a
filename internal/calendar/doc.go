// Package calendar is chinhquyen's calendar domain: civil dates in Vietnam
// time, the Vietnamese lunar calendar, statutory public holidays with their
// yearly overrides, working days, and the deadline clock used for dossiers.
//
// It is pure domain code: no database, no HTTP, no global clock. Holidays are
// data (Rule and Override values) so that a holiday created by a later law or
// a schedule announced by the Ministry of Home Affairs is added without a
// release; the store for those values is the sub-package calstore.
//
// # Lunar calendar
//
// SolarToLunar and LunarToSolar implement Hồ Ngọc Đức's published algorithm
// ("Âm lịch Việt Nam", informatik.uni-leipzig.de/~duc/amlich): new moons and
// the sun's longitude from the short series of Jean Meeus, "Astronomical
// Algorithms" (1998), evaluated for the meridian 105°E (UTC+7). A lunar month
// starts on the local day of the new moon; month 11 contains the winter
// solstice; in a 13-month year the first month after month 11 without a major
// solar term (trung khí) is the leap month. Because of UTC+7 the result is not
// the Chinese calendar (UTC+8): Tết 1985 is 21/01 here but 20/02 in China,
// Tết 2007 17/02 here but 18/02 in China.
//
// UTC+7 is used for every supported year. Historically Vietnam computed its
// calendar for UTC+8 until the North switched on 8 August 1967 (the South in
// 1975), so for lunar dates before 1968 this package can differ by one day
// from the calendar people actually used then (for Tết: 1903, 1935 and 1965;
// see testdata/README.md). Supported: solar dates 1900-01-01 to 2199-12-31.
//
// # Holidays and working days
//
// StatutoryRules lists the paid public holidays of the Labour Code 2019
// (45/2019/QH14) art. 112; a Calendar combines rules, yearly Overrides
// (placements announced by the government, extra days off, Saturdays worked)
// and a Config (office hours, weekly rest days, receipt cut-off), and answers
// working-day questions. See Calendar for the counting rules.
package calendar
