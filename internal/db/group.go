package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Group commit (SQLite). With synchronous=FULL every COMMIT waits for one
// fsync of the WAL, which caps one-transaction-per-request at the disk's
// fsync rate (about 4,000 a second here) however small the transactions.
// So on SQLite, Tx calls that are queued at the same moment share one
// transaction:
//
//   - one writer goroutine takes the oldest waiting call and every call
//     already queued behind it (at most maxGroup) — it never waits for more,
//     so a lone call is not delayed by a timer;
//   - it begins the shared transaction and hands it to each caller in
//     turn; each fn runs on its caller's goroutine inside its own SAVEPOINT,
//     and a fn that fails, panics or exits its goroutine is rolled back to
//     its savepoint alone; later fns see the earlier fns' writes, exactly
//     as if the calls had run one after another;
//   - after the last fn it COMMITs once, and only then are the callers
//     whose fn succeeded acknowledged: a commit failure fails them all, and
//     nothing is acknowledged that a crash could lose;
//   - a group of one runs without savepoints, as a plain transaction.
//
// If the shared transaction is lost while a fn runs (SQLite rolls back the
// whole transaction when a write statement is interrupted, e.g. by its
// context being cancelled, or on I/O errors), the fns that already
// succeeded in the group fail with ErrGroupAborted (nothing of theirs was
// committed; they may be retried) and the calls not yet run go on in a new
// transaction. An outer savepoint guards the group, so a fn that swallowed
// such an error cannot make the commit succeed without the earlier work.

// maxGroup bounds the calls sharing one transaction.
const maxGroup = 128

// ErrGroupAborted is wrapped by the error of a Tx whose fn succeeded but
// whose shared SQLite transaction was rolled back because of another call
// in the same group. Nothing of it was committed; the call may be retried.
var ErrGroupAborted = errors.New("shared transaction rolled back by another call in its group")

// ErrClosed is wrapped by the error of a Tx on a closed DB.
var ErrClosed = errors.New("database closed")

type groupCommit struct {
	write *sql.DB
	reqs  chan *txReq
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once

	// For tests and metrics: transactions committed and calls in them.
	commits, calls atomic.Int64
}

// txReq is one waiting Tx call.
type txReq struct {
	state atomic.Int32 // reqQueued → reqTaken by the writer, or reqAbandoned by its caller
	turn  chan turnMsg // the shared transaction, when it is this call's turn
	ran   chan ranMsg  // what fn did
	done  chan error   // the commit's outcome, for a call whose fn succeeded
}

const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned
)

type turnMsg struct {
	tx  *sql.Tx
	err error // the group could not begin
}

type ranMsg struct {
	err     error
	aborted bool // fn panicked or exited its goroutine
}

func newGroupCommit(write *sql.DB) *groupCommit {
	g := &groupCommit{write: write, reqs: make(chan *txReq, maxGroup), quit: make(chan struct{}), done: make(chan struct{})}
	go g.run()
	return g
}

// close stops the writer after the group in progress; queued calls fail
// with ErrClosed.
func (g *groupCommit) close() {
	g.once.Do(func() { close(g.quit) })
	<-g.done
}

// tx is DB.Tx on SQLite.
func (g *groupCommit) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	r := &txReq{turn: make(chan turnMsg, 1), ran: make(chan ranMsg, 1), done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return fmt.Errorf("begin transaction: %w", ctx.Err())
	case <-g.quit:
		return fmt.Errorf("begin transaction: %w", ErrClosed)
	}
	var t turnMsg
	select {
	case t = <-r.turn:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return fmt.Errorf("begin transaction: %w", ctx.Err())
		}
		t = <-r.turn // the writer took it first: run as usual
	case <-g.done: // closed while queued
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return fmt.Errorf("begin transaction: %w", ErrClosed)
		}
		t = <-r.turn
	}
	if t.err != nil {
		return fmt.Errorf("begin transaction: %w", t.err)
	}
	finished := false
	defer func() {
		if !finished { // fn panicked (the panic goes on) or called runtime.Goexit
			r.ran <- ranMsg{aborted: true}
		}
	}()
	err := fn(t.tx)
	finished = true
	r.ran <- ranMsg{err: err}
	if err != nil {
		return err // rolled back to its savepoint by the writer
	}
	return <-r.done
}

func (g *groupCommit) run() {
	defer close(g.done)
	for {
		var first *txReq
		select {
		case first = <-g.reqs:
		case <-g.quit:
			g.refuseQueued()
			return
		}
		group := []*txReq{first}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-g.reqs:
				group = append(group, r)
			default:
				break more
			}
		}
		live := group[:0]
		for _, r := range group {
			if r.state.CompareAndSwap(reqQueued, reqTaken) {
				live = append(live, r)
			}
		}
		for len(live) > 0 {
			live = g.commitGroup(live)
		}
	}
}

func (g *groupCommit) refuseQueued() {
	for {
		select {
		case r := <-g.reqs:
			if r.state.CompareAndSwap(reqQueued, reqTaken) {
				r.turn <- turnMsg{err: ErrClosed}
			}
		default:
			return
		}
	}
}

// commitGroup runs the calls in one transaction and acknowledges them. It
// returns the calls that did not run because the transaction was lost.
func (g *groupCommit) commitGroup(group []*txReq) (notRun []*txReq) {
	// Not the callers' contexts: one caller giving up must not roll back
	// the others' work.
	ctx := context.Background()
	tx, err := g.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range group {
			r.turn <- turnMsg{err: err}
		}
		return nil
	}
	if len(group) == 1 {
		g.commitOne(tx, group[0])
		return nil
	}
	exec := func(q string) error { _, err := tx.ExecContext(ctx, q); return err }
	var ok []*txReq // fns that succeeded, waiting for the commit
	lost := func(cause error, rest []*txReq) []*txReq {
		_ = tx.Rollback()
		err := fmt.Errorf("commit transaction: %w (%v)", ErrGroupAborted, cause)
		for _, r := range ok {
			r.done <- apperr.Wrap(err, apperr.Unavailable, "Không lưu được thay đổi do lỗi của một yêu cầu khác ghi cùng lúc: vui lòng thử lại")
		}
		return rest
	}
	if err := exec("SAVEPOINT cq_group"); err != nil {
		return lost(err, group)
	}
	for i, r := range group {
		if err := exec("SAVEPOINT cq_call"); err != nil {
			return lost(err, group[i:])
		}
		r.turn <- turnMsg{tx: tx}
		res := <-r.ran
		if res.err != nil || res.aborted {
			if err := exec("ROLLBACK TO SAVEPOINT cq_call"); err != nil {
				return lost(err, group[i+1:])
			}
		} else {
			ok = append(ok, r)
		}
		if err := exec("RELEASE SAVEPOINT cq_call"); err != nil {
			return lost(err, group[i+1:])
		}
	}
	// Still the transaction we began? (A lost one leaves no savepoint.)
	if err := exec("RELEASE SAVEPOINT cq_group"); err != nil {
		return lost(err, nil)
	}
	if len(ok) == 0 {
		_ = tx.Rollback()
		return nil
	}
	err = tx.Commit()
	if err != nil {
		err = fmt.Errorf("commit transaction: %w", err)
	} else {
		g.commits.Add(1)
		g.calls.Add(int64(len(ok)))
	}
	for _, r := range ok {
		r.done <- err
	}
	return nil
}

// commitOne is a group of one: a plain transaction, as without grouping.
func (g *groupCommit) commitOne(tx *sql.Tx, r *txReq) {
	r.turn <- turnMsg{tx: tx}
	res := <-r.ran
	if res.err != nil || res.aborted {
		_ = tx.Rollback()
		return
	}
	err := tx.Commit()
	if err != nil {
		err = fmt.Errorf("commit transaction: %w", err)
	} else {
		g.commits.Add(1)
		g.calls.Add(1)
	}
	r.done <- err
}
