package tasks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// ReminderJob is the periodic job that sends the deadline reminders.
const ReminderJob = "tasks.remind"

// ReminderTemplate is the e-mail template of a reminder (notify).
const ReminderTemplate = "tasks.reminder"

// ReminderAt is when the reminders go out each day, Vietnam time: early
// in the office day, so the last working day before a deadline is whole.
const ReminderAt = 7 * time.Hour

// Register schedules the daily reminder job on r.
func (s *Service) Register(r *jobs.Runner) {
	r.Periodic(jobs.Periodic{Name: ReminderJob, Daily: true, At: ReminderAt, Handler: func(ctx context.Context, _ jobs.Job) error {
		_, err := s.Remind(ctx)
		return err
	}})
}

// Remind e-mails, on a working day, every main handler and co-handler of
// the open tasks due before the next working day (so on the last working
// day before their deadline): a person given the task, or for a unit its
// leaders (all its officials when none holds the leader role), each with
// an e-mail address. Each recipient gets one reminder per task and
// deadline (tasks_reminders' key), however often the job runs; an
// extension is reminded again. On a day off, or without e-mail, it sends
// nothing. It returns how many reminders were enqueued.
func (s *Service) Remind(ctx context.Context) (int, error) {
	if s.opts.Mail == nil || !s.opts.Mail.EmailEnabled() {
		return 0, nil
	}
	cal, err := s.opts.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	today := s.today()
	if !cal.IsWorkingDay(today) {
		return 0, nil
	}
	next := cal.NextWorkingDay(today)
	ts, err := s.loadMany(ctx, s.db.Reader(), `status = $1 AND deadline > $2 AND deadline <= $3`, StatusOpen, today.String(), next.String())
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, t := range ts {
		people, err := s.recipients(ctx, t)
		if err != nil {
			errs = append(errs, fmt.Errorf("recipients of task %d: %w", t.ID, err))
			continue
		}
		for _, p := range people {
			ok, err := s.remindOne(ctx, t, p)
			if err != nil {
				errs = append(errs, fmt.Errorf("remind task %d to %d: %w", t.ID, p.ID, err))
				continue
			}
			if ok {
				sent++
			}
		}
	}
	// A failed reminder makes the job retry; those already sent are not
	// sent again.
	return sent, errors.Join(errs...)
}

// recipients returns the people to remind of t, each once.
func (s *Service) recipients(ctx context.Context, t *Task) ([]Person, error) {
	var out []Person
	seen := map[int64]bool{}
	add := func(p Person) {
		if p.Email != "" && !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	for _, as := range t.Assignees {
		if as.Role == RoleInfo {
			continue
		}
		switch as.Kind {
		case AssignPerson:
			p, err := s.opts.Directory.Person(ctx, as.ID)
			if apperr.Is(err, apperr.NotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			add(p)
		case AssignUnit:
			members, err := s.opts.Directory.Members(ctx, as.ID)
			if err != nil {
				return nil, err
			}
			leaders := false
			for _, m := range members {
				leaders = leaders || m.Leader
			}
			for _, m := range members {
				if m.Leader || !leaders {
					add(m)
				}
			}
		}
	}
	return out, nil
}

// remindOne records and enqueues one reminder in one transaction; false
// when it was sent before.
func (s *Service) remindOne(ctx context.Context, t *Task, p Person) (bool, error) {
	now := s.opts.Now()
	sent := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tasks_reminders (task_id, account_id, deadline, sent_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (task_id, account_id, deadline) DO NOTHING`, t.ID, p.ID, t.Deadline.String(), now.UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		role := ""
		for _, as := range t.Assignees {
			if (as.Kind == AssignPerson && as.ID == p.ID) || (as.Kind == AssignUnit && as.ID == p.UnitID) {
				role = as.Role.Label()
				break
			}
		}
		err = s.opts.Mail.Send(ctx, tx, notify.Message{AccountID: p.ID, To: p.Email, Template: ReminderTemplate, Data: map[string]string{
			"Name": p.Name, "Login": p.Email, "Title": clip(t.Title, 300), "Source": t.Source, "Role": role,
			"Deadline": t.Deadline.VN(), "Weekday": weekdayVN(t.Deadline), "Progress": strconv.Itoa(t.Progress),
			"TaskURL": s.opts.BaseURL + "/office/tasks/" + strconv.FormatInt(t.ID, 10)}})
		if apperr.Is(err, apperr.Invalid) {
			// An address that cannot receive mail: recorded as reminded, so
			// the job does not stop on it every day.
			s.opts.Logger.WarnContext(ctx, "task reminder not sent: bad e-mail address", "task", t.ID, "account", p.ID, "err", err)
			return nil
		}
		sent = err == nil
		return err
	})
	return sent, err
}

var weekdaysVN = [...]string{"Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"}

func weekdayVN(d calendar.Date) string { return weekdaysVN[d.Weekday()] }
