package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// hit counts one event in bucket's fixed window and reports whether the
// count is still within limit. The upsert is one statement, so concurrent
// replicas never lose a count.
func (s *Service) hit(ctx context.Context, bucket string, limit int) (bool, time.Time, error) {
	now := s.now()
	window := s.opts.Limits.Window
	var hits int
	var start int64
	err := s.db.Writer().QueryRowContext(ctx, `INSERT INTO identity_throttle (bucket, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (bucket) DO UPDATE SET
		  hits = CASE WHEN identity_throttle.window_start <= $3 THEN 1 ELSE identity_throttle.hits + 1 END,
		  window_start = CASE WHEN identity_throttle.window_start <= $3 THEN $2 ELSE identity_throttle.window_start END
		RETURNING hits, window_start`, bucket, micros(now), micros(now.Add(-window))).Scan(&hits, &start)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("rate limit %s: %w", bucket, err)
	}
	return hits <= limit, fromMicros(start).Add(window), nil
}

// Throttle counts one event of another module's bucket (say
// "outreach.subscribe:ip:203.0.113.9") and returns ETOOMANY past limit
// events in the counting window: anonymous routes that cost the platform
// something (an SMS) share identity's limiter and its clean-up.
func (s *Service) Throttle(ctx context.Context, bucket string, limit int) error {
	return s.throttle(ctx, "ext:"+bucket, limit)
}

// throttle returns ETOOMANY when bucket is over its limit.
func (s *Service) throttle(ctx context.Context, bucket string, limit int) error {
	_, err := s.spend(ctx, bucket, limit)
	return err
}

// spend is throttle that also returns the end of the window the event was
// counted in, for refund.
func (s *Service) spend(ctx context.Context, bucket string, limit int) (time.Time, error) {
	ok, until, err := s.hit(ctx, bucket, limit)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, apperr.New(apperr.TooMany, "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau %s", FormatUntil(until))
	}
	return until, nil
}

// refund gives back one count of bucket in the window ending at until, for
// an event the limit turned out not to be about; a window since restarted
// is left alone. A failure only leaves the count spent, so it is logged.
func (s *Service) refund(ctx context.Context, bucket string, until time.Time) {
	if _, err := s.db.Writer().ExecContext(ctx, "UPDATE identity_throttle SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0",
		bucket, micros(until.Add(-s.opts.Limits.Window))); err != nil {
		s.log.WarnContext(ctx, "refund rate limit", "bucket", bucket, "err", err)
	}
}

// Cleanup deletes sessions past their absolute timeout, web sessions
// unused for the idle timeout (Authenticate already refuses them; this
// removes them from the table and from "my sessions"), spent rate-limit
// windows, failed-password counts a day after the last failure and the end
// of any lock, and API tokens expired or revoked more than 30 days ago. It
// returns how many rows it deleted. Every statement is an idempotent
// DELETE, so replicas running it together do no harm; the application
// runs it as a periodic job (internal/jobs), once per period across replicas.
func (s *Service) Cleanup(ctx context.Context) (int64, error) {
	now := s.now()
	var total int64
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{"DELETE FROM identity_sessions WHERE expires_at <= $1", micros(now)},
		{"DELETE FROM identity_sessions WHERE kind = 'web' AND stage <> 'mfa' AND last_seen <= $1", micros(now.Add(-s.opts.IdleTimeout))},
		{"DELETE FROM identity_throttle WHERE window_start <= $1", micros(now.Add(-s.opts.Limits.Window))},
		{"DELETE FROM identity_login_failures WHERE last_failed <= $1 AND locked_until <= $1", micros(now.Add(-failureMemory))},
		{"DELETE FROM identity_api_tokens WHERE expires_at <= $1 OR revoked_at <= $1", micros(now.Add(-30 * 24 * time.Hour))},
	} {
		res, err := s.db.Writer().ExecContext(ctx, q.sql, q.arg)
		if err != nil {
			return total, fmt.Errorf("identity cleanup: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// CleanupIfDue runs Cleanup when no replica has run it within the last
// interval (less a tenth, so a ticker firing a little early still runs):
// it first claims the job's row in identity_jobs with one conditional
// upsert, which exactly one replica wins. ran reports whether this call
// ran it. It is for a caller without the job queue (a command on a ticker);
// serve uses the periodic job instead.
func (s *Service) CleanupIfDue(ctx context.Context, interval time.Duration) (ran bool, deleted int64, err error) {
	now := s.now()
	res, err := s.db.Writer().ExecContext(ctx, `INSERT INTO identity_jobs (name, last_run) VALUES ('cleanup', $1)
		ON CONFLICT (name) DO UPDATE SET last_run = $1 WHERE identity_jobs.last_run <= $2`,
		micros(now), micros(now.Add(-interval+interval/10)))
	if err != nil {
		return false, 0, fmt.Errorf("claim identity cleanup: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, 0, err
	}
	deleted, err = s.Cleanup(ctx)
	return true, deleted, err
}
