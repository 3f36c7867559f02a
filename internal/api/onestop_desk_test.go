package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// deskAPI serves the API over the one-stop fixture and calls it as who.
type deskAPI struct {
	t   *testing.T
	f   *apitest.Desk
	mux *http.ServeMux
}

func newDeskAPI(t *testing.T, d *db.DB) *deskAPI {
	f := apitest.NewDesk(t, d)
	mux := http.NewServeMux()
	api.New(api.Deps{Dossiers: f.Dossiers, Calendar: f.Calendar, Uploads: f.Uploads, Now: f.Now}).Register(mux)
	return &deskAPI{t: t, f: f, mux: mux}
}

// do calls method path as who (nil: nobody signed in), checks the answer
// against the OpenAPI document (pattern) and decodes it.
func (x *deskAPI) do(method, path, pattern string, who *actor.Actor, body string) (int, map[string]any) {
	x.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	ctx := x.f.Ctx
	if who != nil {
		ctx = actor.With(ctx, who)
	}
	rec := httptest.NewRecorder()
	x.mux.ServeHTTP(rec, req.WithContext(ctx))
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := apitest.Check(method, pattern, rec.Code, rec.Body.Bytes()); err != nil {
			x.t.Error(err)
		}
	}
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return rec.Code, m
}

func errCode(m map[string]any) (code, field string) {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	f, _ := e["field"].(string)
	return c, f
}

func status(m map[string]any) int {
	v, _ := m["status"].(float64)
	return int(v)
}

// Two officers accepting one dossier at once: exactly one 200, the other
// 409 with the Vietnamese conflict message; the dossier is received once.
func TestDeskAcceptConflict(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskAPI(t, d)
		doss := x.f.Online(t, 1)
		body := `{"version":` + i64(doss.Version) + `,"note":"Đủ thành phần"}`
		var wg sync.WaitGroup
		codes := make([]int, 2)
		msgs := make([]map[string]any, 2)
		for i, who := range []*actor.Actor{x.f.Officer, x.f.Officer2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i], msgs[i] = x.do("POST", "/api/v1/dossiers/"+doss.Code+"/accept", "/api/v1/dossiers/{code}/accept", who, body)
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for i := range codes {
			switch codes[i] {
			case 200:
				ok++
				if status(msgs[i]) != int(onestop.StatusAccepted) || msgs[i]["due_at"] == nil {
					t.Errorf("accepted dossier: %v", msgs[i])
				}
			case 409:
				conflict++
				if c, _ := errCode(msgs[i]); c != "ECONFLICT" {
					t.Errorf("conflict body: %v", msgs[i])
				}
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("two accepts: %v %v %v", codes, msgs[0], msgs[1])
		}
		// On Friday the dossier received Monday with 3 working days is
		// overdue in the queue.
		x.f.Set(time.Date(2026, 12, 11, 9, 0, 0, 0, locale.VN))
		code, m := x.do("GET", "/api/v1/onestop/queue?due=overdue", "/api/v1/onestop/queue", x.f.Officer, "")
		if items, _ := m["items"].([]any); code != 200 || len(items) != 1 || items[0].(map[string]any)["urgency"] != "overdue" || items[0].(map[string]any)["code"] != doss.Code {
			t.Fatalf("overdue queue: %d %v", code, m)
		}
		// A third accept without a version is refused by the status rules.
		if code, m := x.do("POST", "/api/v1/dossiers/"+doss.Code+"/accept", "/api/v1/dossiers/{code}/accept", x.f.Officer, ``); code != 409 {
			t.Fatalf("accept of an accepted dossier: %d %v", code, m)
		}
	})
}

// Every officer action through the API: who may act, bad input with its
// field, the status each leads to, conflicts, and the queue and statistics.
func TestDeskActionsAPI(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskAPI(t, d)
		f := x.f
		d1, d2, d3, d4 := f.Online(t, 1), f.Online(t, 2), f.Online(t, 3), f.Online(t, 4)
		url := func(d *onestop.Dossier, action string) string { return "/api/v1/dossiers/" + d.Code + "/" + action }
		post := func(d *onestop.Dossier, action string, who *actor.Actor, body string) (int, map[string]any) {
			t.Helper()
			return x.do("POST", url(d, action), "/api/v1/dossiers/{code}/"+action, who, body)
		}
		expect := func(what string, code int, m map[string]any, want int, wantErr, wantField string) {
			t.Helper()
			c, fl := errCode(m)
			if code != want || (wantErr != "" && c != wantErr) || (wantField != "" && fl != wantField) {
				t.Fatalf("%s: %d %v, want %d %s %s", what, code, m, want, wantErr, wantField)
			}
		}

		// Queue: officials only, with filters and urgency.
		code, m := x.do("GET", "/api/v1/onestop/queue?status=1", "/api/v1/onestop/queue", f.Officer, "")
		if code != 200 || m["total"].(float64) != 4 {
			t.Fatalf("queue: %d %v", code, m)
		}
		code, m = x.do("GET", "/api/v1/onestop/queue?page=2&page_size=3", "/api/v1/onestop/queue", f.Officer, "")
		if items, _ := m["items"].([]any); code != 200 || m["total"].(float64) != 4 || len(items) != 1 || m["page"].(float64) != 2 {
			t.Fatalf("queue page 2 of 3 a page: %d %v", code, m)
		}
		code, m = x.do("GET", "/api/v1/onestop/queue?page_size=500", "/api/v1/onestop/queue", f.Officer, "")
		expect("queue page too large", code, m, 400, "EINVALID", "page_size")
		code, m = x.do("GET", "/api/v1/onestop/queue?status=11", "/api/v1/onestop/queue", f.Officer, "")
		expect("queue with a bad status", code, m, 400, "EINVALID", "status")
		code, m = x.do("GET", "/api/v1/onestop/queue?due=ng%C3%A0y+mai", "/api/v1/onestop/queue", f.Officer, "")
		expect("queue with a bad due", code, m, 400, "EINVALID", "due")
		code, m = x.do("GET", "/api/v1/onestop/queue", "/api/v1/onestop/queue", f.Citizen, "")
		expect("queue for a citizen", code, m, 403, "EFORBIDDEN", "")
		code, m = x.do("GET", "/api/v1/onestop/queue", "/api/v1/onestop/queue", nil, "")
		expect("queue for nobody", code, m, 401, "EUNAUTHORIZED", "")
		code, m = x.do("GET", "/api/v1/onestop/queue", "/api/v1/onestop/queue", f.Outsider, "")
		if code != 200 || m["total"].(float64) != 0 {
			t.Fatalf("another agency's queue shows our dossiers: %d %v", code, m)
		}

		// Forbidden actors: a specialist may read but not receive; another
		// agency's officer does not even see the dossier.
		code, m = post(d1, "accept", f.Specialist, `{}`)
		expect("specialist accepts", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d1, "accept", f.Outsider, `{}`)
		if code != 403 && code != 404 {
			t.Fatalf("another agency accepts: %d %v", code, m)
		}
		code, m = post(d1, "accept", f.Officer, `{"version":1,"colour":"đỏ"}`)
		expect("unknown field", code, m, 400, "EINVALID", "")

		// Supplement: the desk's, items and reason required, once.
		code, m = post(d2, "supplement-request", f.Specialist, `{"reason":"Thiếu giấy tờ","items":["Ký giấy đề nghị"]}`)
		expect("specialist asks for a supplement", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d2, "supplement-request", f.Officer, `{"reason":"Thiếu giấy tờ","items":[" "]}`)
		expect("supplement without items", code, m, 400, "EINVALID", "items")
		code, m = post(d2, "supplement-request", f.Officer, `{"reason":"Giấy đề nghị chưa ký","items":["Ký giấy đề nghị","Bổ sung bản sao CCCD"]}`)
		if code != 200 || status(m) != int(onestop.StatusSupplement) {
			t.Fatalf("requestSupplement: %d %v", code, m)
		}
		code, m = post(d2, "supplement-request", f.Officer, `{"reason":"Lần hai","items":["Thêm nữa"]}`)
		expect("second supplement request", code, m, 409, "ECONFLICT", "")

		// Refuse: the desk's, reason required.
		code, m = post(d3, "refuse", f.Leader, `{"reason":"Không thuộc thẩm quyền"}`)
		expect("leader refuses at reception", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d3, "refuse", f.Officer, `{"reason":"  "}`)
		expect("refuse without reason", code, m, 400, "EINVALID", "reason")
		code, m = post(d3, "refuse", f.Officer, `{"reason":"Thủ tục không thuộc thẩm quyền của cơ quan"}`)
		if code != 200 || status(m) != int(onestop.StatusRefused) {
			t.Fatalf("refuseDossier: %d %v", code, m)
		}

		// The journey of d1: accept, the desk's step, the specialist's
		// step, apology, decision, return.
		code, m = post(d1, "accept", f.Officer, `{"note":"Đủ thành phần"}`)
		if code != 200 || status(m) != int(onestop.StatusAccepted) {
			t.Fatalf("acceptDossier: %d %v", code, m)
		}
		version := int64(m["version"].(float64))
		code, m = post(d1, "steps/complete", f.Specialist, `{}`)
		expect("specialist completes the desk's step", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d1, "steps/complete", f.Officer, `{"version":`+i64(version-1)+`}`)
		expect("step with a stale version", code, m, 409, "ECONFLICT", "")
		code, m = post(d1, "steps/complete", f.Officer, `{"version":`+i64(version)+`,"note":"Chuyển thẩm định"}`)
		if code != 200 || status(m) != int(onestop.StatusProcessing) || m["current_step"].(float64) != 1 {
			t.Fatalf("completeStep (desk): %d %v", code, m)
		}
		code, m = post(d1, "steps/complete", f.Specialist, `{"note":"Hồ sơ hợp lệ, đề nghị cấp"}`)
		if code != 200 || m["current_step"].(float64) != 2 {
			t.Fatalf("completeStep (specialist): %d %v", code, m)
		}
		code, m = post(d1, "steps/complete", f.Specialist, `{}`)
		expect("complete the leader's step", code, m, 409, "ECONFLICT", "")

		code, m = post(d1, "apology", f.Leader, `{"reason":"Cần xác minh thêm","new_appointment":"31/02/2026"}`)
		expect("apology with a bad date", code, m, 400, "EINVALID", "new_appointment")
		code, m = post(d1, "apology", f.Officer, `{"reason":"Cần xác minh thêm","new_appointment":"15/12/2026"}`)
		expect("officer apologizes", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d1, "apology", f.Leader, `{"reason":"Cần xác minh thêm tại địa chỉ kinh doanh","new_appointment":"15/12/2026"}`)
		if code != 200 || m["apology"] == nil || !strings.HasPrefix(m["appointment_at"].(string), "2026-12-15") {
			t.Fatalf("apologizeDossier: %d %v", code, m)
		}
		code, m = post(d1, "apology", f.Leader, `{"reason":"Lần hai","new_appointment":"16/12/2026"}`)
		expect("second apology", code, m, 409, "ECONFLICT", "")

		code, m = post(d1, "decision", f.Leader, `{"decision":"approve"}`)
		expect("approve without the result", code, m, 400, "EINVALID", "result_upload")
		code, m = post(d1, "decision", f.Leader, `{"decision":"maybe"}`)
		expect("unknown decision", code, m, 400, "EINVALID", "decision")
		result := f.Upload(t, f.Leader, "giay-chung-nhan.pdf")
		code, m = post(d1, "decision", f.Specialist, `{"decision":"approve","result_upload":"`+result+`"}`)
		expect("specialist decides", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d1, "decision", f.Leader, `{"decision":"approve","result_upload":"`+result+`"}`)
		if code != 200 || status(m) != int(onestop.StatusResultReady) || m["result_upload"] != result {
			t.Fatalf("decideDossier: %d %v", code, m)
		}
		code, m = post(d1, "return", f.Leader, `{}`)
		expect("leader returns", code, m, 403, "EFORBIDDEN", "")
		code, m = post(d1, "return", f.Officer, `{"note":"Công dân nhận trực tiếp"}`)
		if code != 200 || status(m) != int(onestop.StatusReturned) || m["outcome"] == nil {
			t.Fatalf("returnResult: %d %v", code, m)
		}
		code, m = post(d1, "return", f.Officer2, `{}`)
		expect("second return", code, m, 409, "ECONFLICT", "")

		// The leader stops d4 after reception.
		if code, m = post(d4, "accept", f.Officer, `{}`); code != 200 {
			t.Fatalf("accept d4: %d %v", code, m)
		}
		code, m = post(d4, "decision", f.Leader, `{"decision":"stop"}`)
		expect("stop without reason", code, m, 400, "EINVALID", "reason")
		code, m = post(d4, "decision", f.Leader, `{"decision":"stop","reason":"Người nộp đề nghị dừng để sửa đổi ngành nghề"}`)
		if code != 200 || status(m) != int(onestop.StatusStopped) {
			t.Fatalf("stop: %d %v", code, m)
		}

		// A dossier waiting for its supplement since before reception may
		// still be refused at reception.
		if code, m = post(d2, "refuse", f.Officer, `{"reason":"Quá hạn bổ sung"}`); code != 200 {
			t.Fatalf("refuse d2 after its supplement request: %d %v", code, m)
		}
		// Weeks later nothing is overdue: the dossiers are returned,
		// refused or stopped, whatever their due moment was.
		f.Set(time.Date(2026, 12, 31, 9, 0, 0, 0, locale.VN))
		code, m = x.do("GET", "/api/v1/onestop/queue?due=overdue", "/api/v1/onestop/queue", f.Officer, "")
		if code != 200 || m["total"].(float64) != 0 {
			t.Fatalf("overdue queue after the dossiers ended: %d %v", code, m)
		}
	})
}

// The statistics: JSON with the on-time rate, xlsx, and who may read them.
func TestDeskStatsAPI(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskAPI(t, d)
		f := x.f
		d1 := f.Online(t, 1)
		f.Online(t, 2)
		if _, err := f.Dossiers.Accept(f.Ctx, f.Officer, d1.ID, onestop.ActionRequest{}); err != nil {
			t.Fatal(err)
		}
		code, m := x.do("GET", "/api/v1/onestop/stats?from=01/12/2026&to=31/12/2026", "/api/v1/onestop/stats", f.Leader, "")
		if code != 200 {
			t.Fatalf("dossierStats: %d %v", code, m)
		}
		total, _ := m["total"].(map[string]any)
		if total["received"].(float64) != 2 || total["online"].(float64) != 2 || m["on_time_rate"] == nil {
			t.Fatalf("stats total: %v", m)
		}
		code, m = x.do("GET", "/api/v1/onestop/stats?from=31/12/2026&to=01/12/2026", "/api/v1/onestop/stats", f.Leader, "")
		if c, fl := errCode(m); code != 400 || c != "EINVALID" || fl != "to" {
			t.Fatalf("stats with to before from: %d %v", code, m)
		}
		code, m = x.do("GET", "/api/v1/onestop/stats", "/api/v1/onestop/stats", f.Citizen, "")
		if code != 403 {
			t.Fatalf("stats for a citizen: %d %v", code, m)
		}
		req := httptest.NewRequest("GET", "/api/v1/onestop/stats?format=xlsx", nil)
		rec := httptest.NewRecorder()
		x.mux.ServeHTTP(rec, req.WithContext(actor.With(f.Ctx, f.Leader)))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(rec.Body.String(), "PK") {
			t.Fatalf("stats xlsx: %d %s %.80q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	})
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }
