package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// manyBatch is how many jobs one INSERT of EnqueueMany carries (5
// parameters each, well under both engines' limits).
const manyBatch = 200

// EnqueueMany inserts js in tx, the transaction of the change that causes
// them, in multi-row statements: what a change that fans out to many jobs
// (a bulletin to every subscriber of a commune) uses instead of one
// Enqueue per job. Every job is validated before the first insert; a job
// whose UniqueKey matches a live job is skipped, as with Enqueue.
func EnqueueMany(ctx context.Context, tx *sql.Tx, js []Job) error {
	for _, j := range js {
		if err := j.validate(); err != nil {
			return err
		}
	}
	now := clock.Now()
	for start := 0; start < len(js); start += manyBatch {
		part := js[start:min(start+manyBatch, len(js))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO jobs (kind, payload, unique_key, state, max_attempts, run_at, created_at, updated_at) VALUES ")
		args := make([]any, 0, 1+5*len(part))
		args = append(args, db.Micros(now))
		for i, j := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d,$%d,$%d,'queued',$%d,$%d,$1,$1)", n+1, n+2, n+3, n+4, n+5)
			args = append(args, j.columns(now)...)
		}
		sb.WriteString(" ON CONFLICT DO NOTHING")
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("enqueue %d jobs: %w", len(part), err)
		}
	}
	return nil
}
