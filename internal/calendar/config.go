package calendar

import (
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Config holds the office settings a Calendar counts with. Zero fields take
// the value of DefaultConfig, so Config{CutOff: HM(12, 0)} is valid.
type Config struct {
	MorningStart   TimeOfDay      // office opens, e.g. 07:30
	MorningEnd     TimeOfDay      // lunch break starts, e.g. 11:30
	AfternoonStart TimeOfDay      // lunch break ends, e.g. 13:30
	AfternoonEnd   TimeOfDay      // office closes, e.g. 17:00; due moments are at this time
	CutOff         TimeOfDay      // a dossier received after this time counts from the next working day
	WeeklyRest     []time.Weekday // weekly rest days (nghỉ hằng tuần), e.g. Saturday and Sunday
}

// DefaultConfig returns the settings of a state office working the 40-hour
// week of Decision 188/1999/QĐ-TTg (Saturday and Sunday off): 07:30–11:30
// and 13:30–17:00, receipt cut-off 15:00.
//
// The 15:00 cut-off is the rule written in many same-day procedures ("trả
// trong ngày; nếu nhận sau 15 giờ thì trả vào ngày làm việc tiếp theo",
// docs/calendar-sources.md, not yet confirmed in Decree 118/2025), so
// every counting method takes a per-procedure cut-off on each call.
// Office hours differ by province and season; set them from configuration.
func DefaultConfig() Config {
	return Config{
		MorningStart:   HM(7, 30),
		MorningEnd:     HM(11, 30),
		AfternoonStart: HM(13, 30),
		AfternoonEnd:   HM(17, 0),
		CutOff:         HM(15, 0),
		WeeklyRest:     []time.Weekday{time.Saturday, time.Sunday},
	}
}

// withDefaults returns c with its zero fields taken from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MorningStart == 0 {
		c.MorningStart = d.MorningStart
	}
	if c.MorningEnd == 0 {
		c.MorningEnd = d.MorningEnd
	}
	if c.AfternoonStart == 0 {
		c.AfternoonStart = d.AfternoonStart
	}
	if c.AfternoonEnd == 0 {
		c.AfternoonEnd = d.AfternoonEnd
	}
	if c.CutOff == 0 {
		c.CutOff = d.CutOff
	}
	if len(c.WeeklyRest) == 0 {
		c.WeeklyRest = d.WeeklyRest
	}
	return c
}

// Validate returns an EINVALID error if c, after defaults are applied, is
// not usable: office hours out of order, a cut-off outside office hours, or
// no working weekday.
func (c Config) Validate() error {
	c = c.withDefaults()
	for _, t := range []TimeOfDay{c.MorningStart, c.MorningEnd, c.AfternoonStart, c.AfternoonEnd, c.CutOff} {
		if !t.IsValid() {
			return apperr.FieldError("office_hours", "Giờ %d không hợp lệ.", int(t))
		}
	}
	if !(c.MorningStart < c.MorningEnd && c.MorningEnd <= c.AfternoonStart && c.AfternoonStart < c.AfternoonEnd) {
		return apperr.FieldError("office_hours", "Giờ làm việc phải theo thứ tự: %s < %s ≤ %s < %s.",
			c.MorningStart, c.MorningEnd, c.AfternoonStart, c.AfternoonEnd)
	}
	if err := c.checkCutOff(c.CutOff); err != nil {
		return err
	}
	var rest [7]bool
	for _, w := range c.WeeklyRest {
		if w < time.Sunday || w > time.Saturday {
			return apperr.FieldError("weekly_rest", "Ngày nghỉ hằng tuần %d không hợp lệ.", int(w))
		}
		rest[w] = true
	}
	for _, r := range rest {
		if !r {
			return nil
		}
	}
	return apperr.FieldError("weekly_rest", "Phải có ít nhất một ngày làm việc trong tuần.")
}

func (c Config) checkCutOff(t TimeOfDay) error {
	if t <= c.MorningStart || t > c.AfternoonEnd {
		return apperr.FieldError("cut_off", "Giờ chốt tiếp nhận %s phải sau giờ bắt đầu làm việc (%s) và không muộn hơn giờ kết thúc (%s).",
			t, c.MorningStart, c.AfternoonEnd)
	}
	return nil
}
