//go:build clockshift

package clock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ShiftEnv names the variable read by a clockshift build: a number of
// years ("10y") or a Go duration ("36h").
const ShiftEnv = "CHINHQUYEN_TEST_CLOCK_SHIFT"

func init() {
	years, d, err := parseShift(os.Getenv(ShiftEnv))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", ShiftEnv, err))
	}
	shiftYears, shiftBy = years, d
}

func parseShift(s string) (int, time.Duration, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	if s == "" {
		return 0, 0, nil
	}
	if y, ok := strings.CutSuffix(s, "y"); ok {
		n, err := strconv.Atoi(y)
		return n, 0, err
	}
	d, err := time.ParseDuration(s)
	return 0, d, err
}
