package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// The officers' side of the one-stop service (reception, processing,
// decision, return, statistics):
//
//	GET  /api/v1/onestop/queue                        the officer's queue (listDossierQueue)
//	GET  /api/v1/onestop/stats                        statistics, JSON or xlsx (dossierStats)
//	POST /api/v1/dossiers/{code}/accept               the desk receives it (acceptDossier)
//	POST /api/v1/dossiers/{code}/refuse               the desk refuses it (refuseDossier)
//	POST /api/v1/dossiers/{code}/supplement-request   a written supplement request, once (requestSupplement)
//	POST /api/v1/dossiers/{code}/steps/complete       the holder completes the current step (completeStep)
//	POST /api/v1/dossiers/{code}/decision             the leader approves, refuses or stops (decideDossier)
//	POST /api/v1/dossiers/{code}/apology              the apology slip with a new date (apologizeDossier)
//	POST /api/v1/dossiers/{code}/return               the result is returned (returnResult)
//
// Every change answers the dossier as it now is; a change asked with an
// older "version" than the stored one, or one the dossier's status no
// longer allows (another officer acted first), answers 409 ECONFLICT.
func (a *API) deskRoutes() []route {
	return []route{
		{"GET", "/api/v1/onestop/queue", a.listDossierQueue},
		{"GET", "/api/v1/onestop/stats", a.dossierStats},
		{"POST", "/api/v1/dossiers/{code}/accept", a.acceptDossier},
		{"POST", "/api/v1/dossiers/{code}/refuse", a.refuseDossier},
		{"POST", "/api/v1/dossiers/{code}/supplement-request", a.requestSupplement},
		{"POST", "/api/v1/dossiers/{code}/steps/complete", a.completeStep},
		{"POST", "/api/v1/dossiers/{code}/decision", a.decideDossier},
		{"POST", "/api/v1/dossiers/{code}/apology", a.apologizeDossier},
		{"POST", "/api/v1/dossiers/{code}/return", a.returnResult},
	}
}

// maxDeskBody bounds an officer's request: reasons and notes of a few KB.
const maxDeskBody = 64 << 10

// deskBody is every officer action's JSON body; each action reads its own
// fields and refuses none of the others' (they are documented per action).
type deskBody struct {
	Version        int64    `json:"version"`
	Note           string   `json:"note"`
	Reason         string   `json:"reason"`
	Items          []string `json:"items"`
	To             int64    `json:"to"`
	Decision       string   `json:"decision"` // approve, refuse, stop
	ResultUpload   string   `json:"result_upload"`
	NewAppointment string   `json:"new_appointment"` // dd/mm/yyyy [HH:MM] or RFC 3339
}

func (a *API) deskReady(w http.ResponseWriter, r *http.Request) (*actor.Actor, bool) {
	if a.deps.Dossiers == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ một cửa chưa được bật"))
		return nil, false
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập"))
		return nil, false
	}
	return act, true
}

// deskAct reads the body, finds the dossier by code (access decides who
// may see it) and runs do on it.
func (a *API) deskAct(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error)) {
	act, ok := a.deskReady(w, r)
	if !ok {
		return
	}
	var b deskBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxDeskBody+1))
	if err != nil || len(raw) > maxDeskBody {
		httpx.Error(w, r, apperr.New(apperr.Invalid, "Nội dung yêu cầu quá lớn (tối đa %d KB)", maxDeskBody>>10))
		return
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := decodeJSON(bytes.NewReader(raw), &b, maxDeskBody, `{"version":3,"reason":"…"}`); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	b.Note, b.Reason = locale.NFC(strings.TrimSpace(b.Note)), locale.NFC(strings.TrimSpace(b.Reason))
	for i := range b.Items {
		b.Items[i] = locale.NFC(strings.TrimSpace(b.Items[i]))
	}
	d, err := a.deps.Dossiers.GetByCode(r.Context(), act, r.PathValue("code"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err = do(r.Context(), act, d.ID, b)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, viewOf(d))
}

func (a *API) acceptDossier(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		return a.deps.Dossiers.Accept(ctx, act, id, onestop.ActionRequest{Version: b.Version, Note: b.Note})
	})
}

func (a *API) refuseDossier(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		if b.Reason == "" {
			return nil, apperr.FieldError("reason", "Ghi rõ lý do từ chối tiếp nhận hồ sơ")
		}
		return a.deps.Dossiers.Refuse(ctx, act, id, onestop.RefuseRequest{Version: b.Version, Reason: b.Reason})
	})
}

func (a *API) requestSupplement(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		items := nonEmpty(b.Items)
		if len(items) == 0 {
			return nil, apperr.FieldError("items", "Ghi ít nhất một nội dung cần bổ sung, hoàn thiện")
		}
		if b.Reason == "" {
			return nil, apperr.FieldError("reason", "Ghi rõ lý do yêu cầu bổ sung hồ sơ")
		}
		return a.deps.Dossiers.RequestSupplement(ctx, act, id, onestop.SupplementAsk{Version: b.Version, Reason: b.Reason, Items: items})
	})
}

func (a *API) completeStep(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		return a.deps.Dossiers.CompleteStep(ctx, act, id, onestop.StepRequest{Version: b.Version, Note: b.Note, To: b.To})
	})
}

func (a *API) decideDossier(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		switch b.Decision {
		case "approve":
			if strings.TrimSpace(b.ResultUpload) == "" {
				return nil, apperr.FieldError("result_upload", "Tải lên tệp PDF kết quả giải quyết (POST /api/v1/uploads) và ghi mã tệp")
			}
			return a.deps.Dossiers.Decide(ctx, act, id, onestop.DecideRequest{Version: b.Version, Approve: true, ResultUpload: strings.TrimSpace(b.ResultUpload)})
		case "refuse":
			if b.Reason == "" {
				return nil, apperr.FieldError("reason", "Ghi rõ lý do từ chối giải quyết")
			}
			return a.deps.Dossiers.Decide(ctx, act, id, onestop.DecideRequest{Version: b.Version, Reason: b.Reason})
		case "stop":
			if b.Reason == "" {
				return nil, apperr.FieldError("reason", "Ghi rõ lý do dừng xử lý hồ sơ")
			}
			return a.deps.Dossiers.Stop(ctx, act, id, onestop.RefuseRequest{Version: b.Version, Reason: b.Reason})
		}
		return nil, apperr.FieldError("decision", "Quyết định phải là approve (phê duyệt), refuse (từ chối) hoặc stop (dừng xử lý)")
	})
}

func (a *API) apologizeDossier(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		if b.Reason == "" {
			return nil, apperr.FieldError("reason", "Ghi rõ lý do chậm trả kết quả")
		}
		at, err := ParseAppointment(b.NewAppointment)
		if err != nil {
			return nil, err
		}
		return a.deps.Dossiers.Apologize(ctx, act, id, onestop.ApologyRequest{Version: b.Version, Reason: b.Reason, NewAppointment: at})
	})
}

func (a *API) returnResult(w http.ResponseWriter, r *http.Request) {
	a.deskAct(w, r, func(ctx context.Context, act *actor.Actor, id int64, b deskBody) (*onestop.Dossier, error) {
		return a.deps.Dossiers.ReturnResult(ctx, act, id, onestop.ActionRequest{Version: b.Version, Note: b.Note})
	})
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseAppointment reads a new appointment: dd/mm/yyyy (17:00 that day in
// Vietnam, the end of the afternoon session), dd/mm/yyyy HH:MM, yyyy-mm-dd
// or RFC 3339. The pages and the API share it.
func ParseAppointment(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	bad := apperr.FieldError("new_appointment", "Ngày hẹn mới %q không hợp lệ: ghi dd/mm/yyyy hoặc dd/mm/yyyy HH:MM", clip(s, 40))
	if s == "" {
		return time.Time{}, apperr.FieldError("new_appointment", "Ghi ngày hẹn trả kết quả mới (dd/mm/yyyy)")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"02/01/2006 15:04", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, locale.VN); err == nil {
			return t, nil
		}
	}
	d, err := anyDate(s)
	if err != nil {
		return time.Time{}, bad
	}
	return d.At(calendar.HM(17, 0)), nil
}

// anyDate reads dd/mm/yyyy or yyyy-mm-dd.
func anyDate(s string) (calendar.Date, error) {
	if strings.Contains(s, "/") {
		return calendar.ParseVN(s)
	}
	return calendar.ParseISO(s)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r) + "…"
}

// QueueFilter reads the queue's filters from a query string: status (one
// or several, comma-separated codes 1–10), procedure, due (overdue: due
// before now; soon: due within one working day; a date dd/mm/yyyy or
// yyyy-mm-dd: due before the end of that day; without a status, only the
// dossiers being handled), q, page, page_size. The pages and the API share
// it.
func QueueFilter(q map[string][]string, now time.Time, cal *calendar.Calendar) (onestop.DossierFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	var f onestop.DossierFilter
	for _, list := range q["status"] {
		for _, v := range strings.Split(list, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			s, err := onestop.ParseStatus(v)
			if err != nil {
				return f, err
			}
			f.Statuses = append(f.Statuses, s)
		}
	}
	f.ProcedureCode = get("procedure")
	f.Query = locale.NFC(get("q"))
	switch due := get("due"); due {
	case "":
	case "overdue":
		f.DueBefore = now
	case "soon":
		f.DueBefore = DueSoonLimit(now, cal)
	default:
		d, err := anyDate(due)
		if err != nil {
			return f, apperr.FieldError("due", "Hạn xử lý %q không hợp lệ: ghi overdue, soon hoặc ngày dd/mm/yyyy", clip(due, 20))
		}
		f.DueBefore = d.AddDays(1).At(0)
	}
	for _, p := range []struct {
		name string
		to   *int
		max  int
	}{{"page", &f.Page, 100000}, {"page_size", &f.PageSize, 200}} {
		if v := get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > p.max {
				return f, apperr.FieldError(p.name, "%s phải là số từ 1 đến %d", p.name, p.max)
			}
			*p.to = n
		}
	}
	if !f.DueBefore.IsZero() && len(f.Statuses) == 0 {
		// Overdue and due soon are said of dossiers still being handled.
		f.Statuses = PendingStatuses()
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PageSize == 0 {
		f.PageSize = 50
	}
	return f, nil
}

// PendingStatuses are the statuses in which the legal clock runs: the
// dossiers a due date filter and the urgency speak of.
func PendingStatuses() []onestop.Status {
	return []onestop.Status{onestop.StatusAccepted, onestop.StatusProcessing, onestop.StatusFinancial}
}

// DueSoonLimit is the end of the next working day after now: a dossier
// due before it is due soon (within one working day). Without a calendar
// it is 24 hours after now.
func DueSoonLimit(now time.Time, cal *calendar.Calendar) time.Time {
	if cal == nil {
		return now.Add(24 * time.Hour)
	}
	day := calendar.DateOf(now.In(locale.VN)).AddDays(1)
	for i := 0; i < 30 && !cal.IsWorkingDay(day); i++ {
		day = day.AddDays(1)
	}
	return day.AddDays(1).At(0)
}

// Urgency classes a dossier of a queue by its due moment: "overdue" when
// the clock runs past it, "soon" within one working day, "" otherwise.
func Urgency(d *onestop.Dossier, now, soon time.Time) string {
	if d.DueAt.IsZero() || d.Status.Final() || d.Status == onestop.StatusResultReady {
		return ""
	}
	if now.After(d.DueAt) {
		return "overdue"
	}
	if d.DueAt.Before(soon) {
		return "soon"
	}
	return ""
}

// queueItem is one dossier of the queue with its urgency.
type queueItem struct {
	Dossier *onestop.Dossier
	Urgency string // overdue, soon
}

// MarshalJSON writes the dossier as getDossier does, with "urgency" added
// when there is one.
func (q queueItem) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(viewOf(q.Dossier))
	if err != nil || q.Urgency == "" {
		return b, err
	}
	b = bytes.TrimRight(b, " \n")
	if len(b) < 2 || b[len(b)-1] != '}' {
		return b, nil
	}
	u, _ := json.Marshal(q.Urgency)
	out := append([]byte{}, b[:len(b)-1]...)
	if len(b) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"urgency":`...)
	out = append(out, u...)
	return append(out, '}'), nil
}

type queuePage struct {
	Items    []queueItem `json:"items"`
	Total    int         `json:"total"`
	Page     int         `json:"page"`
	PageSize int         `json:"page_size"`
}

func (a *API) deskCalendar(ctx context.Context) *calendar.Calendar {
	if a.deps.Calendar == nil {
		return nil
	}
	cal, err := a.deps.Calendar.Calendar(ctx)
	if err != nil {
		return nil
	}
	return cal
}

func (a *API) listDossierQueue(w http.ResponseWriter, r *http.Request) {
	act, ok := a.deskReady(w, r)
	if !ok {
		return
	}
	if act.Kind != actor.Official {
		httpx.Error(w, r, apperr.New(apperr.Forbidden, "Hàng đợi hồ sơ dành cho cán bộ; người nộp xem hồ sơ của mình tại GET /api/v1/me/dossiers"))
		return
	}
	now := a.deps.Now()
	cal := a.deskCalendar(r.Context())
	f, err := QueueFilter(r.URL.Query(), now, cal)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	page, err := a.deps.Dossiers.List(r.Context(), act, f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	soon := DueSoonLimit(now, cal)
	out := queuePage{Items: make([]queueItem, 0, len(page.Items)), Total: page.Total, Page: page.Page, PageSize: page.PageSize}
	for _, d := range page.Items {
		out.Items = append(out.Items, queueItem{Dossier: d, Urgency: Urgency(d, now, soon)})
	}
	httpx.JSON(w, http.StatusOK, out)
}

// StatsFilterOf reads the statistics' filters: agency_id, procedure,
// field, from and to (dd/mm/yyyy or yyyy-mm-dd, to inclusive). The pages
// and the API share it.
func StatsFilterOf(q map[string][]string) (onestop.StatsFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	var f onestop.StatsFilter
	if v := get("agency_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, apperr.FieldError("agency_id", "Mã cơ quan %q không hợp lệ", clip(v, 20))
		}
		f.AgencyID = n
	}
	f.ProcedureCode = get("procedure")
	f.Field = locale.NFC(get("field"))
	for _, p := range []struct {
		name, label string
		to          *time.Time
		next        bool
	}{{"from", "Từ ngày", &f.From, false}, {"to", "Đến ngày", &f.To, true}} {
		v := get(p.name)
		if v == "" {
			continue
		}
		d, err := anyDate(v)
		if err != nil {
			return f, apperr.FieldError(p.name, "%s %q không hợp lệ: ghi dd/mm/yyyy", p.label, clip(v, 20))
		}
		if p.next {
			d = d.AddDays(1)
		}
		*p.to = d.At(0)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, apperr.FieldError("to", "Đến ngày phải sau hoặc bằng từ ngày")
	}
	return f, nil
}

func (a *API) dossierStats(w http.ResponseWriter, r *http.Request) {
	act, ok := a.deskReady(w, r)
	if !ok {
		return
	}
	f, err := StatsFilterOf(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "xlsx" {
		var buf bytes.Buffer
		if err := a.deps.Dossiers.StatsXLSX(r.Context(), act, f, &buf); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="thong-ke-mot-cua.xlsx"`)
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = w.Write(buf.Bytes())
		return
	}
	st, err := a.deps.Dossiers.Stats(r.Context(), act, f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, statsBody{Stats: st, OnTimeRate: st.Total.OnTimeRate()})
}

type statsBody struct {
	*onestop.Stats
	OnTimeRate float64 `json:"on_time_rate"`
}
