package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// taskDir is the API test's officials and units.
type taskDir map[int64]tasks.Person

func (d taskDir) Person(_ context.Context, id int64) (tasks.Person, error) {
	if p, ok := d[id]; ok {
		return p, nil
	}
	return tasks.Person{}, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ")
}

func (d taskDir) Unit(_ context.Context, id int64) (tasks.Unit, error) {
	if id == 31 {
		return tasks.Unit{ID: 31, Name: "Phòng Kinh tế", AgencyID: 3}, nil
	}
	return tasks.Unit{}, apperr.New(apperr.NotFound, "Không tìm thấy đơn vị")
}

func (d taskDir) Members(context.Context, int64) ([]tasks.Person, error) { return nil, nil }

// createTask, listTasks, reportTask, directDocument and the others answer
// as documented, with the field of bad input and 404 for who may not see
// a task.
func TestTasksAPI(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations, calstore.Migrations, documents.Migrations, tasks.Migrations}, func(t *testing.T, d *db.DB) {
		// A working day at 09:00 in Vietnam, from the real clock so that
		// deadlines are never in the past.
		now := clock.Now()
		lg, err := audit.New(d, audit.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		cals, err := calstore.New(d, calstore.Options{Audit: lg})
		if err != nil {
			t.Fatal(err)
		}
		cal, err := cals.Calendar(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		day := calendar.DateOf(now.In(locale.VN))
		for !cal.IsWorkingDay(day) {
			day = day.AddDays(1)
		}
		now = day.At(calendar.TimeOfDay(9 * 60)).UTC()
		clk := func() time.Time { return now }
		store, _ := blob.NewLocal(t.TempDir())
		uploads, err := blob.New(d, blob.Options{Store: store, Audit: lg, Now: clk, SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		docs, err := documents.New(d, documents.Options{Audit: lg, Uploads: uploads, Now: clk})
		if err != nil {
			t.Fatal(err)
		}
		dir := taskDir{8: {ID: 8, Name: "Lê Thị Hoa", AgencyID: 3, UnitID: 31}, 10: {ID: 10, Name: "Trần Văn Nam", AgencyID: 3, UnitID: 32}}
		svc, err := tasks.New(d, tasks.Options{Audit: lg, Calendar: cals, Documents: docs, Directory: dir, Now: clk})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Documents: docs, Tasks: svc, Now: clk}).Register(mux)
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: lg}))
		official := func(id int64, unit int64, role string) *actor.Actor {
			return &actor.Actor{AccountID: id, Name: fmt.Sprintf("Cán bộ %d", id), Kind: actor.Official, AgencyID: 3, UnitID: unit, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: role, AgencyID: 3}}}
		}
		clerk, leader, specialist, other := official(7, 32, "clerk"), official(9, 32, "leader"), official(8, 31, "specialist"), official(10, 32, "specialist")
		doc, err := docs.RegisterIncoming(ctx, clerk, documents.IncomingRequest{Symbol: "125/UBND-VP", IssuedOn: day.AddDays(-1), Sender: "UBND tỉnh Lào Cai",
			Type: "CV", Summary: "V/v báo cáo tình hình", Classification: "noi_bo"})
		if err != nil {
			t.Fatal(err)
		}
		do := func(method, path, pattern string, who *actor.Actor, body string) (int, map[string]any) {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(actor.With(ctx, who))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if err := apitest.Check(method, pattern, rec.Code, rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
			var m map[string]any
			json.Unmarshal(rec.Body.Bytes(), &m)
			return rec.Code, m
		}
		direct := fmt.Sprintf("/api/v1/documents/%d/direct", doc.ID)
		code, m := do("POST", direct, "/api/v1/documents/{id}/direct", leader,
			`{"assignees":[{"unit_id":31,"role":"chu_tri"},{"account_id":10,"role":"de_biet"}],"deadline_days":3,"comment":"Tham mưu trả lời"}`)
		if code != 201 || m["kind"] != "direction" || m["deadline"] == "" {
			t.Fatalf("directDocument: %d %v", code, m)
		}
		code, m = do("POST", "/api/v1/tasks", "/api/v1/tasks", leader,
			`{"title":"Rà soát hồ sơ trễ hạn","source":"Kết luận cuộc họp giao ban ngày `+day.VN()+`","assignees":[{"account_id":8}],"deadline":"`+day.AddDays(20).VN()+`"}`)
		if code != 201 || m["status"] != "open" {
			t.Fatalf("createTask: %d %v", code, m)
		}
		id := int64(m["id"].(float64))
		for _, tc := range []struct {
			name, body, field string
		}{
			{"past deadline", `{"title":"X","source":"Họp","assignees":[{"account_id":8}],"deadline":"` + day.AddDays(-2).String() + `"}`, "deadline"},
			{"unknown assignee", `{"title":"X","source":"Họp","assignees":[{"account_id":999}],"deadline_days":2}`, "assignees"},
			{"unit and person at once", `{"title":"X","source":"Họp","assignees":[{"account_id":8,"unit_id":31}],"deadline_days":2}`, "assignees"},
			{"unknown field", `{"title":"X","due":"mai"}`, ""},
		} {
			code, m := do("POST", "/api/v1/tasks", "/api/v1/tasks", leader, tc.body)
			e, _ := m["error"].(map[string]any)
			if code != 400 || e["code"] != "EINVALID" || (tc.field != "" && e["field"] != tc.field) || e["message"] == "" {
				t.Errorf("%s: %d %v", tc.name, code, m)
			}
		}
		code, m = do("POST", fmt.Sprintf("/api/v1/tasks/%d/reports", id), "/api/v1/tasks/{id}/reports", specialist, `{"progress":50,"content":"Đã rà soát 40 hồ sơ","complete":false}`)
		if task, _ := m["task"].(map[string]any); code != 201 || task["progress"] != float64(50) {
			t.Errorf("reportTask: %d %v", code, m)
		}
		code, m = do("POST", fmt.Sprintf("/api/v1/tasks/%d/reports", id), "/api/v1/tasks/{id}/reports", specialist, `{"progress":50,"content":""}`)
		if e, _ := m["error"].(map[string]any); code != 400 || e["field"] != "content" {
			t.Errorf("empty report: %d %v", code, m)
		}
		code, m = do("POST", fmt.Sprintf("/api/v1/tasks/%d/reports", id), "/api/v1/tasks/{id}/reports", specialist, `{"content":"Hoàn thành","complete":true}`)
		if task, _ := m["task"].(map[string]any); code != 201 || task["status"] != "done" {
			t.Errorf("complete: %d %v", code, m)
		}
		code, m = do("GET", fmt.Sprintf("/api/v1/tasks/%d", id), "/api/v1/tasks/{id}", specialist, "")
		if ev, _ := m["events"].([]any); code != 200 || len(ev) != 3 {
			t.Errorf("getTask: %d %v", code, m)
		}
		code, m = do("POST", fmt.Sprintf("/api/v1/tasks/%d/reopen", id), "/api/v1/tasks/{id}/reopen", leader, `{"reason":"Thiếu số liệu xã"}`)
		if task, _ := m["task"].(map[string]any); code != 200 || task["status"] != "open" {
			t.Errorf("reopenTask: %d %v", code, m)
		}
		code, _ = do("POST", fmt.Sprintf("/api/v1/tasks/%d/extend", id), "/api/v1/tasks/{id}/extend", leader, `{"deadline_days":5,"reason":"Chờ số liệu"}`)
		if code != 200 {
			t.Errorf("extendTask: %d", code)
		}
		code, m = do("GET", "/api/v1/tasks?assignee=me&status=open", "/api/v1/tasks", specialist, "")
		if code != 200 || m["total"] != float64(2) {
			t.Errorf("listTasks for the specialist: %d %v", code, m)
		}
		code, m = do("GET", "/api/v1/tasks?overdue=maybe", "/api/v1/tasks", leader, "")
		if code != 400 {
			t.Errorf("listTasks bad filter: %d %v", code, m)
		}
		code, m = do("GET", "/api/v1/tasks/board", "/api/v1/tasks/board", leader, "")
		if code != 200 || m["all"] == nil {
			t.Errorf("taskBoard: %d %v", code, m)
		}
		if code, _ = do("GET", "/api/v1/tasks/board", "/api/v1/tasks/board", specialist, ""); code != 403 {
			t.Errorf("taskBoard for a specialist: %d", code)
		}
		// A restricted task: another unit's specialist neither reads nor
		// counts it.
		code, m = do("POST", "/api/v1/tasks", "/api/v1/tasks", leader,
			`{"title":"Xác minh đơn","source":"Chỉ đạo của Chủ tịch","classification":"han_che","assignees":[{"unit_id":31}],"deadline_days":4}`)
		if code != 201 {
			t.Fatalf("restricted task: %d %v", code, m)
		}
		secret := int64(m["id"].(float64))
		if code, _ = do("GET", fmt.Sprintf("/api/v1/tasks/%d", secret), "/api/v1/tasks/{id}", other, ""); code != 404 {
			t.Errorf("another unit's specialist read a restricted task: %d", code)
		}
		code, m = do("GET", "/api/v1/tasks", "/api/v1/tasks", other, "")
		if code != 200 || m["total"] != float64(2) {
			t.Errorf("another unit's specialist lists %v tasks, want 2 (the direction and the meeting task)", m["total"])
		}
	})
}
