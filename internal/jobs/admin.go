package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// MaxList bounds one page of List.
const MaxList = 500

// Counts is the number of jobs in each stored state.
type Counts struct {
	Queued, Running, Failed int
}

func resource(id int64) access.Resource {
	r := access.Resource{Type: "job"}
	if id != 0 {
		r.ID = strconv.FormatInt(id, 10)
	}
	return r
}

// List returns up to limit jobs in state, the next to run (or the latest
// failed) first, with the counts of every state, for the system
// administrator.
func (r *Runner) List(ctx context.Context, by *actor.Actor, state State, limit int) ([]Job, Counts, error) {
	if err := access.Authorize(ctx, by, access.JobsView, resource(0)); err != nil {
		return nil, Counts{}, err
	}
	var c Counts
	if state != Queued && state != Running && state != Failed {
		return nil, c, apperr.FieldError("state", "Trạng thái công việc %q không hợp lệ (queued, running hoặc failed)", state)
	}
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	var out []Job
	err := r.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT state, count(*) FROM jobs GROUP BY state")
		if err != nil {
			return err
		}
		for rows.Next() {
			var s State
			var n int
			if err := rows.Scan(&s, &n); err != nil {
				rows.Close()
				return err
			}
			switch s {
			case Queued:
				c.Queued = n
			case Running:
				c.Running = n
			case Failed:
				c.Failed = n
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		order := "run_at, id"
		if state == Failed {
			order = "updated_at DESC, id DESC"
		}
		rows, err = tx.QueryContext(ctx, "SELECT "+jobColumns+" FROM jobs WHERE state = $1 ORDER BY "+order+" LIMIT $2", state, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, c, fmt.Errorf("list jobs: %w", err)
	}
	return out, c, nil
}

// Retry puts a failed job back in the queue with its attempts reset, to run
// at once; the administrator's action is audited in the same transaction.
func (r *Runner) Retry(ctx context.Context, by *actor.Actor, id int64) error {
	if err := access.Authorize(ctx, by, access.JobsRetry, resource(id)); err != nil {
		return err
	}
	if r.opts.Audit == nil {
		return apperr.New(apperr.Internal, "Hàng đợi công việc chưa được nối với nhật ký hệ thống")
	}
	now := r.opts.Now()
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		var kind, lastErr string
		err := tx.QueryRowContext(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, updated_at = $2
			WHERE id = $1 AND state = 'failed' RETURNING kind, last_error`, id, db.Micros(now)).Scan(&kind, &lastErr)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "Không có công việc lỗi số %d (có thể đã được chạy lại)", id)
		}
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "Đã có một công việc cùng loại đang chờ hoặc đang chạy: không chạy lại công việc số %d", id)
		}
		if err != nil {
			return err
		}
		return r.opts.Audit.Record(ctx, tx, audit.Entry{Actor: by, Action: string(access.JobsRetry), ObjectType: "job",
			ObjectID: strconv.FormatInt(id, 10), Summary: map[string]any{"kind": kind}})
	})
	if err != nil {
		return err
	}
	r.Wake()
	return nil
}
