package channel

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// International turns a Vietnamese mobile number written 0xxxxxxxxx (or
// already 84xxxxxxxxx, +84xxxxxxxxx) into 84xxxxxxxxx, the form gateways
// expect. Anything else is a permanent error: no retry makes it valid.
func International(phone string) (string, error) {
	p := strings.TrimPrefix(strings.TrimSpace(phone), "+")
	switch {
	case strings.HasPrefix(p, "84") && len(p) == 11:
	case strings.HasPrefix(p, "0") && len(p) == 10:
		p = "84" + p[1:]
	default:
		return "", Permanent(apperr.FieldError("to", "Số điện thoại %q không phải số di động Việt Nam (0xxxxxxxxx).", phone))
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return "", Permanent(apperr.FieldError("to", "Số điện thoại %q không phải số di động Việt Nam (0xxxxxxxxx).", phone))
		}
	}
	return p, nil
}

// QuietHours is a daily window, in Vietnam time, when non-emergency
// messages wait: Start "21:00", End "07:00" (a window may cross midnight).
// An empty Start or End turns it off.
type QuietHours struct {
	Start, End string
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, apperr.FieldError("quiet_hours", "Giờ %q không đúng dạng hh:mm.", s)
	}
	return hh*60 + mm, nil
}

// Validate checks both ends are hh:mm.
func (q QuietHours) Validate() error {
	if q.Start == "" && q.End == "" {
		return nil
	}
	if _, err := parseClock(q.Start); err != nil {
		return err
	}
	_, err := parseClock(q.End)
	return err
}

// Until reports whether t falls in the window and, if so, the moment it
// ends (Vietnam time).
func (q QuietHours) Until(t time.Time) (time.Time, bool) {
	if q.Start == "" || q.End == "" {
		return time.Time{}, false
	}
	s, err1 := parseClock(q.Start)
	e, err2 := parseClock(q.End)
	if err1 != nil || err2 != nil || s == e {
		return time.Time{}, false
	}
	v := t.In(locale.VN)
	day := time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, locale.VN)
	now := v.Hour()*60 + v.Minute()
	end := day.Add(time.Duration(e) * time.Minute)
	switch {
	case s < e && now >= s && now < e:
		return end, true
	case s > e && now >= s:
		return end.AddDate(0, 0, 1), true
	case s > e && now < e:
		return end, true
	}
	return time.Time{}, false
}

// Hold returns a Later error when m may not go out at now: a
// non-emergency message in quiet hours.
func (q QuietHours) Hold(now time.Time, m Message) error {
	if m.Priority >= PriorityEmergency {
		return nil
	}
	if end, ok := q.Until(now); ok {
		return Later(end, apperr.New(apperr.TooMany, "Đang trong giờ yên lặng (%s–%s): tin nhắn được gửi lúc %s.", q.Start, q.End, locale.FormatDateTime(end)))
	}
	return nil
}

// Limiter spaces calls at a steady rate shared by every caller (a token
// bucket kept as its theoretical arrival time, GCRA): Wait returns when the
// caller's turn comes, at most Burst calls back to back.
type Limiter struct {
	mu       sync.Mutex
	interval time.Duration
	tau      time.Duration
	tat      time.Time
	now      func() time.Time
}

// NewLimiter returns a limiter of perSecond calls a second (0 or less: no
// limit) allowing burst calls at once; now is the clock.
func NewLimiter(perSecond float64, burst int, now func() time.Time) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	burst = max(burst, 1)
	iv := time.Duration(float64(time.Second) / perSecond)
	return &Limiter{interval: iv, tau: time.Duration(burst-1) * iv, now: now}
}

// Reserve takes the next slot and returns how long to wait for it.
func (l *Limiter) Reserve() time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.tat.Before(now) {
		l.tat = now
	}
	wait := l.tat.Sub(now) - l.tau
	l.tat = l.tat.Add(l.interval)
	return max(wait, 0)
}

// Wait blocks until the caller's slot; a cancelled context gives up (the
// slot stays taken, which only slows the others by one interval).
func (l *Limiter) Wait(ctx context.Context) error {
	d := l.Reserve()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chờ lượt gửi: %w", ctx.Err())
	}
}

// EqualSecret compares a presented secret with the expected one in
// constant time.
func EqualSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
