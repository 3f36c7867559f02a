package identity

import (
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// enrolForLock gives login a second factor and returns its TOTP secret.
func (f *fixture) enrolForLock(t *testing.T, login string) string {
	t.Helper()
	a, _ := f.signIn(t, login)
	enr, err := f.svc.BeginTOTP(f.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ConfirmTOTP(f.ctx, a, f.code(t, enr.Secret)); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Second) // the next code is a new step
	return enr.Secret
}

// A wrong password for an existing login and any password for an unknown
// one get the same answers, attempt after attempt: the same lock after
// LockAfter, the same name budget after LoginPerAccount.
func TestUnknownLoginsAreThrottledAndLockedLikeKnownOnes(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "chuyenvien", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		answer := func(login, ip string) string {
			_, err := f.svc.Login(f.ctx, LoginRequest{Login: login, Password: "sai mật khẩu rồi", IP: ip})
			return string(apperr.CodeOf(err)) + " " + apperr.MessageOf(err)
		}
		var locked, throttled bool
		for i := 1; i <= f.svc.opts.Limits.LoginPerAccount+2; i++ {
			known, unknown := answer("chuyenvien", "192.0.2.1"), answer("khongtontai", "192.0.2.2")
			if known != unknown {
				t.Fatalf("attempt %d: known login %q, unknown login %q", i, known, unknown)
			}
			locked = locked || strings.Contains(known, "tạm khoá")
			throttled = throttled || strings.Contains(known, "thử quá nhiều lần")
		}
		if !locked || !throttled {
			t.Fatalf("neither was locked (%v) or throttled (%v)", locked, throttled)
		}
		var rows int
		_ = d.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM identity_login_failures WHERE login IN ('chuyenvien', 'khongtontai') AND locked_until > 0").Scan(&rows)
		if rows != 2 {
			t.Fatalf("%d lock rows, want one per name", rows)
		}
		// A day after the last failure and the lock, Cleanup forgets both.
		f.clock.Add(failureMemory + time.Hour)
		if _, err := f.svc.Cleanup(f.ctx); err != nil {
			t.Fatal(err)
		}
		_ = d.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM identity_login_failures").Scan(&rows)
		if rows != 0 {
			t.Fatalf("cleanup left %d failure rows", rows)
		}
	})
}

// A lock stops guessing but lets the owner in: with the right password and
// a right TOTP code, from a browser that passed the second factor before,
// or after an administrator unlocks it. Every other try during the lock
// gets the lock's answer, so it reveals nothing about the password.
func TestLockLetsTheOwnerThrough(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// A roomier name budget and a long lock keep the lock, not the
		// budget, answering every try below.
		svc, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey,
			LockBase: time.Hour, Limits: Limits{LoginPerAccount: 100}})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		f.official(t, "quantri", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		f.official(t, "khac", 5, actor.RoleGrant{Role: "agency_admin", AgencyID: 5})
		target := f.official(t, "lanhdao", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		secret := f.enrolForLock(t, "lanhdao")
		var res LoginResult
		login := func(req LoginRequest) (LoginResult, error) {
			req.Login, req.IP = "lanhdao", "203.0.113.5"
			if req.Password == "" {
				req.Password = strongPassword
			}
			return f.svc.Login(f.ctx, req)
		}
		// An earlier sign-in with the second factor gave this browser a
		// known-device token.
		res, err = login(LoginRequest{})
		if err != nil || res.Session.Stage != StageMFA {
			t.Fatalf("password step: %v", err)
		}
		full, err := f.svc.CompleteMFA(f.ctx, res.Token, f.code(t, secret), "203.0.113.5")
		if err != nil || full.Device == "" {
			t.Fatalf("second factor: device %q, %v", full.Device, err)
		}
		device := full.Device
		f.clock.Add(30 * time.Second)
		for i := 0; i < f.svc.opts.LockAfter; i++ {
			_, err = login(LoginRequest{Password: "một mật khẩu đoán sai"})
		}
		lockMsg := apperr.MessageOf(err)
		if !IsLocked(err) {
			t.Fatalf("not locked: %v", err)
		}
		refused := []struct {
			name string
			req  LoginRequest
		}{
			{"right password alone", LoginRequest{}},
			{"right password, wrong code", LoginRequest{OTP: "000000"}},
			{"wrong password, right code", LoginRequest{Password: "một mật khẩu đoán sai", OTP: f.code(t, secret)}},
			{"right password, another account's device", LoginRequest{Device: f.svc.DeviceToken(target.ID + 1)}},
			{"right password, forged device", LoginRequest{Device: device[:len(device)-2] + "AA"}},
		}
		for _, tt := range refused {
			if _, err := login(tt.req); !IsLocked(err) || apperr.MessageOf(err) != lockMsg {
				t.Fatalf("%s: %v, want the same lock answer", tt.name, err)
			}
		}
		res, err = login(LoginRequest{OTP: f.code(t, secret)})
		if err != nil || res.Session.Stage != StageFull || !res.Session.MFA {
			t.Fatalf("right password and code through the lock: %+v, %v", res.Session, err)
		}
		f.clock.Add(30 * time.Second)
		res, err = login(LoginRequest{Device: device})
		if err != nil || res.Session.Stage != StageMFA {
			t.Fatalf("known device through the lock: %+v, %v", res.Session, err)
		}
		if _, err := login(LoginRequest{}); !IsLocked(err) {
			t.Fatalf("the owner passing the lock must not lift it: %v", err)
		}
		// Unlock: the administrator of another agency may not, the
		// account's own administrator may (audited).
		if err := f.svc.Unlock(f.ctx, f.signIn2TOTP(t, "khac"), target.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("unlock by another agency's administrator: %v", err)
		}
		if err := f.svc.Unlock(f.ctx, f.signIn2TOTP(t, "quantri"), target.ID); err != nil {
			t.Fatalf("unlock: %v", err)
		}
		acc, _ := f.svc.findAccount(f.ctx, d.Reader(), target.ID)
		if !acc.LockedUntil.IsZero() {
			t.Fatalf("still shown locked until %v", acc.LockedUntil)
		}
		if res, err := login(LoginRequest{}); err != nil || res.Session.Stage != StageMFA {
			t.Fatalf("after unlock: %v", err)
		}
		if n := f.audited(t, "identity.user.unlock", "ok"); n != 1 {
			t.Errorf("audited %d unlocks, want 1", n)
		}
	})
}

// A stranger who spends a login name's attempt budget, as anyone may, does
// not keep the owner out: a known device passes the budget as it passes the
// lock, and an administrator's unlock restores the budget too.
func TestNameBudgetLetsTheOwnerThrough(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		svc, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey,
			LockBase: time.Hour, Limits: Limits{LoginPerAccount: 8}})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		f.official(t, "quantri", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		target := f.official(t, "lanhdao", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		secret := f.enrolForLock(t, "lanhdao")
		login := func(req LoginRequest) (LoginResult, error) {
			req.Login, req.IP = "lanhdao", "203.0.113.5"
			if req.Password == "" {
				req.Password = strongPassword
			}
			return f.svc.Login(f.ctx, req)
		}
		res, err := login(LoginRequest{})
		if err != nil {
			t.Fatal(err)
		}
		full, err := f.svc.CompleteMFA(f.ctx, res.Token, f.code(t, secret), "203.0.113.5")
		if err != nil || full.Device == "" {
			t.Fatalf("second factor: device %q, %v", full.Device, err)
		}
		admin := f.signIn2TOTP(t, "quantri")
		for range f.svc.opts.Limits.LoginPerAccount {
			_, _ = f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: "một mật khẩu đoán sai", IP: "198.51.100.7"})
		}
		if _, err := login(LoginRequest{}); apperr.CodeOf(err) != apperr.TooMany || IsLocked(err) {
			t.Fatalf("the name budget is not spent: %v", err)
		}
		if res, err := login(LoginRequest{Device: full.Device}); err != nil || res.Session.Stage != StageMFA {
			t.Fatalf("known device through a spent name budget: %v", err)
		}
		if err := f.svc.Unlock(f.ctx, admin, target.ID); err != nil {
			t.Fatal(err)
		}
		if res, err := login(LoginRequest{}); err != nil || res.Session.Stage != StageMFA {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

// signIn2TOTP signs an administrator in with a second factor.
func (f *fixture) signIn2TOTP(t *testing.T, login string) *actor.Actor {
	t.Helper()
	secret := f.enrolForLock(t, login)
	res, err := f.svc.Login(f.ctx, LoginRequest{Login: login, Password: strongPassword, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := f.svc.CompleteMFA(f.ctx, res.Token, f.code(t, secret), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Second)
	a, _, err := f.svc.Authenticate(f.ctx, full.Token, "192.0.2.1")
	if err != nil || a == nil {
		t.Fatal(err)
	}
	return a
}

// Registering a CCCD that already has an account answers like a new
// registration, changes nothing, and tells the account's holder.
func TestRegisterAgainAnswersAlikeAndTellsTheHolder(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		reg := Registration{Kind: actor.Citizen, ID: "001090012345", Name: "Nguyễn Thị Dân", Phone: "0912345678", Password: strongPassword, IP: "192.0.2.1"}
		first, err := f.svc.Register(f.ctx, reg)
		if err != nil {
			t.Fatal(err)
		}
		stranger := Registration{Kind: actor.Citizen, ID: "001 090 012 345", Name: "Kẻ Lạ", Phone: "0987654321", Password: "Một mật khẩu khác hẳn 99", IP: "198.51.100.66"}
		again, err := f.svc.Register(f.ctx, stranger)
		if err != nil || again.Login != first.Login || again.ID != 0 {
			t.Fatalf("register again: %+v, %v", again, err)
		}
		if _, err := f.svc.Login(f.ctx, LoginRequest{Login: first.Login, Password: stranger.Password, IP: "198.51.100.66"}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the stranger's password must not work: %v", err)
		}
		holder, _ := f.signIn(t, first.Login)
		events, err := f.svc.Events(f.ctx, holder)
		if err != nil || len(events) != 1 || events[0].Kind != EventRegisterAgain || events[0].IP != "198.51.100.66" {
			t.Fatalf("holder's events: %+v, %v", events, err)
		}
		if n := f.audited(t, "identity.register", "denied"); n != 1 {
			t.Errorf("audited %d repeated registrations, want 1", n)
		}
	})
}

// Signing in while the browser still holds someone else's session ends
// that session on the server.
func TestSignInEndsThePreviousSessionOfTheBrowser(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "motnguoi", 4)
		f.official(t, "nguoikhac", 4)
		_, old := f.signIn(t, "motnguoi")
		res, err := f.svc.Login(f.ctx, LoginRequest{Login: "nguoikhac", Password: strongPassword, IP: "192.0.2.1", Previous: old})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(f.ctx, old, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the previous session still works: %v", err)
		}
		if a, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1"); err != nil || a == nil {
			t.Fatalf("the new session: %v", err)
		}
	})
}
