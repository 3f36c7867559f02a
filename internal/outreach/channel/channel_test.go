package channel

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

func TestInternational(t *testing.T) {
	for in, want := range map[string]string{"0912345678": "84912345678", "+84912345678": "84912345678", "84912345678": "84912345678", " 0987654321 ": "84987654321"} {
		if got, err := International(in); err != nil || got != want {
			t.Errorf("International(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "091234567", "09123456789", "0912a45678", "1912345678", "+1 555 0100"} {
		if _, err := International(bad); !IsPermanent(err) {
			t.Errorf("International(%q) err = %v, want permanent", bad, err)
		}
	}
}

func TestQuietHours(t *testing.T) {
	vn := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, locale.VN) }
	night := QuietHours{Start: "21:00", End: "07:00"}
	noon := QuietHours{Start: "11:30", End: "13:30"}
	for _, tc := range []struct {
		q     QuietHours
		at    time.Time
		until time.Time
	}{
		{night, vn(7, 20, 59), time.Time{}},
		{night, vn(7, 21, 0), vn(8, 7, 0)},
		{night, vn(7, 23, 59), vn(8, 7, 0)},
		{night, vn(8, 0, 0), vn(8, 7, 0)},
		{night, vn(8, 6, 59), vn(8, 7, 0)},
		{night, vn(8, 7, 0), time.Time{}},
		{night, vn(7, 14, 0).UTC(), time.Time{}}, // 07:00 UTC is 14:00 in Vietnam
		{noon, vn(7, 12, 0), vn(7, 13, 30)},
		{noon, vn(7, 13, 30), time.Time{}},
		{QuietHours{}, vn(7, 23, 0), time.Time{}},
	} {
		until, ok := tc.q.Until(tc.at)
		if ok != !tc.until.IsZero() || !until.Equal(tc.until) {
			t.Errorf("%v at %v: %v %v, want %v", tc.q, tc.at, until, ok, tc.until)
		}
	}
	err := night.Hold(vn(7, 22, 0), Message{Priority: PriorityHigh})
	if at, ok := RetryAt(err); !ok || !at.Equal(vn(8, 7, 0)) {
		t.Errorf("Hold = %v", err)
	}
	if err := night.Hold(vn(7, 22, 0), Message{Priority: PriorityEmergency}); err != nil {
		t.Errorf("emergency held: %v", err)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(10, 3, func() time.Time { return now })
	var waits []time.Duration
	for i := 0; i < 6; i++ {
		waits = append(waits, l.Reserve())
	}
	want := []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if NewLimiter(0, 1, nil).Reserve() != 0 {
		t.Error("no rate should not wait")
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("x")
	if IsPermanent(base) || !IsPermanent(Permanent(base)) || Permanent(nil) != nil || !errors.Is(Permanent(base), base) {
		t.Error("Permanent")
	}
}

func TestLaterCarriesItsMoment(t *testing.T) {
	at := time.Date(2026, 12, 8, 7, 0, 0, 0, locale.VN)
	err := fmt.Errorf("gửi: %w", Later(at, errors.New("giờ yên lặng")))
	var l interface{ RetryAt() time.Time } // what the job runner looks for
	if !errors.As(err, &l) || !l.RetryAt().Equal(at) {
		t.Fatalf("%v does not carry its moment", err)
	}
	if got, ok := RetryAt(err); !ok || !got.Equal(at) || IsPermanent(err) {
		t.Fatalf("RetryAt = %v, %v", got, ok)
	}
}
