package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

func init() {
	register(&command{name: "calendar override", summary: "lịch nghỉ hằng năm: calendar override list [YYYY] | add … | delete ID", run: calendarOverride})
	register(&command{name: "calendar rule", summary: "quy tắc ngày lễ (ngày lễ mới theo luật): calendar rule list | add … | delete KEY", run: calendarRule})
}

// openCalendarForChange opens the platform (creating and migrating the
// database as serve does, and applying the shipped schedules) for a change
// made at the shell, which acts as the system: access allows it and every
// change is audited.
func openCalendarForChange(ctx context.Context, cfg *app.Config) (*app.App, context.Context, *actor.Actor, error) {
	a, ctx, operator, err := openOperator(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := a.Calendar.Seed(ctx); err != nil {
		a.Close()
		return nil, nil, nil, err
	}
	return a, ctx, operator, nil
}

func calendarOverride(ctx context.Context, e *env, args []string) error {
	sub, rest := "", args
	if len(args) > 0 {
		sub, rest = args[0], args[1:]
	}
	switch sub {
	case "list":
		return calendarOverrideList(ctx, e, rest)
	case "add":
		return calendarOverrideAdd(ctx, e, rest)
	case "delete":
		return calendarOverrideDelete(ctx, e, rest)
	}
	fmt.Fprintf(e.stderr, "Lỗi: cần một lệnh con: list, add hoặc delete.\n\n")
	fmt.Fprintln(e.stderr, "Cách dùng / usage:")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar override list [YYYY]")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar override add --kind day_off|workday --date YYYY-MM-DD --name TÊN --source VĂN_BẢN")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar override add --kind placement --rule tet --year 2027 --from YYYY-MM-DD --to YYYY-MM-DD --source VĂN_BẢN")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar override delete ID")
	return errUsage
}

func calendarOverrideList(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "calendar override list", "[YYYY]"))
	cfg.BindDatabase(b)
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError(e, b, "cần nhiều nhất một năm, ví dụ: chinhquyen calendar override list 2026")
	}
	y := 0
	if len(pos) == 1 {
		if y, err = parseYearArg(pos[0]); err != nil {
			return err
		}
	}
	var list []calstore.Override
	svc, closeDB, err := openCalendarStore(ctx, e, &cfg)
	if err != nil {
		return err
	}
	if svc == nil {
		for _, o := range calendar.Published2025_2026() {
			so := calstore.Override{Override: o, UpdatedBy: "system"}
			if y == 0 || so.First().Year == y || so.Last().Year == y || o.Year == y {
				list = append(list, so)
			}
		}
		slices.SortStableFunc(list, func(a, b calstore.Override) int { return a.First().Compare(b.First()) })
	} else {
		defer closeDB()
		if list, err = svc.Overrides(ctx, actor.SystemActor("cli"), y); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Mã\tLoại\tNgày\tTên\tNguồn")
	for _, o := range list {
		id := "—" // shipped, not stored yet
		if o.ID != 0 {
			id = strconv.FormatInt(o.ID, 10)
		}
		name := o.NameVI
		if o.Unconfirmed {
			name += " (chưa xác minh văn bản)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, kindLabel(o.Override), overrideDays(o.Override), name, o.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d điều chỉnh.\n", len(list))
	return nil
}

func calendarOverrideAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var kind, date, rule, from, to, name, nameEN, source string
	var year int
	var unconfirmed bool
	b := config.NewBinder(newFlags(e, "calendar override add", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&kind, "kind", "", "day_off (a weekday off), workday (a Saturday or Sunday worked) or placement (the days of a holiday in one year)")
	b.FS.StringVar(&date, "date", "", "day_off, workday: the day, YYYY-MM-DD")
	b.FS.StringVar(&rule, "rule", "", "placement: the holiday rule key (tet, national_day_extra…; see calendar rule list)")
	b.FS.IntVar(&year, "year", 0, "placement: the holiday's year (the lunar year for Tết)")
	b.FS.StringVar(&from, "from", "", "placement: first day off, YYYY-MM-DD")
	b.FS.StringVar(&to, "to", "", "placement: last day off, YYYY-MM-DD")
	b.FS.StringVar(&name, "name", "", "Vietnamese label shown for the day (required for day_off and workday)")
	b.FS.StringVar(&nameEN, "name-en", "", "English label")
	b.FS.StringVar(&source, "source", "", "the announcement, e.g. \"Thông báo 9441/TB-BNV\" (required)")
	b.FS.BoolVar(&unconfirmed, "unconfirmed", false, "no text of the announcement has been seen yet")
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError(e, b, fmt.Sprintf("không cần đối số %q: mọi giá trị đều là cờ (--kind, --date …)", clipArg(pos[0])))
	}
	o := calendar.Override{Kind: calendar.OverrideKind(kind), RuleKey: rule, Year: year, NameVI: name, NameEN: nameEN,
		Source: source, Unconfirmed: unconfirmed}
	switch o.Kind {
	case calendar.DayOff, calendar.Workday:
		if o.Date, err = flagDate("date", date); err != nil {
			return err
		}
	case calendar.Placement:
		if o.From, err = flagDate("from", from); err != nil {
			return err
		}
		if o.To, err = flagDate("to", to); err != nil {
			return err
		}
	default:
		return usageError(e, b, "--kind phải là day_off (nghỉ hoán đổi), workday (làm bù) hoặc placement (lịch nghỉ của một ngày lễ)")
	}
	a, ctx, sys, err := openCalendarForChange(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	saved, err := a.Calendar.AddOverride(ctx, sys, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã thêm điều chỉnh mã %d: %s %s — %s\n", saved.ID, kindLabel(saved.Override), overrideDays(saved.Override), saved.NameVI)
	return nil
}

func calendarOverrideDelete(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "calendar override delete", "ID"))
	cfg.BindDatabase(b)
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, b, "cần đúng một mã điều chỉnh (xem chinhquyen calendar override list)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return apperr.FieldError("id", "Mã điều chỉnh %q không hợp lệ: nhập số ở cột Mã của chinhquyen calendar override list.", clipArg(pos[0]))
	}
	a, ctx, sys, err := openCalendarForChange(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	o, err := a.Calendar.Override(ctx, sys, id)
	if err != nil {
		return err
	}
	if err := a.Calendar.DeleteOverride(ctx, sys, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã xoá điều chỉnh mã %d: %s %s — %s\n", id, kindLabel(o.Override), overrideDays(o.Override), o.NameVI)
	return nil
}

func calendarRule(ctx context.Context, e *env, args []string) error {
	sub, rest := "", args
	if len(args) > 0 {
		sub, rest = args[0], args[1:]
	}
	switch sub {
	case "list":
		return calendarRuleList(ctx, e, rest)
	case "add":
		return calendarRuleAdd(ctx, e, rest)
	case "delete":
		return calendarRuleDelete(ctx, e, rest)
	}
	fmt.Fprintf(e.stderr, "Lỗi: cần một lệnh con: list, add hoặc delete.\n\n")
	fmt.Fprintln(e.stderr, "Cách dùng / usage:")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar rule list")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar rule add --key KEY --name TÊN --kind solar|lunar|adjacent --month M --day D [--days N] [--offset N] [--from-year Y] [--to-year Y] --source VĂN_BẢN")
	fmt.Fprintln(e.stderr, "  chinhquyen calendar rule delete KEY")
	return errUsage
}

func calendarRuleList(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "calendar rule list", ""))
	cfg.BindDatabase(b)
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError(e, b, "lệnh không nhận đối số")
	}
	var rules []calstore.Rule
	svc, closeDB, err := openCalendarStore(ctx, e, &cfg)
	if err != nil {
		return err
	}
	if svc == nil {
		for _, r := range calendar.StatutoryRules() {
			rules = append(rules, calstore.Rule{Rule: r, BuiltIn: true})
		}
	} else {
		defer closeDB()
		if rules, err = svc.Rules(ctx, actor.SystemActor("cli")); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Mã\tTên\tNgày\tSố ngày\tHiệu lực\tNguồn")
	for _, r := range rules {
		origin := ""
		switch {
		case r.Stored && r.BuiltIn:
			origin = " (đã sửa)"
		case r.Stored:
			origin = " (thêm)"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%d\t%s\t%s\n", r.Key, origin, r.NameVI, anchorLabel(r.Rule), r.Days, yearsLabel(r.Rule), r.Source)
	}
	return tw.Flush()
}

func calendarRuleAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var r calendar.Rule
	var kind string
	b := config.NewBinder(newFlags(e, "calendar rule add", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&r.Key, "key", "", "rule key: lower-case letters, digits, _ (a built-in key replaces that rule)")
	b.FS.StringVar(&r.NameVI, "name", "", "Vietnamese name")
	b.FS.StringVar(&r.NameEN, "name-en", "", "English name")
	b.FS.StringVar(&kind, "kind", "solar", "solar (a Gregorian date), lunar (a lunar date) or adjacent (one day next to a solar date)")
	b.FS.IntVar(&r.Month, "month", 0, "anchor month")
	b.FS.IntVar(&r.Day, "day", 0, "anchor day")
	b.FS.IntVar(&r.Offset, "offset", 0, "days from the anchor to the first day off")
	b.FS.IntVar(&r.Days, "days", 1, "number of days off")
	b.FS.IntVar(&r.FromYear, "from-year", 0, "first year (0: no bound)")
	b.FS.IntVar(&r.ToYear, "to-year", 0, "last year (0: no bound)")
	b.FS.StringVar(&r.Source, "source", "", "legal basis (required)")
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError(e, b, fmt.Sprintf("không cần đối số %q: mọi giá trị đều là cờ (--key, --name …)", clipArg(pos[0])))
	}
	r.Kind = calendar.RuleKind(kind)
	a, ctx, sys, err := openCalendarForChange(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	saved, err := a.Calendar.AddRule(ctx, sys, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã thêm quy tắc %s: %s, %s, %d ngày, %s\n", saved.Key, saved.NameVI, anchorLabel(saved.Rule), saved.Days, yearsLabel(saved.Rule))
	return nil
}

func calendarRuleDelete(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "calendar rule delete", "KEY"))
	cfg.BindDatabase(b)
	pos, err := parseInterspersed(b, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, b, "cần đúng một mã quy tắc (xem chinhquyen calendar rule list)")
	}
	a, ctx, sys, err := openCalendarForChange(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Calendar.DeleteRule(ctx, sys, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã xoá quy tắc %s.\n", pos[0])
	return nil
}

// flagDate parses a date flag, naming the flag in the error.
func flagDate(name, s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, apperr.FieldError(name, "Thiếu --%s (ngày dạng YYYY-MM-DD).", name)
	}
	d, err := parseDateArg(s)
	if err != nil {
		return calendar.Date{}, apperr.FieldError(name, "--%s: %s", name, apperr.MessageOf(err))
	}
	return d, nil
}

func kindLabel(o calendar.Override) string {
	switch o.Kind {
	case calendar.DayOff:
		return "nghỉ"
	case calendar.Workday:
		return "làm bù"
	case calendar.Placement:
		return fmt.Sprintf("lịch nghỉ %s %d", o.RuleKey, o.Year)
	}
	return string(o.Kind)
}

func overrideDays(o calendar.Override) string {
	if o.Kind == calendar.Placement {
		if o.From == o.To {
			return o.From.VN()
		}
		return o.From.VN() + "–" + o.To.VN()
	}
	return fmt.Sprintf("%s %s", weekdayName[o.Date.Weekday()], o.Date.VN())
}

func anchorLabel(r calendar.Rule) string {
	switch r.Kind {
	case calendar.LunarFixed:
		s := fmt.Sprintf("%d/%d âm lịch", r.Day, r.Month)
		if r.Offset != 0 {
			s += fmt.Sprintf(" %+d ngày", r.Offset)
		}
		return s
	case calendar.AdjacentToSolar:
		return fmt.Sprintf("liền kề %d/%d", r.Day, r.Month)
	}
	s := fmt.Sprintf("%d/%d", r.Day, r.Month)
	if r.Offset != 0 {
		s += fmt.Sprintf(" %+d ngày", r.Offset)
	}
	return s
}

func yearsLabel(r calendar.Rule) string {
	switch {
	case r.FromYear != 0 && r.ToYear != 0:
		return fmt.Sprintf("%d–%d", r.FromYear, r.ToYear)
	case r.FromYear != 0:
		return fmt.Sprintf("từ %d", r.FromYear)
	case r.ToYear != 0:
		return fmt.Sprintf("đến %d", r.ToYear)
	}
	return "mọi năm"
}
