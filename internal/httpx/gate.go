package httpx

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Gate bounds how many expensive requests (PDF uploads to validate or sign,
// file uploads) a process works on at once, and how many may wait for a
// turn. Each such request may hold its body (up to the upload cap) and keep
// a core busy while a hostile file is refused, so without a gate an
// anonymous client could open enough of them to exhaust memory or CPU.
// The gate is per process on purpose: it protects this replica's memory
// and cores, which is not state another replica needs.
type Gate struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
	wait    time.Duration
}

// NewGate lets n requests run at once and queue more wait up to wait each.
func NewGate(n, queue int, wait time.Duration) *Gate {
	if n < 1 {
		n = 1
	}
	return &Gate{slots: make(chan struct{}, n), queue: int64(queue), wait: wait}
}

// ErrBusy is what a request refused by the gate gets: EUNAVAILABLE (503).
var ErrBusy = apperr.New(apperr.Unavailable, "Hệ thống đang xử lý nhiều tệp cùng lúc. Vui lòng thử lại sau ít phút.")

// Acquire waits for a turn and returns the function that gives it back.
// It refuses at once when the queue is full, and after the gate's wait or
// when ctx ends otherwise.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.release, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.release, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ErrBusy
	}
}

func (g *Gate) release() { <-g.slots }
