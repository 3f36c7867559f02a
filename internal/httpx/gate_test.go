package httpx

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func TestGateBoundsRunningAndWaiting(t *testing.T) {
	g := NewGate(2, 1, time.Hour)
	ctx := context.Background()
	r1, err := g.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := g.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A third waits for a turn; a fourth finds the queue full and is refused at once.
	got := make(chan error, 1)
	var third func()
	go func() {
		var err error
		third, err = g.Acquire(ctx)
		got <- err
	}()
	for g.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := g.Acquire(ctx); apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("fourth request: %v, want EUNAVAILABLE", err)
	}
	r1()
	if err := <-got; err != nil {
		t.Fatalf("the waiting request was not let through: %v", err)
	}
	r2()
	third()
	if n := len(g.slots); n != 0 {
		t.Fatalf("%d turns still held after every release", n)
	}
}

func TestGateRefusesAfterItsWaitOrTheRequestsEnd(t *testing.T) {
	g := NewGate(1, 10, 20*time.Millisecond)
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := g.Acquire(context.Background()); err != ErrBusy {
		t.Fatalf("after the wait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewGate(1, 10, time.Hour).Acquire(ctx); err != nil {
		t.Fatalf("a free turn is given even to an ended request (the handler sees its context): %v", err)
	}
	g2 := NewGate(1, 10, time.Hour)
	r, _ := g2.Acquire(context.Background())
	defer r()
	if _, err := g2.Acquire(ctx); err != ErrBusy {
		t.Fatalf("an ended request waiting: %v", err)
	}
}

func TestGateUnderLoadNeverExceedsItsSlots(t *testing.T) {
	g := NewGate(3, 100, time.Minute)
	var running, peak int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := g.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			running++
			if running > peak {
				peak = running
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			release()
		}()
	}
	wg.Wait()
	if peak > 3 {
		t.Fatalf("%d requests ran at once through a gate of 3", peak)
	}
}
