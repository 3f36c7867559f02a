package app

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// The system administrator sees a dead-lettered job on /admin/jobs with
// its error and retries it there (audited, back in the queue); /office
// links the page for them only; any other official gets 403 on the page and
// on the retry, and the job stays failed.
func TestAdminJobsPageShowsAndRetriesFailedJobs(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, srv, logins := open(t, cheap(install(t, engine)))
			ctx := context.Background()
			// A job that fails for real: a runner of its own whose handler
			// refuses it, with one attempt.
			var id int64
			if err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				id, err = jobs.Enqueue(ctx, tx, jobs.Job{Kind: "test.mail", MaxAttempts: 1, RunAt: a.Now()})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			r := jobs.NewRunner(a.DB, jobs.Options{Logger: quiet, PollInterval: 20 * time.Millisecond})
			r.Register("test.mail", func(context.Context, jobs.Job) error {
				return errors.New("máy chủ thư từ chối: 550 hộp thư không tồn tại")
			})
			rctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- r.Run(rctx) }()
			deadline := clock.Now().Add(20 * time.Second)
			for jobState(t, a, id) != "failed" {
				if clock.Now().After(deadline) {
					t.Fatal("the job never failed")
				}
				time.Sleep(20 * time.Millisecond)
			}
			stop()
			<-done

			pw := demoPassword(t, logins)
			admin := newBrowser(t, srv).signIn("demo.system_admin", pw)
			other := newBrowser(t, srv).signIn("demo.security_officer", pw)
			retry := "/admin/jobs/" + strconv.FormatInt(id, 10) + "/retry"

			if _, body := admin.get("/office"); !strings.Contains(body, `href="/admin/jobs"`) {
				t.Error("/office does not link /admin/jobs for the system administrator")
			}
			if _, body := other.get("/office"); strings.Contains(body, `href="/admin/jobs"`) {
				t.Error("/office links /admin/jobs for a security officer")
			}
			code, body := admin.get("/admin/jobs")
			if code != 200 || !strings.Contains(body, "test.mail") || !strings.Contains(body, "550 hộp thư không tồn tại") ||
				!strings.Contains(body, `action="`+retry+`"`) || !strings.Contains(body, "Bị lỗi (1)") {
				t.Fatalf("GET /admin/jobs as system administrator: %d\n%s", code, body)
			}
			if code, body := other.get("/admin/jobs"); code != 403 || strings.Contains(body, "test.mail") || strings.Contains(body, `method="post"`) {
				t.Errorf("GET /admin/jobs as security officer: %d, want 403 without the jobs\n%s", code, body)
			}
			if code, _, _ := other.post(retry, nil); code != 403 {
				t.Errorf("POST retry as security officer: %d, want 403", code)
			}
			if s := jobState(t, a, id); s != "failed" {
				t.Fatalf("after a refused retry the job is %s", s)
			}

			code, h, _ := admin.post(retry, nil)
			if code != 303 || h.Get("Location") != "/admin/jobs?ok=retried" {
				t.Fatalf("POST retry: %d to %q", code, h.Get("Location"))
			}
			var attempts int
			if err := a.DB.Reader().QueryRowContext(ctx, "SELECT attempts FROM jobs WHERE id = $1", id).Scan(&attempts); err != nil {
				t.Fatal(err)
			}
			if s := jobState(t, a, id); s != "queued" || attempts != 0 {
				t.Fatalf("after the retry the job is %s with %d attempts, want queued with 0", s, attempts)
			}
			var audited int
			if err := a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_entries WHERE action = 'jobs.retry' AND object_type = 'job' AND object_id = $1 AND outcome = 'ok'",
				strconv.FormatInt(id, 10)).Scan(&audited); err != nil || audited != 1 {
				t.Fatalf("retry audited %d times (%v), want once", audited, err)
			}
			if _, body := admin.get("/admin/jobs?ok=retried"); !strings.Contains(body, "Đã đưa công việc trở lại hàng đợi") || !strings.Contains(body, "Đang chờ (1)") {
				t.Errorf("page after the retry:\n%s", body)
			}
			// Retried already: nothing failed to retry.
			if code, _, _ := admin.post(retry, nil); code != 404 {
				t.Errorf("second retry: %d, want 404", code)
			}
			if code, body := admin.get("/admin/jobs?lang=en"); code != 200 || !strings.Contains(body, "Queued (1)") || !strings.Contains(body, "Background jobs") {
				t.Errorf("English page: %d\n%s", code, body)
			}
		})
	}
}

func jobState(t *testing.T, a *App, id int64) string {
	t.Helper()
	var s string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT state FROM jobs WHERE id = $1", id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
