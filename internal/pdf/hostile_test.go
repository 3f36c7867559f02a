package pdf

import (
	"errors"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// readAll reads what a validator could reach: every object, every stream
// referred to (as often as it is referred to), the pages and every
// revision. It returns the error that ended reading, if any.
func readAll(data []byte) error {
	r, err := Open(data)
	if err != nil {
		return err
	}
	var visit func(o Object, depth int)
	visit = func(o Object, depth int) {
		if depth > 3 {
			return
		}
		switch v := r.Resolve(o).(type) {
		case *Stream:
			r.DecodeStream(v)
		case Array:
			for _, e := range v {
				visit(e, depth+1)
			}
		case Dict:
			for _, e := range v {
				visit(e, depth+1)
			}
		}
	}
	for _, n := range r.ObjectNumbers() {
		visit(Ref{Num: n}, 0)
	}
	r.Pages()
	for _, s := range r.Sections() {
		if v, err := r.AsOf(s.Offset + 1); err == nil {
			v.Catalog()
			v.Pages()
		}
	}
	return r.Err()
}

// peakHeap runs f and returns the most heap memory in use (beyond what
// was in use before) seen while it ran.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}

// TestHostileFiles feeds crafted files to the reader: it must refuse
// those that exceed DefaultLimits with ErrTooComplex, stay up (a stack
// overflow would end the test binary) and stay small.
func TestHostileFiles(t *testing.T) {
	const ceiling = 3 * 32 << 20 // three times DefaultLimits.MaxDecoded
	for _, tc := range pdftest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			var err error
			start := clock.Now()
			peak := peakHeap(func() { err = readAll(tc.Data) })
			t.Logf("%d KB file: %v in %v, peak heap +%d MB", len(tc.Data)>>10, err, clock.Now().Sub(start).Round(time.Millisecond), peak>>20)
			if tc.TooComplex {
				if !errors.Is(err, ErrTooComplex) {
					t.Fatalf("error %v, want ErrTooComplex", err)
				}
				if apperr.CodeOf(err) != apperr.Invalid || apperr.MessageOf(err) == "" {
					t.Errorf("not an EINVALID apperr with a message: %v", err)
				}
			}
			if peak > ceiling {
				t.Errorf("peak heap +%d MB, want at most %d MB", peak>>20, ceiling>>20)
			}
		})
	}
}
