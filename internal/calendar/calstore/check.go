package calstore

import (
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
)

// normalizeOverride cleans the text of o, drops the fields its kind does not
// use (a form sends them all) and checks it on its own.
func normalizeOverride(o calendar.Override) (calendar.Override, error) {
	var err error
	switch o.Kind {
	case calendar.DayOff, calendar.Workday:
		o.RuleKey, o.Year, o.From, o.To = "", 0, calendar.Date{}, calendar.Date{}
	case calendar.Placement:
		o.Date = calendar.Date{}
	}
	if o.NameVI, err = cleanText("name_vi", "Tên (tiếng Việt)", o.NameVI, maxNameLen, false); err != nil {
		return o, err
	}
	if o.NameEN, err = cleanText("name_en", "Tên (tiếng Anh)", o.NameEN, maxNameLen, false); err != nil {
		return o, err
	}
	if o.Source, err = cleanText("source", "Văn bản công bố (nguồn)", o.Source, maxSourceLen, true); err != nil {
		return o, err
	}
	if o.RuleKey, err = cleanText("rule_key", "Ngày lễ", o.RuleKey, maxKeyLen, false); err != nil {
		return o, err
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	return o, nil
}

// check decides whether o (replacing the override with id self, 0 for a new
// one) fits the calendar of st, with the office settings cfg:
//
//   - a placement names a rule in force that year, has exactly the rule's
//     number of days, is the only placement of that rule and year, and
//     overlaps no other placement and no day override;
//   - a day override is the only one on its day and lies in no placement;
//   - a Workday is a weekly rest day (a Saturday or Sunday by default) that
//     is not a holiday or compensatory day;
//   - a DayOff is a day that would otherwise be a working day;
//   - the whole set builds a calendar (calendar.New).
//
// It returns o with a missing name of a placement taken from its rule. Errors: EINVALID for
// an override that is wrong in itself, ECONFLICT for one that collides with
// another, both with a Vietnamese message.
func (st *state) check(o calendar.Override, self int64, cfg calendar.Config) (calendar.Override, error) {
	others := st.without(self)
	rules := st.rules()
	switch o.Kind {
	case calendar.Placement:
		r, ok := st.rule(o.RuleKey)
		switch {
		case !ok:
			return o, apperr.FieldError("rule_key", "Ngày lễ %q không tồn tại.", o.RuleKey)
		case !r.AppliesIn(o.Year):
			return o, apperr.FieldError("year", "Ngày lễ %s không áp dụng năm %d.", r.NameVI, o.Year)
		}
		if n := o.To.Sub(o.From) + 1; n != r.Days {
			return o, apperr.FieldError("to",
				"Lịch nghỉ %s năm %d phải có đúng %d ngày nghỉ theo quy định (đã nhập %d ngày, %s–%s). Ngày nghỉ thêm hoặc hoán đổi hãy nhập thành điều chỉnh riêng (nghỉ hoán đổi, làm bù).",
				r.NameVI, o.Year, r.Days, n, o.From.VN(), o.To.VN())
		}
		for _, p := range others {
			switch {
			case p.Kind == calendar.Placement && p.RuleKey == o.RuleKey && p.Year == o.Year:
				return o, apperr.New(apperr.Conflict, "Ngày lễ %s năm %d đã có lịch nghỉ (mã %d, %s–%s): hãy sửa lịch đó thay vì thêm lịch mới.",
					r.NameVI, o.Year, p.ID, p.From.VN(), p.To.VN())
			case p.Kind == calendar.Placement && !p.From.After(o.To) && !o.From.After(p.To):
				return o, apperr.New(apperr.Conflict, "Lịch nghỉ %s–%s trùng với lịch nghỉ %s năm %d (%s–%s).",
					o.From.VN(), o.To.VN(), nameOf(p.Override, rules), p.Year, p.From.VN(), p.To.VN())
			case p.Kind != calendar.Placement && !p.Date.Before(o.From) && !p.Date.After(o.To):
				return o, apperr.New(apperr.Conflict, "Ngày %s trong lịch nghỉ đã có điều chỉnh khác: %s.",
					p.Date.VN(), p.NameVI)
			}
		}
		if o.NameVI == "" {
			o.NameVI = r.NameVI
		}
		if o.NameEN == "" {
			o.NameEN = r.NameEN
		}
	case calendar.DayOff, calendar.Workday:
		for _, p := range others {
			switch {
			case p.Kind != calendar.Placement && p.Date == o.Date:
				return o, apperr.New(apperr.Conflict, "Ngày %s đã có điều chỉnh (mã %d: %s): hãy sửa hoặc xoá điều chỉnh đó.",
					o.Date.VN(), p.ID, p.NameVI)
			case p.Kind == calendar.Placement && !o.Date.Before(p.From) && !o.Date.After(p.To):
				return o, apperr.New(apperr.Conflict, "Ngày %s nằm trong lịch nghỉ %s năm %d (%s–%s).",
					o.Date.VN(), nameOf(p.Override, rules), p.Year, p.From.VN(), p.To.VN())
			}
		}
		base, err := calendar.New(rules, overridesOf(others), cfg)
		if err != nil {
			return o, err
		}
		info := base.DayInfo(o.Date)
		wd := weekdayVI[o.Date.Weekday()]
		switch {
		case o.Kind == calendar.Workday && info.Working:
			return o, apperr.FieldError("date",
				"Ngày làm bù %s là %s, vốn đã là ngày làm việc: chỉ đổi được một ngày nghỉ hằng tuần (thứ Bảy, Chủ nhật) thành ngày làm việc.",
				o.Date.VN(), wd)
		case o.Kind == calendar.Workday && info.Reason != calendar.ReasonWeeklyRest:
			return o, apperr.FieldError("date", "Ngày %s (%s) là ngày nghỉ %s: không thể làm bù vào ngày lễ, ngày nghỉ bù.",
				o.Date.VN(), wd, info.NameVI)
		case o.Kind == calendar.DayOff && !info.Working:
			return o, apperr.FieldError("date", "Ngày %s (%s) đã là ngày nghỉ (%s): không cần điều chỉnh.",
				o.Date.VN(), wd, info.NameVI)
		}
	}
	_, err := calendar.New(rules, append(overridesOf(others), o), cfg)
	return o, err
}

// checkRules decides whether the stored rules after a change (extra) still
// fit the stored overrides: every placement names a rule in force that year
// with its number of days, and the whole set builds a calendar.
func (st *state) checkRules(extra []calendar.Rule, cfg calendar.Config) error {
	rules := calendar.MergeRules(calendar.StatutoryRules(), extra)
	byKey := make(map[string]calendar.Rule, len(rules))
	for _, r := range rules {
		byKey[r.Key] = r
	}
	for _, p := range st.overs {
		if p.Kind != calendar.Placement {
			continue
		}
		r, ok := byKey[p.RuleKey]
		switch {
		case !ok:
			return apperr.New(apperr.Conflict, "Lịch nghỉ năm %d (mã %d, %s–%s) dùng ngày lễ %q: hãy xoá lịch đó trước.",
				p.Year, p.ID, p.From.VN(), p.To.VN(), p.RuleKey)
		case !r.AppliesIn(p.Year) || p.To.Sub(p.From)+1 != r.Days:
			return apperr.New(apperr.Conflict, "Lịch nghỉ %s năm %d (mã %d, %s–%s) không còn khớp quy tắc mới: hãy sửa hoặc xoá lịch đó trước.",
				r.NameVI, p.Year, p.ID, p.From.VN(), p.To.VN())
		}
	}
	_, err := calendar.New(rules, st.overrides(), cfg)
	return err
}

func overridesOf(os []Override) []calendar.Override {
	out := make([]calendar.Override, len(os))
	for i, o := range os {
		out[i] = o.Override
	}
	return out
}

// nameOf returns the label of a placement: its own name or its rule's.
func nameOf(o calendar.Override, rules []calendar.Rule) string {
	if o.NameVI != "" {
		return o.NameVI
	}
	for _, r := range rules {
		if r.Key == o.RuleKey {
			return r.NameVI
		}
	}
	return o.RuleKey
}

var weekdayVI = [7]string{"Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy"}
