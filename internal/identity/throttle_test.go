package identity

import (
	"fmt"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// The per-address budget counts failed sign-ins only: the officials of an
// office behind one shared address sign in as often as they need, while
// wrong passwords from that address are still cut off at the limit.
func TestAddressBudgetCountsOnlyFailedSignIns(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const perIP = 3
		svc, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey,
			Limits: Limits{LoginPerIP: perIP, LoginPerAccount: 1 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		const office = "203.0.113.7"
		for i := range 4 {
			f.official(t, fmt.Sprintf("canbo%d", i), 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		}
		login := func(name, password string) error {
			_, err := f.svc.Login(f.ctx, LoginRequest{Login: name, Password: password, IP: office})
			return err
		}
		for round := range 3 * perIP {
			if err := login(fmt.Sprintf("canbo%d", round%4), strongPassword); err != nil {
				t.Fatalf("sign-in %d from the office's address: %v", round+1, err)
			}
		}
		steps := []struct {
			name, password string
			want           apperr.Code
		}{
			{"canbo0", "sai mật khẩu 1", apperr.Unauthorized},
			{"khongco", "sai mật khẩu 2", apperr.Unauthorized},
			{"canbo1", strongPassword, ""},
			{"canbo2", "sai mật khẩu 3", apperr.Unauthorized},
			{"canbo3", "sai mật khẩu 4", apperr.TooMany}, // the fourth failure
			{"canbo3", strongPassword, apperr.TooMany},   // the address is over its budget for everyone
		}
		for i, s := range steps {
			if err := login(s.name, s.password); apperr.CodeOf(err) != s.want {
				t.Fatalf("step %d (%s): %v, want %q", i+1, s.name, err, s.want)
			}
		}
		if _, err := f.svc.Login(f.ctx, LoginRequest{Login: "canbo3", Password: strongPassword, IP: "198.51.100.2"}); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

// TestNameBudgetCountsOnlyFailedSignIns: an owner who signs in many times a
// day keeps their name's budget; failures still spend it, for known and
// unknown names alike.
func TestNameBudgetCountsOnlyFailedSignIns(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const perName = 3
		svc, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey,
			Limits: Limits{LoginPerIP: 1 << 20, LoginPerAccount: perName}, LockAfter: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		f.official(t, "canbo.thuongxuyen", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		login := func(password string) error {
			_, err := f.svc.Login(f.ctx, LoginRequest{Login: "canbo.thuongxuyen", Password: password, IP: "203.0.113.9"})
			return err
		}
		for i := range 3 * perName {
			if err := login(strongPassword); err != nil {
				t.Fatalf("sign-in %d of the owner: %v", i+1, err)
			}
		}
		for i := range perName {
			if err := login("sai mật khẩu"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		if err := login(strongPassword); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("after %d failures the name is over its budget, got %v", perName, err)
		}
	})
}

// The end of a lock or wait is shown to the minute, rounded up: never a
// minute before the real end, and exact when it falls on the minute.
func TestFormatUntilRoundsUpToTheMinute(t *testing.T) {
	vn := func(h, m, s, ns int) time.Time { return time.Date(2026, 11, 25, h, m, s, ns, locale.VN) }
	tests := []struct {
		until time.Time
		want  string
	}{
		{vn(17, 0, 0, 0), "17:00 25/11/2026"},
		{vn(17, 0, 0, 1000), "17:01 25/11/2026"},
		{vn(16, 59, 59, 0), "17:00 25/11/2026"},
		{vn(17, 0, 30, 0), "17:01 25/11/2026"},
		{vn(23, 59, 1, 0), "00:00 26/11/2026"},
		{vn(17, 0, 30, 0).UTC(), "17:01 25/11/2026"},
	}
	for _, tt := range tests {
		if got := FormatUntil(tt.until); got != tt.want {
			t.Errorf("FormatUntil(%s) = %q, want %q", tt.until, got, tt.want)
		}
	}
}
