package dvcqg_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func modules() []db.Migrations { return []db.Migrations{audit.Migrations, jobs.Migrations} }

// now is the tests' fixed clock: the jobs' RunAt and the runner's view of
// time, so the suite passes on any real date.
var now = vn(2026, 12, 7, 16, 0)

func newService(t *testing.T, d *db.DB, p *fakePortal) (*dvcqg.Service, *jobs.Runner) {
	t.Helper()
	var c *dvcqg.Client
	if p != nil {
		c = p.client(t)
	}
	s := dvcqg.New(d, dvcqg.Options{Client: c, Now: func() time.Time { return now }, Logger: quiet})
	r := jobs.NewRunner(d, jobs.Options{Now: runnerClock(), Logger: quiet, PollInterval: 10 * time.Millisecond,
		RetryBase: 5 * time.Millisecond, RetryMax: 40 * time.Millisecond, Workers: 4})
	s.Register(r)
	return s, r
}

// runnerClock starts at now and follows the real time elapsed since, so
// back-offs come due while the fixed date holds.
func runnerClock() func() time.Time {
	start := clock.Now()
	return func() time.Time { return now.Add(clock.Now().Sub(start)) }
}

func start(t *testing.T, r *jobs.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 2000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// change is a status change of a dossier: its push queued in the change's
// transaction.
type change struct {
	code     string
	status   int
	updating bool
	at       time.Time
}

func enqueue(t *testing.T, d *db.DB, s *dvcqg.Service, c change) {
	t.Helper()
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		ds := sampleDossier(c.code, c.status)
		ds.Updating = c.updating
		return s.Enqueue(context.Background(), tx, ds, dvcqg.Progress{NguoiXuLy: "Trần Văn Đức", ThoiDiemXuLy: c.at,
			NoiDungXuLy: "Chuyển trạng thái", TrangThai: c.status})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The portal is down (503) for a while, then back: every status change
// reaches it once back, in the order of the changes, with every progress
// row, and no job is left.
func TestPortalDownThenBackLosesNothing(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := newFakePortal(t)
		p.set(func(p *fakePortal) { p.downFor = 12 })
		s, r := newService(t, d, p)
		codes := []string{"H15.01.01-261207-0101", "H15.01.01-261207-0102", "H15.01.01-261207-0103"}
		for i, code := range codes {
			enqueue(t, d, s, change{code, dvcqg.StatusReceived, false, now.Add(time.Duration(i) * time.Minute)})
			enqueue(t, d, s, change{code, dvcqg.StatusProcessing, true, now.Add(time.Duration(i)*time.Minute + time.Second)})
			enqueue(t, d, s, change{code, dvcqg.StatusProcessed, true, now.Add(time.Duration(i)*time.Minute + 2*time.Second)})
		}
		if n := count(t, d, "SELECT count(*) FROM jobs WHERE kind = 'dvcqg.sync'"); n != 9 {
			t.Fatalf("%d jobs queued for 9 changes", n)
		}
		start(t, r)
		waitFor(t, "every push to be sent", func() bool { return count(t, d, "SELECT count(*) FROM jobs") == 0 })
		p.read(func(p *fakePortal) {
			if p.downFor != 0 {
				t.Fatalf("the portal was never down (%d failures left)", p.downFor)
			}
			for _, code := range codes {
				if got := strings.Join(p.statuses[code], ","); got != "2,4,9" {
					t.Errorf("%s: statuses received %s, want 2,4,9 (each once, in order)", code, got)
				}
				if len(p.progress[code]) != 3 {
					t.Errorf("%s: %d progress rows, want 3", code, len(p.progress[code]))
				}
				if st := p.dossiers[code]["TrangThaiHoSo"]; st != "9" {
					t.Errorf("%s: the portal shows status %v, want 9", code, st)
				}
			}
		})
	})
}

// A first push whose dossier reached the portal but whose progress rows
// did not (a 500) is retried as an update: the retry asks the portal
// (TraCuuHoSo) and never meets "Hồ sơ đã tồn tại".
func TestRetryOfFirstPushBecomesUpdate(t *testing.T) {
	d := dbtest.SQLite(t, modules()...)
	p := newFakePortal(t)
	p.set(func(p *fakePortal) { p.failNext[dvcqg.ServiceProgress] = 1 })
	s, r := newService(t, d, p)
	enqueue(t, d, s, change{"H15.01.01-261207-0201", dvcqg.StatusReceived, false, now})
	start(t, r)
	waitFor(t, "the push to be sent", func() bool { return count(t, d, "SELECT count(*) FROM jobs") == 0 })
	p.read(func(p *fakePortal) {
		if got := strings.Join(p.statuses["H15.01.01-261207-0201"], ","); got != "2,2" {
			t.Fatalf("statuses %s, want the dossier sent twice (first, then as an update)", got)
		}
		if p.calls[dvcqg.ServiceLookup] != 1 || len(p.progress["H15.01.01-261207-0201"]) != 1 {
			t.Fatalf("lookups %d (want 1), progress rows %d (want 1)", p.calls[dvcqg.ServiceLookup], len(p.progress["H15.01.01-261207-0201"]))
		}
	})
}

// The portal's refusal of the data fails the job at once with its
// message, for /admin/jobs; the next dossier is not held up by it.
func TestRefusalFailsTheJob(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := newFakePortal(t)
		p.set(func(p *fakePortal) { p.refuse = "06" })
		s, r := newService(t, d, p)
		enqueue(t, d, s, change{"H15.01.01-261207-0301", dvcqg.StatusReceived, false, now})
		start(t, r)
		waitFor(t, "the job to fail", func() bool { return count(t, d, "SELECT count(*) FROM jobs WHERE state = 'failed'") == 1 })
		var attempts int
		var lastErr string
		if err := d.Reader().QueryRowContext(context.Background(), "SELECT attempts, last_error FROM jobs").Scan(&attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		if attempts != 1 || !strings.Contains(lastErr, "mã lỗi 06") || !strings.Contains(lastErr, "MaTTHC không có trong CSDL quốc gia") {
			t.Fatalf("failed job: %d attempts, last error %q", attempts, lastErr)
		}
		// A later change of the same dossier is not held behind a failed push.
		p.set(func(p *fakePortal) { p.refuse = "" })
		enqueue(t, d, s, change{"H15.01.01-261207-0301", dvcqg.StatusProcessing, false, now.Add(time.Minute)})
		r.Wake()
		waitFor(t, "the later push", func() bool {
			return count(t, d, "SELECT count(*) FROM jobs WHERE state <> 'failed'") == 0
		})
	})
}

// A change replayed while its push is pending is queued once; a later
// step in the same status is queued too; a change that rolls back queues
// nothing.
func TestEnqueueOncePerChange(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := newFakePortal(t)
		s, _ := newService(t, d, p)
		c := change{"H15.01.01-261207-0401", dvcqg.StatusProcessing, true, now}
		enqueue(t, d, s, c)
		enqueue(t, d, s, c)
		if n := count(t, d, "SELECT count(*) FROM jobs"); n != 1 {
			t.Fatalf("%d jobs for one change pushed twice", n)
		}
		c.at = now.Add(time.Hour)
		enqueue(t, d, s, c)
		if n := count(t, d, "SELECT count(*) FROM jobs"); n != 2 {
			t.Fatalf("%d jobs after a second step in the same status, want 2", n)
		}
		err := d.Tx(context.Background(), func(tx *sql.Tx) error {
			if err := s.Enqueue(context.Background(), tx, sampleDossier("H15.01.01-261207-0402", 2)); err != nil {
				return err
			}
			return errors.New("the change failed")
		})
		if err == nil || count(t, d, "SELECT count(*) FROM jobs") != 2 {
			t.Fatal("a rolled-back change left its push")
		}
		// Validation: nothing queued, the field named.
		err = d.Tx(context.Background(), func(tx *sql.Tx) error {
			return s.Enqueue(context.Background(), tx, sampleDossier("H15.01.01-261207-0403", 12))
		})
		if err == nil || !strings.Contains(err.Error(), "TrangThaiHoSo") {
			t.Fatalf("status 12: %v", err)
		}
		err = d.Tx(context.Background(), func(tx *sql.Tx) error {
			return s.Enqueue(context.Background(), tx, sampleDossier("H15.01.01-261207-0404", 4), dvcqg.Progress{TrangThai: 4})
		})
		if err == nil || !strings.Contains(err.Error(), "ThoiDiemXuLy") {
			t.Fatalf("progress row without its moment: %v", err)
		}
	})
}

// With the adapter off (no URL), Enqueue queues nothing and no handler is
// registered; a nil Service is off too.
func TestDisabledAdapter(t *testing.T) {
	d := dbtest.SQLite(t, modules()...)
	s, r := newService(t, d, nil)
	var none *dvcqg.Service
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		if err := s.Enqueue(context.Background(), tx, sampleDossier("H15.01.01-261207-0501", 2)); err != nil {
			return err
		}
		return none.Enqueue(context.Background(), tx, sampleDossier("H15.01.01-261207-0501", 2))
	})
	if err != nil || count(t, d, "SELECT count(*) FROM jobs") != 0 || r.Registered(dvcqg.JobKind) || s.Enabled() || none.Enabled() {
		t.Fatalf("disabled adapter: err %v, registered %v", err, r.Registered(dvcqg.JobKind))
	}
}

// A first push of a dossier the portal already holds (submitted there) is
// refused as new ("Hồ sơ đã tồn tại"); the handler finds it with
// TraCuuHoSo and sends it as an update.
func TestFirstPushOfADossierThePortalHolds(t *testing.T) {
	d := dbtest.SQLite(t, modules()...)
	p := newFakePortal(t)
	p.set(func(p *fakePortal) { p.dossiers["H15.01.01-261207-0601"] = map[string]any{"TrangThaiHoSo": "1"} })
	s, r := newService(t, d, p)
	enqueue(t, d, s, change{"H15.01.01-261207-0601", dvcqg.StatusReceived, false, now})
	start(t, r)
	waitFor(t, "the push to be sent", func() bool { return count(t, d, "SELECT count(*) FROM jobs") == 0 })
	p.read(func(p *fakePortal) {
		if got := strings.Join(p.statuses["H15.01.01-261207-0601"], ","); got != "2" || p.calls[dvcqg.ServiceLookup] != 1 {
			t.Fatalf("statuses %s, lookups %d", got, p.calls[dvcqg.ServiceLookup])
		}
	})
}
