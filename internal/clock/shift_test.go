//go:build clockshift

package clock

import (
	"testing"
	"time"
)

func TestParseShift(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		years int
		d     time.Duration
		bad   bool
	}{
		{name: "empty", in: ""},
		{name: "years", in: "10y", years: 10},
		{name: "plus years", in: "+1y", years: 1},
		{name: "duration", in: "36h", d: 36 * time.Hour},
		{name: "garbage", in: "soon", bad: true},
		{name: "bad years", in: "xy", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, d, err := parseShift(tt.in)
			if (err != nil) != tt.bad || y != tt.years || d != tt.d {
				t.Fatalf("parseShift(%q) = %d, %v, %v", tt.in, y, d, err)
			}
		})
	}
}

// TestShiftMovesNow checks the run really is in the future it claims.
func TestShiftMovesNow(t *testing.T) {
	if !Shifted() {
		t.Skip("set CHINHQUYEN_TEST_CLOCK_SHIFT to move the clock")
	}
	want := time.Now().AddDate(shiftYears, 0, 0).Add(shiftBy)
	if d := Now().Sub(want); d < -time.Second || d > time.Second {
		t.Fatalf("Now() is %v away from the shifted clock", d)
	}
}
