package onestop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// ReminderJob is the daily job reminding step holders.
const ReminderJob = "onestop.remind"

// StepReminderTemplate is the e-mail template of a step reminder.
const StepReminderTemplate = "onestop.step_reminder"

// ReminderAt is when the reminders go out, Vietnam time.
const ReminderAt = 7 * time.Hour

// Register schedules the daily step reminders on r and registers the
// jobs rendering and sealing receipts and results.
func (s *DossierService) Register(r *jobs.Runner) {
	s.registerPaperJobs(r)
	r.Periodic(jobs.Periodic{Name: ReminderJob, Daily: true, At: ReminderAt, Handler: func(ctx context.Context, _ jobs.Job) error {
		_, err := s.Remind(ctx)
		return err
	}})
}

// Remind e-mails, on a working day, the holder of every open step due on
// the next working day: the official it was given to, else the officials
// of the step's agency holding its role. One reminder per dossier, step,
// recipient and day (onestop_reminders), however often it runs. It returns
// how many were enqueued.
func (s *DossierService) Remind(ctx context.Context) (int, error) {
	if s.opts.Mail == nil || !s.opts.Mail.EmailEnabled() || s.opts.Holders == nil {
		return 0, nil
	}
	cal, err := s.opts.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	today := calendar.DateOf(s.opts.Now().In(locale.VN))
	if !cal.IsWorkingDay(today) {
		return 0, nil
	}
	next := cal.NextWorkingDay(today)
	lo, hi := today.AddDays(1).At(0), next.AddDays(1).At(0)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.id, d.code, d.procedure_name, st.seq, st.name, st.agency_id, st.role, st.holder_id, st.due_at
		FROM onestop_dossier_steps st JOIN onestop_dossiers d ON d.id = st.dossier_id
		WHERE st.started_at > 0 AND st.ended_at = 0 AND st.due_at >= $1 AND st.due_at < $2 AND d.status IN (2, 4, 6) AND st.seq = d.current_step + 1
		ORDER BY d.id`, lo.UnixMicro(), hi.UnixMicro())
	if err != nil {
		return 0, err
	}
	type due struct {
		id                    int64
		code, procedure, step string
		seq, agency, holder   int64
		role                  string
		at                    int64
	}
	var list []due
	for rows.Next() {
		var x due
		if err := rows.Scan(&x.id, &x.code, &x.procedure, &x.seq, &x.step, &x.agency, &x.role, &x.holder, &x.at); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, x := range list {
		var people []Holder
		if x.holder != 0 {
			h, err := s.opts.Holders.Holder(ctx, x.holder)
			if err == nil {
				people = []Holder{h}
			} else if !apperr.Is(err, apperr.NotFound) {
				errs = append(errs, err)
				continue
			}
		} else if people, err = s.opts.Holders.Holders(ctx, x.agency, x.role); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, p := range people {
			if p.Email == "" {
				continue
			}
			ok, err := s.remindOne(ctx, today, p, map[string]string{"Name": p.Name, "Login": p.Email, "Code": x.code, "Procedure": x.procedure,
				"Step": x.step, "Deadline": micros(x.at).In(locale.VN).Format("15:04 02/01/2006"),
				"DossierURL": strings.TrimRight(s.opts.BaseURL, "/") + "/office/onestop/dossiers/" + strconv.FormatInt(x.id, 10)}, x.id, x.seq)
			if err != nil {
				errs = append(errs, fmt.Errorf("remind dossier %d step %d to %d: %w", x.id, x.seq, p.ID, err))
			} else if ok {
				sent++
			}
		}
	}
	return sent, errors.Join(errs...)
}

func (s *DossierService) remindOne(ctx context.Context, today calendar.Date, p Holder, data map[string]string, dossier, seq int64) (bool, error) {
	sent := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO onestop_reminders (dossier_id, seq, account_id, day, sent_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (dossier_id, seq, account_id, day) DO NOTHING`, dossier, seq, p.ID, today.String(), s.opts.Now().UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		err = s.opts.Mail.Send(ctx, tx, notify.Message{AccountID: p.ID, To: p.Email, Template: StepReminderTemplate, Data: data})
		if apperr.Is(err, apperr.Invalid) {
			s.opts.Logger.WarnContext(ctx, "step reminder not sent: bad address", "dossier", dossier, "account", p.ID, "err", err)
			return nil
		}
		sent = err == nil
		return err
	})
	return sent, err
}
