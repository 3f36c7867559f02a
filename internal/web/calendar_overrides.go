package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// overridesPage is the system administrator's page of yearly overrides.
type overridesPage struct {
	Year      int
	Overrides []calstore.Override
	Rules     []calstore.Rule
	Form      overrideForm
	Notice    string // catalog key
	Error     string // Vietnamese message of a refused change
}

// overrideForm holds the add form's fields as typed, so a refused form
// comes back filled in.
type overrideForm struct {
	Kind, Date, RuleKey, Year, From, To, NameVI, NameEN, Source string
	Unconfirmed                                                 bool
}

// editor returns the signed-in actor if access lets them edit the calendar;
// otherwise it answers the request (sign in, or the refusal) and returns nil.
func (h *Handler) editor(w http.ResponseWriter, r *http.Request) *actor.Actor {
	a := signedIn(w, r)
	if a == nil {
		return nil
	}
	if err := h.deps.Calendar.CanEdit(r.Context(), a); err != nil {
		h.rd.errorPage(w, r, err)
		return nil
	}
	return a
}

// overridesYear reads ?year= (default: this year).
func (h *Handler) overridesYear(s string) (int, error) {
	if s == "" {
		return calendar.DateOf(h.deps.Now()).Year, nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < calendar.MinYear || y > calendar.MaxYear {
		return 0, apperr.FieldError("year", "Năm %q không hợp lệ: nhập năm từ %d đến %d.", clipParam(s), calendar.MinYear, calendar.MaxYear)
	}
	return y, nil
}

func (h *Handler) calendarOverrides(w http.ResponseWriter, r *http.Request) {
	a := h.editor(w, r)
	if a == nil {
		return
	}
	y, err := h.overridesYear(r.URL.Query().Get("year"))
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	p := overridesPage{Form: overrideForm{Kind: string(calendar.DayOff), Year: strconv.Itoa(y)}}
	switch {
	case r.URL.Query().Get("added") != "":
		p.Notice = "cal.ov.added"
	case r.URL.Query().Get("deleted") != "":
		p.Notice = "cal.ov.deleted"
	}
	h.overridesPage(w, r, a, y, http.StatusOK, p)
}

func (h *Handler) overridesPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, y, status int, p overridesPage) {
	var err error
	p.Year = y
	if p.Overrides, err = h.deps.Calendar.Overrides(r.Context(), a, y); err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	if p.Rules, err = h.deps.Calendar.Rules(r.Context(), a); err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	h.rd.render(w, r, status, "calendar_overrides", "cal.ov.title", p)
}

func (h *Handler) calendarOverrideAdd(w http.ResponseWriter, r *http.Request) {
	a := h.editor(w, r)
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu không hợp lệ"))
		return
	}
	f := overrideForm{Kind: trimmed(r, "kind"), Date: trimmed(r, "date"), RuleKey: trimmed(r, "rule_key"), Year: trimmed(r, "year"),
		From: trimmed(r, "from"), To: trimmed(r, "to"), NameVI: r.PostFormValue("name_vi"), NameEN: r.PostFormValue("name_en"),
		Source: r.PostFormValue("source"), Unconfirmed: r.PostFormValue("unconfirmed") == "1"}
	back := calendar.DateOf(h.deps.Now()).Year
	o, err := f.override()
	if err == nil {
		var saved calstore.Override
		if saved, err = h.deps.Calendar.AddOverride(r.Context(), a, o); err == nil {
			http.Redirect(w, r, "/calendar/overrides?added="+strconv.FormatInt(saved.ID, 10)+"&year="+strconv.Itoa(saved.First().Year), http.StatusSeeOther)
			return
		}
	}
	if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) {
		h.rd.errorPage(w, r, err)
		return
	}
	httpx.LogError(r, httpx.Status(err), err)
	if d, derr := parseFormDate(f.Date, f.From); derr == nil {
		back = d.Year
	}
	h.overridesPage(w, r, a, back, httpx.Status(err), overridesPage{Form: f, Error: apperr.MessageOf(err)})
}

func (h *Handler) calendarOverrideDelete(w http.ResponseWriter, r *http.Request) {
	a := h.editor(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có điều chỉnh lịch này."))
		return
	}
	if err := h.deps.Calendar.DeleteOverride(r.Context(), a, id); err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	y := r.PostFormValue("year")
	if _, err := h.overridesYear(y); err != nil || y == "" {
		y = strconv.Itoa(calendar.DateOf(h.deps.Now()).Year)
	}
	http.Redirect(w, r, "/calendar/overrides?deleted="+strconv.FormatInt(id, 10)+"&year="+y, http.StatusSeeOther)
}

// override turns the form into an override; the service checks the rest.
func (f overrideForm) override() (calendar.Override, error) {
	o := calendar.Override{Kind: calendar.OverrideKind(f.Kind), NameVI: f.NameVI, NameEN: f.NameEN, Source: f.Source, Unconfirmed: f.Unconfirmed}
	var err error
	switch o.Kind {
	case calendar.DayOff, calendar.Workday:
		if o.Date, err = formDate("date", "Ngày", f.Date); err != nil {
			return o, err
		}
	case calendar.Placement:
		o.RuleKey = f.RuleKey
		if o.Year, err = strconv.Atoi(f.Year); err != nil {
			return o, apperr.FieldError("year", "Năm của ngày lễ %q không hợp lệ: nhập bốn chữ số, ví dụ 2027.", clipParam(f.Year))
		}
		if o.From, err = formDate("from", "Ngày bắt đầu nghỉ", f.From); err != nil {
			return o, err
		}
		if o.To, err = formDate("to", "Ngày kết thúc nghỉ", f.To); err != nil {
			return o, err
		}
	default:
		return o, apperr.FieldError("kind", "Hãy chọn loại điều chỉnh: nghỉ hoán đổi, làm bù hoặc lịch nghỉ của một ngày lễ.")
	}
	return o, nil
}

// formDate reads a date field (YYYY-MM-DD, as browsers send it).
func formDate(field, label, s string) (calendar.Date, error) {
	if strings.TrimSpace(s) == "" {
		return calendar.Date{}, apperr.FieldError(field, "%s: chưa chọn ngày.", label)
	}
	d, err := calendar.ParseISO(s)
	if err != nil {
		return calendar.Date{}, apperr.FieldError(field, "%s: %s", label, apperr.MessageOf(err))
	}
	return d, nil
}

// parseFormDate returns the first of the dates that parses.
func parseFormDate(ss ...string) (calendar.Date, error) {
	var err error
	for _, s := range ss {
		var d calendar.Date
		if d, err = calendar.ParseISO(s); err == nil {
			return d, nil
		}
	}
	return calendar.Date{}, err
}
