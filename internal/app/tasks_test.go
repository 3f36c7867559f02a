package app

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// The direction and task pages on the demo province, both engines: the
// first start gives directions and meeting tasks on the demo documents,
// some completed on time, some late, some open and overdue; the demo
// leader's board shows them; the leader directs a document through the
// form (a form without a main handler comes back with the reason), and
// the main unit's official reports on it.
func TestTaskPagesOnTheDemo(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			cfg := cheap(install(t, engine))
			cfg.DemoDocuments = 0 // the demo's whole year: these pages are tested on what a user first sees
			a, srv, logins := open(t, cfg)
			ctx := access.WithGuard(context.Background(), a.Guard)
			today := calendar.DateOf(clock.Now().In(locale.VN)).String()
			count := func(q string, args ...any) int {
				t.Helper()
				var n int
				if err := a.DB.Reader().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			onTime := count(`SELECT count(*) FROM tasks WHERE status = 'done' AND completed_on <= deadline`)
			late := count(`SELECT count(*) FROM tasks WHERE status = 'done' AND completed_on > deadline`)
			overdue := count(`SELECT count(*) FROM tasks WHERE status = 'open' AND deadline < $1`, today)
			directions := count(`SELECT count(*) FROM tasks WHERE kind = 'direction'`)
			t.Logf("demo tasks: %d directions, %d on time, %d late, %d open overdue", directions, onTime, late, overdue)
			if directions < 100 || onTime == 0 || late == 0 || overdue == 0 || onTime < late {
				t.Fatalf("demo tasks: %d directions, %d on time, %d late, %d overdue", directions, onTime, late, overdue)
			}
			// The handlers of the demo's directions read the documents,
			// an official of another agency (the provincial office's
			// divisions, directed by the committee) too.
			var doc int64
			var login string
			err := a.DB.Reader().QueryRowContext(ctx, `SELECT r.document_id, MIN(i.login) FROM documents_readers r
				JOIN documents d ON d.id = r.document_id JOIN identity_accounts i ON i.unit_id = r.unit_id AND r.unit_id > 0
				WHERE i.agency_id <> d.agency_id AND i.kind = 'official' GROUP BY r.document_id ORDER BY r.document_id LIMIT 1`).Scan(&doc, &login)
			if err != nil {
				t.Fatalf("no demo direction to another agency's unit with an official: %v", err)
			}
			if _, err := a.Documents.Get(ctx, demoActor(t, a, login), doc); err != nil {
				t.Errorf("%s, of a unit the demo directed document %d to, cannot open it: %v", login, doc, err)
			}
			pw := demoPassword(t, logins)
			leader := newBrowser(t, srv).signIn("demo.leader", pw)
			code, body := leader.get("/office/tasks/board")
			if code != 200 || !strings.Contains(body, "Tỷ lệ đúng hạn") || !regexp.MustCompile(`<td>\d+(,\d)?%</td>`).MatchString(body) {
				t.Fatalf("board: %d\n%.3000s", code, body)
			}
			if code, body = leader.get("/office"); code != 200 || !strings.Contains(body, `href="/office/tasks"`) {
				t.Errorf("the office does not link the tasks: %d", code)
			}
			// A document of the leader's agency that the leader reads.
			me := demoActor(t, a, "demo.leader")
			list, err := a.Documents.List(ctx, me, documents.ListQuery{Direction: documents.Incoming, AgencyID: me.AgencyID, PageSize: 1})
			if err != nil || len(list.Items) == 0 {
				t.Fatalf("the leader's documents: %v, %v", list, err)
			}
			direct := "/office/documents/" + strconv.FormatInt(list.Items[0].ID, 10) + "/direct"
			code, body = leader.get(direct)
			unit := regexp.MustCompile(`<option value="(unit:\d+)"`).FindStringSubmatch(body)
			if code != 200 || unit == nil || !strings.Contains(body, `<label for="main_handler">`) {
				t.Fatalf("direct form: %d\n%.3000s", code, body)
			}
			code, _, body = leader.post(direct, url.Values{"co": {unit[1]}, "deadline_days": {"3"}})
			if code != 400 || !strings.Contains(body, "chủ trì") {
				t.Errorf("direction without a main handler: %d\n%.2000s", code, body)
			}
			code, h, _ := leader.post(direct, url.Values{"main": {unit[1]}, "deadline_days": {"3"}, "comment": {"Giao phòng chủ trì tham mưu văn bản trả lời."}})
			if code != 303 || !strings.Contains(h.Get("Location"), "/office/tasks/") {
				t.Fatalf("direct: %d %v", code, h)
			}
			page := h.Get("Location")
			if code, body = leader.get(page); code != 200 || !strings.Contains(body, "Chỉ đạo xử lý: chủ trì:") || !strings.Contains(body, "Giao phòng chủ trì") {
				t.Errorf("the direction's page: %d\n%.3000s", code, body)
			}
			if code, body = leader.get("/office/tasks?status=open"); code != 200 || !strings.Contains(body, `href="`+strings.Split(page, "?")[0]+`"`) {
				t.Errorf("the leader's list does not show the new direction: %d", code)
			}
			// A meeting task to the demo specialist (of another agency, the
			// Department of Home Affairs), who reports it completed through
			// the page.
			spec := demoActor(t, a, "demo.specialist")
			if mine, err := a.Tasks.List(ctx, spec, tasks.Filter{Assignee: "me"}); err != nil || mine.Total == 0 {
				t.Errorf("the demo specialist's unit has no demo task: %v, %v", mine.Total, err)
			}
			if code, body = leader.get("/office/tasks/new"); code != 200 || !strings.Contains(body, `<label for="title">`) {
				t.Fatalf("new task form: %d\n%.2000s", code, body)
			}
			code, h, body = leader.post("/office/tasks", url.Values{"title": {"Báo cáo số liệu cán bộ, công chức cấp xã"},
				"source": {"Kết luận cuộc họp giao ban"}, "classification": {"noi_bo"}, "main": {"person:" + strconv.FormatInt(spec.AccountID, 10)},
				"deadline_days": {"5"}})
			if code != 303 {
				t.Fatalf("new task: %d\n%.2000s", code, body)
			}
			taskPage := strings.Split(h.Get("Location"), "?")[0]
			specialist := newBrowser(t, srv).signIn("demo.specialist", pw)
			if code, body = specialist.get("/office/tasks"); code != 200 || !strings.Contains(body, `href="`+taskPage+`"`) {
				t.Errorf("the specialist's list: %d\n%.2000s", code, body)
			}
			if code, body = specialist.get(taskPage); code != 200 || !strings.Contains(body, `name="complete"`) {
				t.Fatalf("the specialist's task page offers no completion: %d\n%.3000s", code, body)
			}
			code, _, body = specialist.post(taskPage+"/reports", url.Values{"progress": {"100"}, "content": {""}, "complete": {"1"}})
			if code != 400 || !strings.Contains(body, "Nội dung báo cáo không được để trống") {
				t.Errorf("an empty report: %d\n%.2000s", code, body)
			}
			code, h, _ = specialist.post(taskPage+"/reports", url.Values{"progress": {"100"}, "content": {"Đã gửi báo cáo số 45/BC-SNV."}, "complete": {"1"}})
			if code != 303 {
				t.Fatalf("complete: %d", code)
			}
			if code, body = leader.get(taskPage); code != 200 || !strings.Contains(body, "Hoàn thành") || !strings.Contains(body, "Đã gửi báo cáo số 45/BC-SNV.") ||
				!strings.Contains(body, `action="`+taskPage+`/reopen"`) {
				t.Errorf("the leader's view of the completed task: %d\n%.3000s", code, body)
			}
		})
	}
}
