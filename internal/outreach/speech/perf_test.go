package speech

import (
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// TestNormalizeBounded feeds long runs of every pattern: no digit is left,
// the time stays far below a second per kilobyte (the regular expressions
// are RE2, linear in the text; the code around them makes one pass), and a
// text over MaxText is cut to it.
func TestNormalizeBounded(t *testing.T) {
	for _, unit := range []string{"1", "11h", "1/1/1 ", "ngày 1/1 ", "1.000đ", "0912345678 ", "UBND ", "1-", "đ", "TP.", "11h11A", "gọi 113 "} {
		in := strings.Repeat(unit, 4096/len(unit)+1)
		start := clock.Now()
		out := Normalize(in)
		if d := clock.Now().Sub(start); d > 10*time.Second {
			t.Errorf("%q×%d: %v", unit, len(in)/len(unit), d)
		}
		if strings.ContainsAny(out, "0123456789") {
			t.Errorf("%q: digits left", unit)
		}
	}
	if n := len(Normalize(strings.Repeat("a", 2*MaxText))); n != MaxText {
		t.Errorf("Normalize read %d bytes of a %d-byte text, want the first %d", n, 2*MaxText, MaxText)
	}
}
