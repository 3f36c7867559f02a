package calendar

// The ten heavenly stems (can) and twelve earthly branches (chi).
var (
	stems    = [10]string{"Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"}
	branches = [12]string{"Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"}
)

// CanChi returns the stem-branch name of a lunar year, e.g. 2026 → "Bính Ngọ",
// 2025 → "Ất Tỵ". It is defined for every year (the cycle repeats every 60).
func CanChi(lunarYear int) string {
	return stems[floorMod(lunarYear+6, 10)] + " " + branches[floorMod(lunarYear+8, 12)]
}

// MonthCanChi returns the stem-branch name of the lunar month of l, e.g.
// month 1 of 2026 → "Canh Dần". Month 1 is always a Dần month and the stem
// follows the year's stem. A leap month has no name of its own in the
// tradition; by the convention of Hồ Ngọc Đức's calendar it is given the name
// of the regular month it repeats.
func (l LunarDate) MonthCanChi() string {
	return stems[floorMod(l.Year*12+l.Month+3, 10)] + " " + branches[floorMod(l.Month+1, 12)]
}

// DayCanChi returns the stem-branch name of the day d, e.g. 2000-01-01 →
// "Mậu Ngọ". It counts days continuously, so it does not depend on the lunar
// calendar.
func (d Date) DayCanChi() string {
	jd := d.jdn()
	return stems[floorMod(jd+9, 10)] + " " + branches[floorMod(jd+1, 12)]
}
