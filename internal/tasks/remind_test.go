package tasks_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP relay on loopback (plain text, as notify allows
// for a relay on the same host) that keeps what it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []sentMail
}

type sentMail struct {
	to   string
	data string
}

func (m *mailbox) all() []sentMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sentMail(nil), m.msgs...)
}

type smtpSession struct {
	box *mailbox
	to  []string
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	for _, to := range s.to {
		s.box.msgs = append(s.box.msgs, sentMail{to: to, data: string(b)})
	}
	s.box.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        { s.to = nil }
func (s *smtpSession) Logout() error { return nil }

func startRelay(t *testing.T) (*mailbox, notify.SMTPConfig) {
	t.Helper()
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{box: box}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return box, notify.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: "none",
		From: "Chính quyền điện tử <noreply@chinhquyen.test>", Timeout: 5 * time.Second}
}

func TestReminderOncePerTaskTheWorkingDayBefore(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		box, cfg := startRelay(t)
		mailer, err := notify.New(d, notify.Options{SMTP: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		f := setup(t, d, setupOptions{mail: mailer})
		today := f.today()
		next := f.cal.NextWorkingDay(today)
		after := f.cal.NextWorkingDay(next)
		mk := func(title string, deadline tasks.Deadline, refs ...tasks.AssigneeRef) *tasks.Task {
			return mustCreate(t, f, meetingTask(f, title, deadline, "", refs...))
		}
		a := mk("Nhiệm vụ A", tasks.Deadline{Date: next}, person(specialist.AccountID, tasks.RoleMain))
		mk("Nhiệm vụ B", tasks.Deadline{Date: next}, unit(unitEconomy, tasks.RoleMain)) // the unit's leader
		c := mk("Nhiệm vụ C", tasks.Deadline{Date: after}, person(specialist.AccountID, tasks.RoleMain))
		done := mk("Nhiệm vụ D", tasks.Deadline{Date: next}, person(specialist.AccountID, tasks.RoleMain))
		mk("Nhiệm vụ E", tasks.Deadline{Date: next}, person(leader.AccountID, tasks.RoleMain), person(officeSpec.AccountID, tasks.RoleCo),
			person(clerk.AccountID, tasks.RoleInfo))
		if _, err := f.svc.Report(f.ctx, specialist, done.ID, tasks.ReportRequest{Complete: true, Content: "Xong"}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Remind(context.Background())
		if err != nil || n != 4 {
			t.Fatalf("first run sent %d, %v; want 4 (A, B's leader, E's main and co-handler)", n, err)
		}
		if n, err := f.svc.Remind(context.Background()); err != nil || n != 0 {
			t.Fatalf("second run sent %d, %v; want 0", n, err)
		}
		// Delivered through the job queue to the relay.
		r := jobs.NewRunner(d, jobs.Options{PollInterval: 10 * time.Millisecond})
		mailer.Register(r)
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { defer close(stopped); r.Run(ctx) }()
		defer func() { cancel(); <-stopped }()
		deadline := clock.Now().Add(20 * time.Second)
		for len(box.all()) < 4 && clock.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		var to []string
		for _, m := range box.all() {
			to = append(to, m.to)
			msg, err := mail.ReadMessage(strings.NewReader(m.data))
			if err != nil {
				t.Fatal(err)
			}
			subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if subject != "Nhắc việc: nhiệm vụ đến hạn "+next.VN() || !strings.Contains(string(body), "https://egov.example.vn/office/tasks/") ||
				!strings.Contains(string(body), "Nhiệm vụ") {
				t.Errorf("message to %s: subject %q\n%s", m.to, subject, body)
			}
		}
		sort.Strings(to)
		if strings.Join(to, " ") != "cb202@chinhquyen.test cb203@chinhquyen.test cb204@chinhquyen.test cb206@chinhquyen.test" {
			t.Errorf("mail went to %v", to)
		}
		// On the next working day: C is due the day after; A, extended to
		// that day, is reminded again for its new deadline.
		if _, err := f.svc.Extend(f.ctx, leader, a.ID, tasks.ChangeRequest{Deadline: tasks.Deadline{Date: after}, Reason: "Chờ số liệu"}); err != nil {
			t.Fatal(err)
		}
		f.set(next)
		if n, err := f.svc.Remind(context.Background()); err != nil || n != 2 {
			t.Errorf("next day sent %d, %v; want 2 (C, and A for its new deadline)", n, err)
		}
		// A day off sends nothing.
		day := next
		for f.cal.IsWorkingDay(day) {
			day = day.AddDays(1)
		}
		f.set(day)
		if n, err := f.svc.Remind(context.Background()); err != nil || n != 0 {
			t.Errorf("a day off sent %d, %v", n, err)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM tasks_reminders`); got != 6 {
			t.Errorf("%d reminders recorded, want 6", got)
		}
		_ = c
	})
}
