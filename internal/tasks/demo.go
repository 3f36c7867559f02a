package tasks

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// DemoStaff is who gives and receives the demo tasks of one agency.
type DemoStaff struct {
	Leader Person // the leader who directs and gives tasks
	Units  []Unit // the units tasks are given to (at least one)
	// People are officials who may be named as co-handlers.
	People []Person
}

// SeedDemo gives realistic directions and tasks on the demo province's
// documents, as if they had been handled over the past months: three in
// five of the incoming documents directed to a unit with a deadline of
// 3–15 working days, most completed on time, some late, some still open
// and overdue, and, for each agency, tasks from its weekly meetings (some
// restricted to the leader and the unit given them). Restricted documents
// are left to their named readers: a leader directs what they may read. It is
// deterministic (the same documents give the same tasks), written directly
// with back-dated events in one transaction audited as one demo load, and
// meant for an installation's first start only. staff gives each agency's
// leader and units; documents of an agency without staff are skipped. It
// returns how many tasks it wrote.
func (s *Service) SeedDemo(ctx context.Context, docs []*documents.Document, staff map[int64]DemoStaff) (int, error) {
	cal, err := s.opts.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	now := s.opts.Now()
	today := calendar.DateOf(now.In(locale.VN))
	rng := rand.New(rand.NewPCG(20200305, uint64(len(docs))))
	var plans []demoPlan
	for i, d := range docs {
		st, ok := staff[d.AgencyID]
		if !ok || len(st.Units) == 0 || d.Direction != documents.Incoming || d.Classification > access.Internal || i%5 >= 3 {
			continue
		}
		received := d.ReceivedAt
		if received.IsZero() || received.After(now) {
			continue
		}
		unit := st.Units[rng.IntN(len(st.Units))]
		t := &Task{AgencyID: d.AgencyID, DocumentID: d.ID, Kind: KindDirection, Title: d.Summary, Source: documentSource(d),
			Classification: d.Classification, Readers: d.Resource().People,
			Comment: demoComments[rng.IntN(len(demoComments))]}
		t.Assignees = []Assignee{{Kind: AssignUnit, ID: unit.ID, AgencyID: unit.AgencyID, UnitID: unit.ID, Name: unit.Name, Role: RoleMain}}
		if len(st.Units) > 1 && rng.IntN(3) == 0 {
			co := st.Units[rng.IntN(len(st.Units))]
			if co.ID != unit.ID {
				t.Assignees = append(t.Assignees, Assignee{Kind: AssignUnit, ID: co.ID, AgencyID: co.AgencyID, UnitID: co.ID, Name: co.Name, Role: RoleCo})
			}
		}
		plans = append(plans, s.plan(rng, cal, today, st.Leader, t, received.Add(time.Duration(1+rng.IntN(5))*time.Hour)))
	}
	agencies := make([]int64, 0, len(staff))
	for id := range staff {
		agencies = append(agencies, id)
	}
	slices.Sort(agencies) // the same tasks on every run
	for _, agency := range agencies {
		st := staff[agency]
		if len(st.Units) == 0 {
			continue
		}
		// A weekly meeting's conclusions for the last twelve weeks.
		for w := 1; w <= 12; w++ {
			day := cal.ShiftWorkingDays(today, -5*w)
			for k := 0; k < 2; k++ {
				unit := st.Units[rng.IntN(len(st.Units))]
				t := &Task{AgencyID: agency, Kind: KindTask, Title: demoMeetingTasks[rng.IntN(len(demoMeetingTasks))],
					Source: "Kết luận cuộc họp giao ban ngày " + day.VN(), Classification: access.Internal}
				if (w+k)%6 == 0 {
					// Some conclusions are for the people concerned only.
					t.Classification = access.Restricted
				}
				t.Assignees = []Assignee{{Kind: AssignUnit, ID: unit.ID, AgencyID: unit.AgencyID, UnitID: unit.ID, Name: unit.Name, Role: RoleMain}}
				plans = append(plans, s.plan(rng, cal, today, st.Leader, t, day.At(calendar.TimeOfDay(16*60))))
			}
		}
	}
	if len(plans) == 0 {
		return 0, nil
	}
	system := actor.SystemActor("demo")
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range plans {
			if err := s.writePlan(ctx, tx, p); err != nil {
				return err
			}
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: system, Action: "tasks.demo.seed", ObjectType: "task", ObjectID: "demo",
			Summary: map[string]any{"tasks": len(plans)}})
	})
	if err != nil {
		return 0, fmt.Errorf("seed demo tasks: %w", err)
	}
	return len(plans), nil
}

// demoPlan is a demo task with its back-dated events.
type demoPlan struct {
	task   *Task
	events []Event
}

// plan decides how a demo task given at `given` went: due after 3–15
// working days; if due, completed on time (about three in four), late, or
// still open; if not yet due, open with progress reported.
func (s *Service) plan(rng *rand.Rand, cal *calendar.Calendar, today calendar.Date, leader Person, t *Task, given time.Time) demoPlan {
	days := 3 + rng.IntN(13)
	t.Deadline = calendar.DateOf(cal.AddWorkingDays(given, days))
	t.Status, t.CreatedBy, t.CreatedName, t.CreatedAt = StatusOpen, leader.ID, leader.Name, given.UTC().Truncate(time.Microsecond)
	kind, text := EventAssigned, assignText(t)
	if t.Kind == KindDirection {
		kind, text = EventDirected, directionText(t)
	}
	p := demoPlan{task: t, events: []Event{{At: t.CreatedAt, ActorID: leader.ID, Actor: leader.Name, Kind: kind, Text: text, Deadline: t.Deadline}}}
	handler := t.Assignees[0].Name
	at := func(d calendar.Date) time.Time {
		return d.At(calendar.TimeOfDay(9*60 + rng.IntN(7*60))).UTC().Truncate(time.Microsecond)
	}
	report := func(d calendar.Date, progress int, kind string) {
		p.events = append(p.events, Event{At: at(d), Actor: handler, Kind: kind, Progress: progress,
			Text: demoReports[rng.IntN(len(demoReports))]})
		t.Progress = progress
	}
	mid := cal.ShiftWorkingDays(calendar.DateOf(given), max(1, days/2))
	if mid.Before(today) {
		report(mid, 30+10*rng.IntN(5), EventReported)
	}
	if !t.Deadline.Before(today) {
		return p // not yet due: in hand
	}
	switch r := rng.IntN(100); {
	case r < 72: // on time
		done := t.Deadline
		if rng.IntN(2) == 0 && mid.Before(t.Deadline) {
			done = cal.ShiftWorkingDays(t.Deadline, -1)
		}
		p.complete(done, at(done))
		report(done, 100, EventCompleted)
	case r < 88: // late, but done
		done := cal.ShiftWorkingDays(t.Deadline, 1+rng.IntN(4))
		if done.After(today) {
			done = today
		}
		p.complete(done, at(done))
		report(done, 100, EventCompleted)
	}
	// Otherwise still open and overdue.
	return p
}

func (p *demoPlan) complete(d calendar.Date, at time.Time) {
	p.task.Status, p.task.CompletedOn, p.task.CompletedAt = StatusDone, d, at
}

func (s *Service) writePlan(ctx context.Context, tx *sql.Tx, p demoPlan) error {
	t := p.task
	var completedAt int64
	if !t.CompletedAt.IsZero() {
		completedAt = t.CompletedAt.UnixMicro()
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO tasks (agency_id, document_id, kind, title, source, comment, classification, deadline,
		status, progress, created_by, created_name, created_at, completed_at, completed_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		t.AgencyID, t.DocumentID, t.Kind, t.Title, t.Source, t.Comment, t.Classification.String(), t.Deadline.String(),
		t.Status, t.Progress, t.CreatedBy, t.CreatedName, t.CreatedAt.UnixMicro(), completedAt, t.CompletedOn.String()).Scan(&t.ID)
	if err != nil {
		return err
	}
	for _, as := range t.Assignees {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks_assignees (task_id, kind, ref_id, agency_id, unit_id, name, role)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, as.Kind, as.ID, as.AgencyID, as.UnitID, as.Name, string(as.Role)); err != nil {
			return err
		}
	}
	// The handlers read the document, as after a direction given on the
	// page (the demo's provincial committee directs to its office's
	// divisions, another agency).
	if err := s.addDocumentReaders(ctx, tx, &actor.Actor{AccountID: t.CreatedBy, Kind: actor.Official, Name: t.CreatedName}, t); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, r := range t.Readers {
		if r != 0 && !seen[r] {
			seen[r] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks_readers (task_id, account_id) VALUES ($1, $2)`, t.ID, r); err != nil {
				return err
			}
		}
	}
	for _, e := range p.events {
		e.TaskID = t.ID
		if err := s.addEvent(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

var demoComments = []string{
	"Giao đơn vị chủ trì nghiên cứu, tham mưu văn bản trả lời; báo cáo kết quả trước hạn.",
	"Đề nghị khẩn trương triển khai, phối hợp các đơn vị liên quan; vướng mắc báo cáo ngay.",
	"Tổng hợp ý kiến các đơn vị, dự thảo báo cáo trình lãnh đạo xem xét.",
	"Rà soát, đề xuất phương án xử lý theo đúng quy định.",
	"Theo dõi, đôn đốc thực hiện và báo cáo tiến độ hằng tuần.",
}

var demoMeetingTasks = []string{
	"Rà soát hồ sơ thủ tục hành chính trễ hạn, báo cáo nguyên nhân và giải pháp khắc phục",
	"Hoàn thiện kế hoạch chuyển đổi số năm tới, trình phê duyệt",
	"Đôn đốc giải ngân vốn đầu tư công các dự án chậm tiến độ",
	"Tổng hợp kết quả thực hiện nhiệm vụ tháng, đề xuất nhiệm vụ trọng tâm tháng tới",
	"Kiểm tra công tác phòng cháy chữa cháy tại trụ sở cơ quan",
	"Chuẩn bị nội dung làm việc với đoàn kiểm tra của tỉnh",
	"Cập nhật dữ liệu dân cư, đất đai phục vụ cấp giấy chứng nhận",
	"Rà soát, đề xuất sửa đổi quy chế làm việc của cơ quan",
}

var demoReports = []string{
	"Đã làm việc với các đơn vị liên quan, đang tổng hợp số liệu.",
	"Đã dự thảo văn bản, đang lấy ý kiến các đơn vị phối hợp.",
	"Đã hoàn thành rà soát, chuẩn bị báo cáo lãnh đạo.",
	"Đã trình lãnh đạo dự thảo văn bản trả lời.",
	"Đã triển khai thực hiện, kết quả như báo cáo kèm theo.",
}
