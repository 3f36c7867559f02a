package tasks_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

const (
	home  = 10
	other = 20
	// Units of the home agency, and one of the other agency.
	unitEconomy = 1 // Phòng Kinh tế
	unitOffice  = 2 // Văn phòng
	unitOther   = 3
)

func official(id, agency, unit int64, role access.Role, clearance string) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: fmt.Sprintf("Cán bộ %d", id), AgencyID: agency, UnitID: unit,
		Clearance: clearance, Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
}

var (
	clerk        = official(200, home, unitOffice, access.Clerk, "noi_bo")
	specialist   = official(202, home, unitEconomy, access.Specialist, "noi_bo") // in Phòng Kinh tế
	leader       = official(203, home, unitOffice, access.Leader, "mat")
	officeSpec   = official(204, home, unitOffice, access.Specialist, "noi_bo") // another unit's specialist
	otherLeader  = official(205, home, unitOffice, access.Leader, "mat")        // a leader not named on restricted tasks
	economyHead  = official(206, home, unitEconomy, access.Leader, "noi_bo")    // head of Phòng Kinh tế
	foreignClerk = official(300, other, unitOther, access.Specialist, "noi_bo")
)

// directory is the fixture's officials and units (app serves them from
// identity and org).
type directory struct {
	people map[int64]tasks.Person
	units  map[int64]tasks.Unit
}

func newDirectory() *directory {
	d := &directory{people: map[int64]tasks.Person{}, units: map[int64]tasks.Unit{
		unitEconomy: {ID: unitEconomy, Name: "Phòng Kinh tế", AgencyID: home},
		unitOffice:  {ID: unitOffice, Name: "Văn phòng", AgencyID: home},
		unitOther:   {ID: unitOther, Name: "Phòng Tổng hợp", AgencyID: other},
	}}
	for _, a := range []*actor.Actor{clerk, specialist, leader, officeSpec, otherLeader, economyHead, foreignClerk} {
		d.people[a.AccountID] = tasks.Person{ID: a.AccountID, Name: a.Name, Email: fmt.Sprintf("cb%d@chinhquyen.test", a.AccountID),
			AgencyID: a.AgencyID, UnitID: a.UnitID, Leader: a.HasRole(string(access.Leader))}
	}
	return d
}

func (d *directory) Person(_ context.Context, id int64) (tasks.Person, error) {
	p, ok := d.people[id]
	if !ok {
		return p, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ")
	}
	return p, nil
}

func (d *directory) Unit(_ context.Context, id int64) (tasks.Unit, error) {
	u, ok := d.units[id]
	if !ok {
		return u, apperr.New(apperr.NotFound, "Không tìm thấy đơn vị")
	}
	return u, nil
}

func (d *directory) Members(_ context.Context, unit int64) ([]tasks.Person, error) {
	var out []tasks.Person
	for _, id := range []int64{200, 202, 203, 204, 205, 206, 300} {
		if p := d.people[id]; p.UnitID == unit {
			out = append(out, p)
		}
	}
	return out, nil
}

func modules() []db.Migrations {
	return []db.Migrations{audit.Migrations, jobs.Migrations, notify.Migrations, blob.Migrations, calstore.Migrations, pki.Migrations,
		documents.Migrations, tasks.Migrations}
}

type fixture struct {
	d       *db.DB
	svc     *tasks.Service
	docs    *documents.Service
	cal     *calendar.Calendar
	audit   *audit.Log
	ctx     context.Context
	uploads *blob.Service
	mu      sync.Mutex
	now     time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// set moves the fixture's clock to 09:00 (Vietnam) of day d.
func (f *fixture) set(d calendar.Date) {
	f.mu.Lock()
	f.now = d.At(calendar.TimeOfDay(9 * 60)).UTC()
	f.mu.Unlock()
}

func (f *fixture) today() calendar.Date { return calendar.DateOf(f.clock().In(locale.VN)) }

type setupOptions struct {
	mail tasks.Mailer
}

func setup(t *testing.T, d *db.DB, o setupOptions) *fixture {
	t.Helper()
	f := &fixture{d: d, now: clock.Now()}
	var err error
	if f.audit, err = audit.New(d, audit.Options{Now: f.clock}); err != nil {
		t.Fatal(err)
	}
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	uploads, err := blob.New(d, blob.Options{Store: store, Audit: f.audit, Keys: keys, Now: f.clock, MaxSize: 1 << 20, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f.uploads = uploads
	if f.docs, err = documents.New(d, documents.Options{Audit: f.audit, Uploads: uploads, Now: f.clock}); err != nil {
		t.Fatal(err)
	}
	cals, err := calstore.New(d, calstore.Options{Audit: f.audit, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cals.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.cal, err = cals.Calendar(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.svc, err = tasks.New(d, tasks.Options{Audit: f.audit, Calendar: cals, Documents: f.docs, Directory: newDirectory(), Uploads: uploads,
		Mail: o.mail, BaseURL: "https://egov.example.vn", Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.ctx = access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: f.audit}))
	// A plain working day: today or the next, with working days on both
	// sides, so tests count from a known start.
	day := f.today()
	for !f.cal.IsWorkingDay(day) || !f.cal.IsWorkingDay(day.AddDays(1)) {
		day = day.AddDays(1)
	}
	f.set(day)
	return f
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// incoming registers an incoming document as the clerk.
func (f *fixture) incoming(t *testing.T, symbol, level string) *documents.Document {
	t.Helper()
	d, err := f.docs.RegisterIncoming(f.ctx, clerk, documents.IncomingRequest{Symbol: symbol, IssuedOn: f.today().AddDays(-1),
		Sender: "UBND tỉnh Lào Cai", Type: "CV", Summary: "V/v triển khai kế hoạch chuyển đổi số", Urgency: "khan", Classification: level})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func unit(id int64, role tasks.Role) tasks.AssigneeRef {
	return tasks.AssigneeRef{Kind: tasks.AssignUnit, ID: id, Role: string(role)}
}

func person(id int64, role tasks.Role) tasks.AssigneeRef {
	return tasks.AssigneeRef{Kind: tasks.AssignPerson, ID: id, Role: string(role)}
}

func meetingTask(f *fixture, title string, deadline tasks.Deadline, level string, refs ...tasks.AssigneeRef) tasks.TaskRequest {
	return tasks.TaskRequest{Title: title, Source: "Kết luận cuộc họp giao ban ngày " + f.today().VN(), Assignees: refs,
		Deadline: deadline, Classification: level}
}

func mustCreate(t *testing.T, f *fixture, req tasks.TaskRequest) *tasks.Task {
	t.Helper()
	task, err := f.svc.Create(f.ctx, leader, req)
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	return task
}

func TestDeadlineInWorkingDaysSkipsWeekendAndTet(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		// A Friday with itself and the next Monday working days.
		fri := f.today()
		for fri.Weekday() != time.Friday || !f.cal.IsWorkingDay(fri) || !f.cal.IsWorkingDay(fri.AddDays(3)) {
			fri = fri.AddDays(1)
		}
		// Next year's Tết (1/1 lunar) and the last working day before the
		// holiday, which starts on the lunar new year's eve at the latest.
		tet, err := calendar.LunarToSolar(calendar.LunarDate{Day: 1, Month: 1, Year: f.today().Year + 1})
		if err != nil {
			t.Fatal(err)
		}
		beforeTet := f.cal.PrevWorkingDay(tet.AddDays(-1))
		for _, tc := range []struct {
			name  string
			start calendar.Date
			days  int
			check func(t *testing.T, due calendar.Date)
		}{
			{"Friday + 1 working day is Monday", fri, 1, func(t *testing.T, due calendar.Date) {
				if due != fri.AddDays(3) {
					t.Errorf("due %s, want Monday %s", due.VN(), fri.AddDays(3).VN())
				}
			}},
			{"Friday + 5 working days is the next Friday", fri, 5, func(t *testing.T, due calendar.Date) {
				if want := fri.AddDays(7); f.cal.IsWorkingDay(want) && due != want {
					t.Errorf("due %s, want %s", due.VN(), want.VN())
				}
			}},
			{"2 working days across Tết", beforeTet, 2, func(t *testing.T, due calendar.Date) {
				// Tết is five days off from the new year's eve (Labour Code
				// 2019 art. 112): both working days fall after the fourth
				// day of the new year.
				if !due.After(tet.AddDays(3)) {
					t.Errorf("due %s, not after the Tết holiday ending %s", due.VN(), tet.AddDays(3).VN())
				}
				if !f.cal.IsWorkingDay(due) || f.cal.CountWorkingDays(beforeTet, due) != 2 {
					t.Errorf("due %s is not the 2nd working day after %s", due.VN(), beforeTet.VN())
				}
				for d := beforeTet.AddDays(1); d.Before(due); d = d.AddDays(1) {
					if !d.Before(tet.AddDays(-1)) && !d.After(tet.AddDays(3)) && f.cal.IsWorkingDay(d) {
						t.Errorf("%s inside Tết counted as a working day", d.VN())
					}
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f.set(tc.start)
				task := mustCreate(t, f, meetingTask(f, "Báo cáo "+tc.name, tasks.Deadline{Days: tc.days}, "", unit(unitEconomy, tasks.RoleMain)))
				tc.check(t, task.Deadline)
				got, err := f.svc.Get(f.ctx, specialist, task.ID)
				if err != nil || got.Deadline != task.Deadline {
					t.Fatalf("stored deadline %v, %v; want %s", got, err, task.Deadline.VN())
				}
			})
		}
	})
}

func TestDirectDocument(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		doc := f.incoming(t, "125/UBND-VP", "noi_bo")
		task, err := f.svc.Direct(f.ctx, leader, doc.ID, tasks.DirectRequest{
			Assignees: []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain), person(officeSpec.AccountID, tasks.RoleCo), unit(unitOffice, tasks.RoleInfo)},
			Deadline:  tasks.Deadline{Days: 5}, Comment: "  Phòng Kinh tế chủ trì tham mưu văn bản trả lời.\nVăn phòng theo dõi. "})
		if err != nil {
			t.Fatal(err)
		}
		if task.Kind != tasks.KindDirection || task.DocumentID != doc.ID || task.Status != tasks.StatusOpen || len(task.Assignees) != 3 {
			t.Fatalf("direction %+v", task)
		}
		if want := calendar.DateOf(f.cal.AddWorkingDays(f.clock(), 5)); task.Deadline != want {
			t.Errorf("deadline %s, want %s", task.Deadline.VN(), want.VN())
		}
		if task.Comment != "Phòng Kinh tế chủ trì tham mưu văn bản trả lời.\nVăn phòng theo dõi." {
			t.Errorf("comment %q", task.Comment)
		}
		if !strings.Contains(task.Source, "125/UBND-VP") {
			t.Errorf("source %q does not name the document", task.Source)
		}
		events, err := f.svc.Timeline(f.ctx, specialist, doc.ID)
		if err != nil || len(events) != 1 {
			t.Fatalf("timeline %+v, %v", events, err)
		}
		e := events[0]
		if e.Kind != tasks.EventDirected || e.Actor != leader.Name || !strings.Contains(e.Text, "chủ trì: Phòng Kinh tế") ||
			!strings.Contains(e.Text, "phối hợp: "+officeSpec.Name) || !strings.Contains(e.Text, "để biết: Văn phòng") ||
			!strings.Contains(e.Text, task.Deadline.VN()) {
			t.Errorf("event %+v", e)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_entries WHERE action = $1 AND object_id = $2`, string(access.TasksDirect), fmt.Sprint(task.ID)); n != 1 {
			t.Errorf("%d audit entries of the direction", n)
		}
		mine, err := f.svc.List(f.ctx, specialist, tasks.Filter{Assignee: "me"})
		if err != nil || mine.Total != 1 || mine.Items[0].ID != task.ID {
			t.Errorf("the main unit's specialist lists %+v, %v", mine, err)
		}
		// Refusals: a specialist does not direct; two main handlers; a
		// document of another agency is not found.
		_, err = f.svc.Direct(f.ctx, specialist, doc.ID, tasks.DirectRequest{Assignees: []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain)}})
		if !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a specialist directed: %v", err)
		}
		_, err = f.svc.Direct(f.ctx, leader, doc.ID, tasks.DirectRequest{Assignees: []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain), unit(unitOffice, tasks.RoleMain)}})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "Chỉ một") {
			t.Errorf("two main handlers: %v", err)
		}
		foreign := official(301, other, unitOther, access.Leader, "mat")
		if _, err = f.svc.Direct(f.ctx, foreign, doc.ID, tasks.DirectRequest{Assignees: []tasks.AssigneeRef{unit(unitOther, tasks.RoleMain)}}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another agency's leader directed: %v", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM tasks`); n != 1 {
			t.Errorf("%d tasks after refusals", n)
		}
	})
}

func TestReportCompleteReopenExtend(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		doc := f.incoming(t, "12/KH-UBND", "noi_bo")
		task, err := f.svc.Direct(f.ctx, leader, doc.ID, tasks.DirectRequest{Deadline: tasks.Deadline{Days: 3},
			Assignees: []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain), person(officeSpec.AccountID, tasks.RoleCo), person(clerk.AccountID, tasks.RoleInfo)}})
		if err != nil {
			t.Fatal(err)
		}
		// A co-handler reports progress.
		got, err := f.svc.Report(f.ctx, officeSpec, task.ID, tasks.ReportRequest{Progress: 40, Content: "Đã tổng hợp ý kiến các phòng."})
		if err != nil || got.Progress != 40 || got.Status != tasks.StatusOpen {
			t.Fatalf("report: %+v, %v", got, err)
		}
		for _, tc := range []struct {
			name  string
			who   *actor.Actor
			req   tasks.ReportRequest
			code  apperr.Code
			field string
		}{
			{"informed only", clerk, tasks.ReportRequest{Progress: 10, Content: "Đã xem"}, apperr.Forbidden, ""},
			{"not assigned", otherLeader, tasks.ReportRequest{Progress: 10, Content: "Đã xem"}, apperr.Forbidden, ""},
			{"co-handler completes", officeSpec, tasks.ReportRequest{Complete: true, Content: "Xong"}, apperr.Invalid, "complete"},
			{"empty content", specialist, tasks.ReportRequest{Progress: 50, Content: " \n "}, apperr.Invalid, "content"},
			{"progress above 100", specialist, tasks.ReportRequest{Progress: 120, Content: "Vượt"}, apperr.Invalid, "progress"},
		} {
			_, err := f.svc.Report(f.ctx, tc.who, task.ID, tc.req)
			var ae *apperr.Error
			if !apperr.Is(err, tc.code) || (tc.field != "" && (!asErr(err, &ae) || ae.Field != tc.field)) {
				t.Errorf("%s: %v, want %s %s", tc.name, err, tc.code, tc.field)
			}
		}
		// The main unit's official completes it, on time.
		got, err = f.svc.Report(f.ctx, specialist, task.ID, tasks.ReportRequest{Complete: true, Content: "Đã trình văn bản trả lời số 130/UBND-KT."})
		if err != nil || !got.Done() || got.Progress != 100 || !got.OnTime() || got.CompletedOn != f.today() {
			t.Fatalf("complete: %+v, %v", got, err)
		}
		if _, err := f.svc.Report(f.ctx, specialist, task.ID, tasks.ReportRequest{Progress: 100, Content: "Thêm"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("report on a completed task: %v", err)
		}
		if _, err := f.svc.Extend(f.ctx, leader, task.ID, tasks.ChangeRequest{Deadline: tasks.Deadline{Days: 2}, Reason: "Bổ sung"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("extend a completed task: %v", err)
		}
		// The leader reopens it with a new deadline, then extends it.
		if _, err := f.svc.Reopen(f.ctx, specialist, task.ID, tasks.ChangeRequest{Reason: "Bổ sung số liệu"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a specialist reopened: %v", err)
		}
		if _, err := f.svc.Reopen(f.ctx, leader, task.ID, tasks.ChangeRequest{Reason: ""}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("reopened without a reason: %v", err)
		}
		got, err = f.svc.Reopen(f.ctx, leader, task.ID, tasks.ChangeRequest{Reason: "Bổ sung số liệu quý IV", Deadline: tasks.Deadline{Days: 2}})
		if err != nil || got.Done() || !got.CompletedAt.IsZero() {
			t.Fatalf("reopen: %+v, %v", got, err)
		}
		later := f.cal.ShiftWorkingDays(f.today(), 10)
		got, err = f.svc.Extend(f.ctx, leader, task.ID, tasks.ChangeRequest{Reason: "Chờ ý kiến Sở Tài chính", Deadline: tasks.Deadline{Date: later}})
		if err != nil || got.Deadline != later {
			t.Fatalf("extend: %+v, %v", got, err)
		}
		events, err := f.svc.Timeline(f.ctx, leader, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if strings.Join(kinds, ",") != "directed,reported,completed,reopened,extended" {
			t.Errorf("timeline %v", kinds)
		}
		if last := events[len(events)-1]; !strings.Contains(last.Text, later.VN()) || !strings.Contains(last.Text, "Chờ ý kiến Sở Tài chính") {
			t.Errorf("extension event %q", last.Text)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_entries WHERE object_type = 'task' AND outcome = 'ok'`); n != 5 {
			t.Errorf("%d audit entries for 5 changes", n)
		}
	})
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestBadInputIsRefusedAndNothingWritten(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		ok := meetingTask(f, "Rà soát hồ sơ trễ hạn", tasks.Deadline{Days: 3}, "", unit(unitEconomy, tasks.RoleMain))
		for _, tc := range []struct {
			name  string
			edit  func(r *tasks.TaskRequest)
			field string
			text  string
		}{
			{"deadline in the past", func(r *tasks.TaskRequest) { r.Deadline = tasks.Deadline{Date: f.today().AddDays(-1)} }, "deadline", "đã qua"},
			{"no deadline", func(r *tasks.TaskRequest) { r.Deadline = tasks.Deadline{} }, "deadline", "Thiếu hạn"},
			{"both deadlines", func(r *tasks.TaskRequest) { r.Deadline = tasks.Deadline{Days: 2, Date: f.today().AddDays(9)} }, "deadline", "không ghi cả hai"},
			{"too many days", func(r *tasks.TaskRequest) { r.Deadline = tasks.Deadline{Days: 5000} }, "deadline_days", "ngày làm việc"},
			{"unknown unit", func(r *tasks.TaskRequest) { r.Assignees = []tasks.AssigneeRef{unit(999, tasks.RoleMain)} }, "assignees", "Không có đơn vị #999"},
			{"unknown person", func(r *tasks.TaskRequest) { r.Assignees = []tasks.AssigneeRef{person(999, tasks.RoleMain)} }, "assignees", "Không có cán bộ #999"},
			{"no main handler", func(r *tasks.TaskRequest) { r.Assignees = []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleCo)} }, "assignees", "chủ trì"},
			{"nobody", func(r *tasks.TaskRequest) { r.Assignees = nil }, "assignees", "Chưa chọn"},
			{"twice", func(r *tasks.TaskRequest) {
				r.Assignees = []tasks.AssigneeRef{unit(unitEconomy, tasks.RoleMain), unit(unitEconomy, tasks.RoleCo)}
			}, "assignees", "hai lần"},
			{"bad role", func(r *tasks.TaskRequest) { r.Assignees = []tasks.AssigneeRef{unit(unitEconomy, "boss")} }, "assignees", "Vai trò"},
			{"empty title", func(r *tasks.TaskRequest) { r.Title = "   " }, "title", "không được để trống"},
			{"hidden character", func(r *tasks.TaskRequest) { r.Title = "Rà soát\u202e hồ sơ" }, "title", "ký tự ẩn"},
			{"no source", func(r *tasks.TaskRequest) { r.Source = "" }, "source", "không được để trống"},
			{"state secret", func(r *tasks.TaskRequest) { r.Classification = "mat" }, "classification", "bí mật nhà nước"},
			{"unknown document", func(r *tasks.TaskRequest) { r.DocumentID = 4242 }, "document_id", "Không tìm thấy văn bản"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req := ok
				tc.edit(&req)
				_, err := f.svc.Create(f.ctx, leader, req)
				var ae *apperr.Error
				if !asErr(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tc.field || !strings.Contains(ae.Message, tc.text) {
					t.Fatalf("got %#v, want EINVALID on %s saying %q", err, tc.field, tc.text)
				}
			})
		}
		if n := f.count(t, `SELECT COUNT(*) FROM tasks`) + f.count(t, `SELECT COUNT(*) FROM tasks_events`) +
			f.count(t, `SELECT COUNT(*) FROM tasks_assignees`) + f.count(t, `SELECT COUNT(*) FROM audit_entries WHERE object_type = 'task'`); n != 0 {
			t.Errorf("%d rows written by refused requests", n)
		}
		mustCreate(t, f, ok) // the unedited request is fine
	})
}

func TestBoardFiguresAndOverdue(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		start := f.today()
		due := f.cal.ShiftWorkingDays(start, 2)
		mk := func(title string, u int64) *tasks.Task {
			return mustCreate(t, f, meetingTask(f, title, tasks.Deadline{Date: due}, "", unit(u, tasks.RoleMain)))
		}
		early, onDay, late, overdue := mk("Sớm", unitEconomy), mk("Đúng hạn", unitEconomy), mk("Trễ", unitEconomy), mk("Quá hạn", unitEconomy)
		notDue := mustCreate(t, f, meetingTask(f, "Chưa đến hạn", tasks.Deadline{Date: f.cal.ShiftWorkingDays(start, 30)}, "", unit(unitEconomy, tasks.RoleMain)))
		office := mk("Văn phòng đúng hạn", unitOffice)
		complete := func(task *tasks.Task, who *actor.Actor) {
			t.Helper()
			if _, err := f.svc.Report(f.ctx, who, task.ID, tasks.ReportRequest{Complete: true, Content: "Hoàn thành"}); err != nil {
				t.Fatal(err)
			}
		}
		complete(early, specialist)
		f.set(due)
		complete(onDay, specialist)
		complete(office, officeSpec)
		f.set(f.cal.NextWorkingDay(due))
		complete(late, specialist)
		_ = overdue
		b, err := f.svc.Board(f.ctx, leader, 0, start, f.cal.ShiftWorkingDays(start, 40))
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Overdue) != 1 || b.Overdue[0].ID != overdue.ID {
			t.Errorf("overdue list %+v", b.Overdue)
		}
		want := map[string]tasks.UnitFigures{
			"Phòng Kinh tế": {UnitID: unitEconomy, Name: "Phòng Kinh tế", Total: 5, Completed: 3, OnTime: 2, Overdue: 1, Open: 1},
			"Văn phòng":     {UnitID: unitOffice, Name: "Văn phòng", Total: 1, Completed: 1, OnTime: 1},
		}
		if len(b.Units) != 2 {
			t.Fatalf("units %+v", b.Units)
		}
		for _, u := range b.Units {
			if u != want[u.Name] {
				t.Errorf("%s: %+v, want %+v", u.Name, u, want[u.Name])
			}
		}
		if b.Units[0].Name != "Phòng Kinh tế" || b.Units[0].RateText() != "66,7%" || b.Units[1].RateText() != "100%" {
			t.Errorf("rates %s %s", b.Units[0].RateText(), b.Units[1].RateText())
		}
		if b.All.Total != 6 || b.All.Completed != 4 || b.All.OnTime != 3 || b.All.Overdue != 1 || b.All.Open != 1 {
			t.Errorf("agency figures %+v", b.All)
		}
		// A period that ends before the deadlines counts nothing; the
		// overdue list is not limited by the period.
		b, err = f.svc.Board(f.ctx, leader, 0, start, start)
		if err != nil || b.All.Total != 0 || len(b.Overdue) != 1 {
			t.Errorf("period before the deadlines: %+v, %v", b, err)
		}
		if _, err := f.svc.Board(f.ctx, specialist, 0, start, start); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a specialist opened the board: %v", err)
		}
		// The filters of List.
		for _, tc := range []struct {
			name string
			f    tasks.Filter
			want int
		}{
			{"overdue", tasks.Filter{Overdue: true}, 2}, // open past due, and completed late
			{"open", tasks.Filter{Status: tasks.StatusOpen}, 2},
			{"done", tasks.Filter{Status: tasks.StatusDone}, 4},
			{"unit", tasks.Filter{Assignee: fmt.Sprintf("unit:%d", unitOffice)}, 1},
			{"assigned by me", tasks.Filter{AssignedByMe: true}, 6},
		} {
			p, err := f.svc.List(f.ctx, leader, tc.f)
			if err != nil || p.Total != tc.want {
				t.Errorf("%s: total %d, %v; want %d", tc.name, p.Total, err, tc.want)
			}
		}
		_ = notDue
	})
}

func TestRestrictedTaskHiddenFromOthers(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		secret := mustCreate(t, f, meetingTask(f, "Xác minh đơn tố cáo", tasks.Deadline{Days: 5}, "han_che", unit(unitEconomy, tasks.RoleMain)))
		open := mustCreate(t, f, meetingTask(f, "Báo cáo tiến độ", tasks.Deadline{Days: 5}, "noi_bo", unit(unitEconomy, tasks.RoleMain)))
		for _, tc := range []struct {
			name    string
			who     *actor.Actor
			sees    bool
			listed  int // tasks listed of the agency
			onBoard int
		}{
			{"the leader who gave it", leader, true, 2, 2},
			{"the main unit's specialist", specialist, true, 2, -1},
			{"another unit's specialist", officeSpec, false, 1, -1},
			{"another leader not named", otherLeader, false, 1, 1},
			{"another agency's official", foreignClerk, false, 0, -1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Get(f.ctx, tc.who, secret.ID)
				if tc.sees != (err == nil) || (!tc.sees && !apperr.Is(err, apperr.NotFound)) {
					t.Errorf("get: %v, want visible=%v", err, tc.sees)
				}
				p, err := f.svc.List(f.ctx, tc.who, tasks.Filter{AgencyID: home})
				if err != nil || p.Total != tc.listed || len(p.Items) != tc.listed {
					t.Errorf("list: total %d (%d items), %v; want %d", p.Total, len(p.Items), err, tc.listed)
				}
				if tc.onBoard >= 0 {
					b, err := f.svc.Board(f.ctx, tc.who, home, calendar.Date{}, f.cal.ShiftWorkingDays(f.today(), 20))
					if err != nil || b.All.Total != tc.onBoard {
						t.Errorf("board counts %d, %v; want %d", b.All.Total, err, tc.onBoard)
					}
				}
			})
		}
		if _, err := f.svc.Report(f.ctx, officeSpec, secret.ID, tasks.ReportRequest{Progress: 10, Content: "Thử"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another unit's specialist reported on a restricted task: %v", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_entries WHERE outcome = 'denied' AND object_type = 'task'`); n == 0 {
			t.Error("refused reads of the restricted task were not recorded")
		}
		_ = open
	})
}

func FuzzParseAssignee(f *testing.F) {
	for _, s := range []string{"", "me", "unit:12", "person:7", "unit:", "unit:-1", "person:9223372036854775808", "group:1", " me ", "unit:1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, id, err := tasks.ParseAssignee(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		switch kind {
		case "", "me":
			if id != 0 {
				t.Fatalf("%q: id %d", s, id)
			}
		case tasks.AssignUnit, tasks.AssignPerson:
			if id <= 0 {
				t.Fatalf("%q: id %d", s, id)
			}
		default:
			t.Fatalf("%q: kind %q", s, kind)
		}
	})
}

func TestReportWithFiles(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, setupOptions{})
		plain := mustCreate(t, f, meetingTask(f, "Báo cáo có tệp", tasks.Deadline{Days: 3}, "", unit(unitEconomy, tasks.RoleMain)))
		secret := mustCreate(t, f, meetingTask(f, "Xác minh có tệp", tasks.Deadline{Days: 3}, "han_che", unit(unitEconomy, tasks.RoleMain)))
		up, err := f.uploads.Upload(f.ctx, specialist, bytes.NewReader(blobtest.PNG()), blob.Request{Name: "bang-tong-hop.png"})
		if err != nil {
			t.Fatal(err)
		}
		// A restricted task takes only uploads encrypted at rest.
		_, err = f.svc.Report(f.ctx, specialist, secret.ID, tasks.ReportRequest{Progress: 20, Content: "Kèm bảng", Attachments: []string{up.ID}})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "không mã hoá") {
			t.Errorf("unencrypted file on a restricted task: %v", err)
		}
		// Another official's upload is not found.
		if _, err := f.svc.Report(f.ctx, officeSpec, plain.ID, tasks.ReportRequest{Progress: 20, Content: "Kèm bảng", Attachments: []string{up.ID}}); err == nil {
			t.Error("a report carried another official's upload")
		}
		if _, err := f.svc.Report(f.ctx, specialist, plain.ID, tasks.ReportRequest{Progress: 60, Content: "Kèm bảng tổng hợp", Attachments: []string{up.ID}}); err != nil {
			t.Fatal(err)
		}
		events, err := f.svc.Events(f.ctx, leader, plain.ID)
		if err != nil || len(events) != 2 || len(events[1].Files) != 1 || events[1].Files[0].SHA256 != up.SHA256 || events[1].Files[0].Name != "bang-tong-hop.png" {
			t.Fatalf("events %+v, %v", events, err)
		}
		if n := f.count(t, `SELECT refs FROM blob_uploads WHERE id = $1`, up.ID); n != 1 {
			t.Errorf("upload referenced %d times", n)
		}
	})
}
