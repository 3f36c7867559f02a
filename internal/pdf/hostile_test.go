package pdf

import (
	"errors"
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

// TestHostileFiles feeds crafted files to the reader: it must refuse
// those that exceed DefaultLimits with ErrTooComplex, stay up (a stack
// overflow would end the test binary) and stay small.
func TestHostileFiles(t *testing.T) {
	const ceiling = 3 * 32 << 20 // three times DefaultLimits.MaxDecoded
	for _, tc := range pdftest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			var err error
			start := clock.Now()
			peak := pdftest.PeakHeap(func() { err = readAll(tc.Data) })
			t.Logf("%d KB file: %v in %v, peak heap +%d MB", len(tc.Data)>>10, err, clock.Now().Sub(start).Round(time.Millisecond), peak>>20)
			if tc.Readable && err != nil {
				t.Fatalf("error %v, want none", err)
			}
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
