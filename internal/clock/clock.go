// Package clock is the platform's one source of the current time.
//
// Every service takes an injected `Now func() time.Time`; when none is
// given it defaults to [Now], and tests pass [Now] (or a fixed instant
// used for every party of the test, the certificate authority included).
// Nothing else in the repository calls time.Now: a test in this package
// enforces it, so that the whole suite can be run with the clock moved
// years ahead and no date can silently break it.
//
// The shift exists only in test binaries built with `-tags clockshift`
// (see shift.go): `CHINHQUYEN_TEST_CLOCK_SHIFT=10y go test -tags clockshift ./...`.
// A production build has no hook at all.
package clock

import "time"

// shiftYears and shiftBy move [Now] ahead; both stay zero unless the
// clockshift build tag sets them from the environment.
var (
	shiftYears int
	shiftBy    time.Duration
)

// Now returns the current time (moved ahead in a clockshift test run).
func Now() time.Time {
	t := time.Now()
	if shiftYears != 0 {
		t = t.AddDate(shiftYears, 0, 0)
	}
	return t.Add(shiftBy)
}

// Shifted reports whether this process runs with its clock moved ahead:
// tests skip external validators (pdfsig, openssl) that read the real clock.
func Shifted() bool { return shiftYears != 0 || shiftBy != 0 }
