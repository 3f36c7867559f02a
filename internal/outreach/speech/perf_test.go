package speech

import (
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// TestNormalizeBounded feeds the largest input Normalize reads, in shapes
// that exercise every pattern, and bounds the time it takes.
func TestNormalizeBounded(t *testing.T) {
	for _, unit := range []string{"1", "11h", "1/1/1 ", "ngày 1/1 ", "1.000đ", "0912345678 ", "UBND ", "1-", "đ", "TP.", "11h11A"} {
		in := strings.Repeat(unit, MaxText/len(unit)+10)
		start := clock.Now()
		out := Normalize(in)
		if d := clock.Now().Sub(start); d > 5*time.Second {
			t.Errorf("%q×%d: %v", unit, len(in)/len(unit), d)
		}
		if strings.ContainsAny(out, "0123456789") {
			t.Errorf("%q: digits left", unit)
		}
	}
}
