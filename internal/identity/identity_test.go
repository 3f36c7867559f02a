package identity

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// testParams keep argon2 cheap in tests; the benchmark uses the defaults.
var testParams = Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// testKey encrypts TOTP secrets in tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a settable test clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	ctx   context.Context
	db    *db.DB
	svc   *Service
	clock *fakeClock
	sys   *actor.Actor
}

const strongPassword = "Sông Hồng chảy về biển 2026"

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	c := &fakeClock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	log, err := audit.New(d, audit.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(d, Options{Audit: log, Now: c.Now, Argon2: testParams, SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: log}))
	return &fixture{ctx: ctx, db: d, svc: svc, clock: c, sys: actor.SystemActor("test")}
}

var modules = []db.Migrations{audit.Migrations, Migrations}

func (f *fixture) official(t *testing.T, username string, agency int64, roles ...actor.RoleGrant) Account {
	t.Helper()
	acc, err := f.svc.CreateOfficial(f.ctx, f.sys, NewOfficial{Username: username, Name: "Cán bộ " + username, Password: strongPassword,
		AgencyID: agency, Positions: []int64{1}})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	for _, g := range roles {
		if err := f.svc.GrantRole(f.ctx, f.sys, acc.ID, g); err != nil {
			t.Fatalf("grant %v: %v", g, err)
		}
	}
	return acc
}

func (f *fixture) signIn(t *testing.T, login string) (*actor.Actor, string) {
	t.Helper()
	res, err := f.svc.Login(f.ctx, LoginRequest{Login: login, Password: strongPassword, IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	a, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1")
	if err != nil || a == nil {
		t.Fatalf("authenticate %s: %v (stage %s)", login, err, res.Session.Stage)
	}
	return a, res.Token
}

func (f *fixture) audited(t *testing.T, action, outcome string) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM audit_entries WHERE action = $1 AND outcome = $2", action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPasswordHashVerifyAndRehash(t *testing.T) {
	h, err := HashPassword(testParams, "mật khẩu dài dài")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("encoded = %s", h)
	}
	ok, rehash, err := VerifyPassword(h, "mật khẩu dài dài", testParams)
	if !ok || rehash || err != nil {
		t.Fatalf("verify = %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := VerifyPassword(h, "mật khẩu dài dàI", testParams); ok {
		t.Fatal("wrong password accepted")
	}
	stronger := testParams
	stronger.Time = 2
	if _, rehash, _ := VerifyPassword(h, "mật khẩu dài dài", stronger); !rehash {
		t.Fatal("changed parameters must ask for a rehash")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=8192,t=1,p=1$AA$AA", "$argon2id$v=18" + h[14:], strings.Replace(h, "m=8192", "m=08192", 1)} {
		if _, _, err := VerifyPassword(bad, "x", testParams); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, pw, login, person string
		ok                      bool
	}{
		{"long passphrase", strongPassword, "nguyen.van.a", "Nguyễn Văn A", true},
		{"too short", "Ab1!xyz", "x", "", false},
		{"contains username", "nguyen.van.a-2026!", "nguyen.van.a", "", false},
		{"contains CCCD", "x001090012345y", "001090012345", "", false},
		{"contains name without diacritics", "toi la Thuy 2026!!", "abc", "Lê Thị Thủy", false},
		{"common password", "matkhau123", "abc", "", false},
		{"common with digits around", "2026anhyeuem2026", "abc", "", false},
		{"repeated", "aaaaaaaaaaaa", "abc", "", false},
		{"digit run", "1234567890", "abc", "", false},
		{"keyboard row", "qwertyuiopas", "abc", "", false},
		{"Vietnamese phrase", "Mùa thu Hà Nội đẹp lắm", "abc", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.pw, tt.login, tt.person)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPassword(%q) = %v", tt.pw, err)
			}
		})
	}
}

func TestWrongPasswordsLockWithBackoff(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "chuyenvien", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		try := func(pw string) error {
			_, err := f.svc.Login(f.ctx, LoginRequest{Login: "ChuyenVien", Password: pw, IP: "192.0.2.9"})
			return err
		}
		for i := 1; i <= 4; i++ {
			if err := try("sai mật khẩu rồi"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if err := try("sai mật khẩu rồi"); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("5th wrong password must lock: %v", err)
		}
		if err := try(strongPassword); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("right password while locked: %v", err)
		}
		f.clock.Add(61 * time.Second)
		if err := try("sai mật khẩu rồi"); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("6th wrong password must lock again: %v", err)
		}
		var until int64
		_ = d.Reader().QueryRowContext(f.ctx, "SELECT locked_until FROM identity_accounts WHERE login = 'chuyenvien'").Scan(&until)
		if got := db.FromMicros(until).Sub(f.clock.Now()); got != 2*time.Minute {
			t.Fatalf("second lock lasts %v, want 2m (doubled)", got)
		}
		f.clock.Add(2 * time.Minute)
		if err := try(strongPassword); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		if n := f.audited(t, "identity.login.fail", "failed"); n != 6 {
			t.Errorf("audited %d failed logins, want 6", n)
		}
		if n := f.audited(t, "identity.login.locked", "denied"); n != 1 {
			t.Errorf("audited %d locked attempts, want 1", n)
		}
		if err := try2(f, "khongtontai", strongPassword); apperr.CodeOf(err) != apperr.Unauthorized || !strings.Contains(apperr.MessageOf(err), "không đúng") {
			t.Fatalf("unknown login: %v", err)
		}
	})
}

func try2(f *fixture, login, pw string) error {
	_, err := f.svc.Login(f.ctx, LoginRequest{Login: login, Password: pw, IP: "192.0.2.10"})
	return err
}

func TestRateLimitPerAddressIsInTheDatabase(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// A second service on the same database plays another replica.
		other, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ {
			svc := f.svc
			if i%2 == 1 {
				svc = other
			}
			_, err := svc.Login(f.ctx, LoginRequest{Login: "ai.do." + string(rune('a'+i%26)), Password: "x", IP: "198.51.100.7"})
			if apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, err := other.Login(f.ctx, LoginRequest{Login: "ai.do", Password: "x", IP: "198.51.100.7"}); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("31st attempt from one address: %v", err)
		}
		if _, err := f.svc.Login(f.ctx, LoginRequest{Login: "ai.do", Password: "x", IP: "198.51.100.8"}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("another address is not limited: %v", err)
		}
		f.clock.Add(11 * time.Minute)
		if _, err := f.svc.Login(f.ctx, LoginRequest{Login: "ai.do", Password: "x", IP: "198.51.100.7"}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestTOTPEnrolmentReplayAndRecoveryCodes(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "lanhdao", 4, actor.RoleGrant{Role: "leader", AgencyID: 4})
		res, err := f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, IP: "192.0.2.1"})
		if err != nil || res.Session.Stage != StageEnrol {
			t.Fatalf("leader without TOTP: stage %s, %v", res.Session.Stage, err)
		}
		if _, err := f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, IP: "192.0.2.1", API: true}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("API login of a leader without TOTP: %v", err)
		}
		a, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1")
		if err != nil || a.MFA {
			t.Fatalf("enrol-stage actor: %+v %v", a, err)
		}
		enr, err := f.svc.BeginTOTP(f.ctx, a)
		if err != nil || len(enr.PNG) < 100 || string(enr.PNG[1:4]) != "PNG" || !strings.HasPrefix(enr.URL, "otpauth://totp/") {
			t.Fatalf("BeginTOTP: %v (png %d bytes)", err, len(enr.PNG))
		}
		code := func() string {
			c, err := totp.GenerateCode(enr.Secret, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if _, _, err := f.svc.ConfirmTOTP(f.ctx, a, "000000"); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("wrong enrolment code: %v", err)
		}
		codes, token, err := f.svc.ConfirmTOTP(f.ctx, a, code())
		if err != nil || len(codes) != RecoveryCodeCount || token == res.Token {
			t.Fatalf("ConfirmTOTP: %d codes, rotated=%v, %v", len(codes), token != res.Token, err)
		}
		if _, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the pre-enrolment token must be rotated away: %v", err)
		}
		// Sign in again: password, then the code of the step already used.
		res, err = f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, IP: "192.0.2.1"})
		if err != nil || res.Session.Stage != StageMFA {
			t.Fatalf("login with TOTP: %s %v", res.Session.Stage, err)
		}
		if a, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1"); a != nil || err != nil {
			t.Fatalf("a pending session grants nothing: %v %v", a, err)
		}
		if _, err := f.svc.CompleteMFA(f.ctx, res.Token, code(), "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized || !strings.Contains(apperr.MessageOf(err), "đã được dùng") {
			t.Fatalf("replayed code: %v", err)
		}
		f.clock.Add(30 * time.Second)
		full, err := f.svc.CompleteMFA(f.ctx, res.Token, code(), "192.0.2.1")
		if err != nil || full.Session.Stage != StageFull || !full.Session.MFA || full.Token == res.Token {
			t.Fatalf("CompleteMFA: %+v %v", full.Session, err)
		}
		if _, err := f.svc.CompleteMFA(f.ctx, res.Token, code(), "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the pending token is spent: %v", err)
		}
		// A recovery code works once.
		f.clock.Add(30 * time.Second)
		res, _ = f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, IP: "192.0.2.1"})
		if _, err := f.svc.CompleteMFA(f.ctx, res.Token, strings.ToUpper(codes[0]), "192.0.2.1"); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		res, _ = f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, IP: "192.0.2.1"})
		if _, err := f.svc.CompleteMFA(f.ctx, res.Token, codes[0], "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("spent recovery code: %v", err)
		}
		// API clients send the code with the password.
		f.clock.Add(30 * time.Second)
		api, err := f.svc.Login(f.ctx, LoginRequest{Login: "lanhdao", Password: strongPassword, OTP: code(), IP: "192.0.2.1", API: true})
		if err != nil || api.Session.Kind != KindAPI || !api.Session.MFA {
			t.Fatalf("API login with otp: %+v %v", api.Session, err)
		}
		if n := f.audited(t, "identity.otp.replay", "denied"); n != 1 {
			t.Errorf("audited %d replays, want 1", n)
		}
		if n := f.audited(t, "identity.otp.fail", "failed"); n != 1 {
			t.Errorf("audited %d wrong codes, want 1", n)
		}
	})
}

func TestSessionsExpireAndForgedTokensAreRefused(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		acc, err := f.svc.Register(f.ctx, Registration{Kind: actor.Citizen, ID: "001090012345", Name: "Nguyễn Thị Dân", Phone: "0912345678", Password: strongPassword, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		a, token := f.signIn(t, "001 090 012 345")
		if a.AccountID != acc.ID || a.Kind != actor.Citizen || !a.HasRole("citizen") {
			t.Fatalf("actor = %+v", a)
		}
		f.clock.Add(29 * time.Minute)
		if _, _, err := f.svc.Authenticate(f.ctx, token, "192.0.2.1"); err != nil {
			t.Fatalf("within the idle timeout: %v", err)
		}
		f.clock.Add(30 * time.Minute)
		if _, _, err := f.svc.Authenticate(f.ctx, token, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("idle session: %v", err)
		}
		// Absolute timeout: keep the session busy for 12 hours.
		_, token = f.signIn(t, "001090012345")
		for i := 0; i < 24; i++ { // 24 × 29 min = 11 h 36 min
			f.clock.Add(29 * time.Minute)
			if _, _, err := f.svc.Authenticate(f.ctx, token, "192.0.2.1"); err != nil {
				t.Fatalf("busy session ended after %d steps: %v", i, err)
			}
		}
		f.clock.Add(29 * time.Minute)
		if _, _, err := f.svc.Authenticate(f.ctx, token, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("session past its absolute timeout: %v", err)
		}
		for _, forged := range []string{newSecret(), APITokenPrefix + newSecret(), "garbage", token[:42] + "!", ""} {
			if _, _, err := f.svc.Authenticate(f.ctx, forged, "203.0.113.5"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("forged %q: %v", forged, err)
			}
		}
		if n := f.audited(t, "identity.session.reject", "failed"); n != 7 {
			t.Errorf("audited %d refused tokens, want 7 (2 expired + 5 forged)", n)
		}
		// Sign out everywhere.
		a1, t1 := f.signIn(t, "001090012345")
		_, t2 := f.signIn(t, "001090012345")
		list, err := f.svc.Sessions(f.ctx, a1)
		if err != nil || len(list) != 2 {
			t.Fatalf("sessions: %d %v", len(list), err)
		}
		if n, err := f.svc.SignOutEverywhere(f.ctx, a1); n != 2 || err != nil {
			t.Fatalf("SignOutEverywhere = %d, %v", n, err)
		}
		for _, tok := range []string{t1, t2} {
			if _, _, err := f.svc.Authenticate(f.ctx, tok, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("session survived sign-out everywhere: %v", err)
			}
		}
	})
}

func TestRegisterRefusesDuplicatesAndBadInput(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		reg := Registration{Kind: actor.Business, ID: "0100109106-001", Name: "Chi nhánh Công ty A", Email: "a@example.vn", Password: strongPassword, IP: "192.0.2.1"}
		acc, err := f.svc.Register(f.ctx, reg)
		if err != nil || acc.Login != "0100109106-001" || acc.Kind != actor.Business {
			t.Fatalf("register business: %+v %v", acc, err)
		}
		reg.ID = "0100109106001"
		if again, err := f.svc.Register(f.ctx, reg); err != nil || again.ID != 0 || again.Login != acc.Login {
			t.Fatalf("duplicate tax code must answer like a registration and change nothing: %+v %v", again, err)
		}
		cases := []Registration{
			{Kind: actor.Citizen, ID: "12345", Name: "A", Phone: "0912345678", Password: strongPassword},
			{Kind: actor.Citizen, ID: "001090012346", Name: "", Phone: "0912345678", Password: strongPassword},
			{Kind: actor.Citizen, ID: "001090012346", Name: "Lê \u202eB", Phone: "0912345678", Password: strongPassword},
			{Kind: actor.Citizen, ID: "001090012346", Name: "Lê\u200bB", Phone: "0912345678", Password: strongPassword},
			{Kind: actor.Citizen, ID: "001090012346", Name: "Lê B", Password: strongPassword},
			{Kind: actor.Citizen, ID: "001090012346", Name: "Lê B", Phone: "0912345678", Password: "001090012346x"},
			{Kind: actor.Official, ID: "x", Name: "Lê B", Phone: "0912345678", Password: strongPassword},
		}
		for i, c := range cases {
			if _, err := f.svc.Register(f.ctx, c); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("case %d: %v", i, err)
			}
		}
	})
}

func TestPrivilegeEscalationIsRefused(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.official(t, "quantri.xa", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		_ = admin
		clerk := f.official(t, "vanthu.xa", 4)
		other := f.official(t, "canbo.xakhac", 5)
		demo := f.signInTOTP(t, "quantri.xa")
		if _, err := f.svc.CreateOfficial(f.ctx, demo, NewOfficial{Username: "nguoila", Name: "Người Lạ", Password: strongPassword, AgencyID: 5, Positions: []int64{1}}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("create an official in another agency: %v", err)
		}
		if err := f.svc.GrantRole(f.ctx, demo, demo.AccountID, actor.RoleGrant{Role: "system_admin"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("grant themselves system admin: %v", err)
		}
		if err := f.svc.GrantRole(f.ctx, demo, demo.AccountID, actor.RoleGrant{Role: "leader", AgencyID: 4}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("grant themselves a role: %v", err)
		}
		if err := f.svc.GrantRole(f.ctx, demo, other.ID, actor.RoleGrant{Role: "clerk", AgencyID: 5}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("grant in another agency: %v", err)
		}
		if err := f.svc.GrantRole(f.ctx, demo, clerk.ID, actor.RoleGrant{Role: "clerk", AgencyID: 4}); err != nil {
			t.Fatalf("grant a clerk in own agency: %v", err)
		}
		if err := f.svc.SetDisabled(f.ctx, demo, other.ID, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("disable an official of another agency: %v", err)
		}
		if n := f.audited(t, "identity.role.grant", "denied"); n != 3 {
			t.Errorf("audited %d refused grants, want 3", n)
		}
		// A citizen guessing account ids sees "not found", audited.
		c1, _ := f.svc.Register(f.ctx, Registration{Kind: actor.Citizen, ID: "001090012345", Name: "Dân Một", Phone: "0912345678", Password: strongPassword, IP: "192.0.2.2"})
		c2, _ := f.svc.Register(f.ctx, Registration{Kind: actor.Citizen, ID: "001090012346", Name: "Dân Hai", Phone: "0912345679", Password: strongPassword, IP: "192.0.2.2"})
		a1, _ := f.signIn(t, c1.Login)
		if got, err := f.svc.Account(f.ctx, a1, c1.ID); err != nil || got.ID != c1.ID {
			t.Fatalf("own account: %v", err)
		}
		for _, id := range []int64{c2.ID, clerk.ID, 424242} {
			if _, err := f.svc.Account(f.ctx, a1, id); apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("citizen reads account %d: %v", id, err)
			}
		}
		var probes int
		_ = d.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM audit_entries WHERE outcome = 'denied' AND actor_account = $1", c1.ID).Scan(&probes)
		if probes != 3 {
			t.Errorf("audited %d probes, want 3", probes)
		}
	})
}

func TestAPITokensScopedExpiringRevocable(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "tichhop", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		a, _ := f.signIn(t, "tichhop")
		if _, _, err := f.svc.CreateToken(f.ctx, a, "Kết nối", []string{"nosuchmodule:read"}, time.Hour); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad scope: %v", err)
		}
		secret, info, err := f.svc.CreateToken(f.ctx, a, "Kết nối báo cáo", []string{"identity:read org:write"}, 24*time.Hour)
		if err != nil || !strings.HasPrefix(secret, APITokenPrefix) || len(info.Scopes) != 2 {
			t.Fatalf("CreateToken: %q %+v %v", secret, info, err)
		}
		ta, _, err := f.svc.Authenticate(f.ctx, secret, "192.0.2.3")
		if err != nil || ta.AccountID != a.AccountID || len(ta.Scopes) != 2 {
			t.Fatalf("token actor: %+v %v", ta, err)
		}
		if _, _, err := f.svc.CreateToken(f.ctx, ta, "x", []string{"identity:write"}, time.Hour); apperr.CodeOf(err) == "" {
			t.Fatal("a token created a token")
		}
		var stored string
		_ = d.Reader().QueryRowContext(f.ctx, "SELECT token_hash FROM identity_api_tokens WHERE id = $1", info.ID).Scan(&stored)
		if stored == secret || strings.Contains(stored, secret[4:]) {
			t.Fatal("token stored in clear")
		}
		if err := f.svc.RevokeToken(f.ctx, a, info.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(f.ctx, secret, "192.0.2.3"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("revoked token: %v", err)
		}
		secret, _, _ = f.svc.CreateToken(f.ctx, a, "Ngắn hạn", []string{"org:read"}, time.Hour)
		f.clock.Add(time.Hour)
		if _, _, err := f.svc.Authenticate(f.ctx, secret, "192.0.2.3"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("expired token: %v", err)
		}
	})
}

func TestSeedDemoAndDeleteDemo(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		logins, err := f.svc.SeedDemo(f.ctx, DemoOfficialsFor(4))
		if err != nil {
			t.Fatal(err)
		}
		if len(logins) != len(access.Roles()) {
			t.Fatalf("seeded %d logins, want one per role (%d)", len(logins), len(access.Roles()))
		}
		again, err := f.svc.SeedDemo(f.ctx, DemoOfficialsFor(4))
		if err != nil || len(again) != len(logins) {
			t.Fatalf("SeedDemo is not idempotent: %d %v", len(again), err)
		}
		for _, l := range logins {
			res, err := f.svc.Login(f.ctx, LoginRequest{Login: l.Username, Password: l.Password, IP: "192.0.2.4"})
			if err != nil || res.Session.Stage != StageFull {
				t.Fatalf("demo %s (%s): stage %s, %v", l.Role, l.Username, res.Session.Stage, err)
			}
		}
		if n, _ := f.svc.DemoAccounts(f.ctx); n != len(logins) {
			t.Fatalf("DemoAccounts = %d", n)
		}
		clerk, _ := f.signIn2(t, "demo.clerk", f.svc.opts.DemoPassword)
		if _, err := f.svc.DeleteDemo(f.ctx, clerk); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a clerk deleted the demo accounts: %v", err)
		}
		if n, err := f.svc.DeleteDemo(f.ctx, f.sys); err != nil || int(n) != len(logins) {
			t.Fatalf("DeleteDemo = %d, %v", n, err)
		}
		if n, _ := f.svc.DemoAccounts(f.ctx); n != 0 {
			t.Fatalf("%d demo accounts left", n)
		}
	})
}

func (f *fixture) signIn2(t *testing.T, login, pw string) (*actor.Actor, string) {
	t.Helper()
	res, err := f.svc.Login(f.ctx, LoginRequest{Login: login, Password: pw, IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	a, _, err := f.svc.Authenticate(f.ctx, res.Token, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return a, res.Token
}

func TestLoginRehashesWhenParametersChange(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	f := newFixture(t, d)
	f.official(t, "cu.tham.so", 4)
	stronger := testParams
	stronger.Time = 2
	svc2, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: stronger, SecretKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.Login(f.ctx, LoginRequest{Login: "cu.tham.so", Password: strongPassword, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	var h string
	_ = d.Reader().QueryRowContext(f.ctx, "SELECT password_hash FROM identity_accounts WHERE login = 'cu.tham.so'").Scan(&h)
	if !strings.Contains(h, "t=2") {
		t.Fatalf("hash not upgraded: %s", h)
	}
}

func TestChangePasswordRotatesAndEndsOtherSessions(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "doimatkhau", 4)
		a, tok := f.signIn(t, "doimatkhau")
		_, other := f.signIn(t, "doimatkhau")
		if _, err := f.svc.ChangePassword(f.ctx, a, "sai rồi sai rồi", "Mật khẩu mới rất dài 2026"); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("wrong current password: %v", err)
		}
		newTok, err := f.svc.ChangePassword(f.ctx, a, strongPassword, "Mật khẩu mới rất dài 2026")
		if err != nil {
			t.Fatal(err)
		}
		for _, old := range []string{tok, other} {
			if _, _, err := f.svc.Authenticate(f.ctx, old, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("old session survives a password change: %v", err)
			}
		}
		if _, _, err := f.svc.Authenticate(f.ctx, newTok, "192.0.2.1"); err != nil {
			t.Fatalf("rotated session: %v", err)
		}
	})
}

// BenchmarkLogin measures a whole password sign-in (rate-limit counters,
// argon2id with DefaultParams, session insert, audit entry) on SQLite.
func BenchmarkLogin(b *testing.B) {
	d := dbtest.SQLite(b, modules...)
	log, err := audit.New(d, audit.Options{})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(d, Options{Audit: log, SecretKey: testKey, Limits: Limits{LoginPerIP: 1 << 30, LoginPerAccount: 1 << 30}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.CreateOfficial(ctx, actor.SystemActor("bench"), NewOfficial{Username: "bench", Name: "Bench", Password: strongPassword, AgencyID: 1, Positions: []int64{1}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Login(ctx, LoginRequest{Login: "bench", Password: strongPassword, IP: "192.0.2.1"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArgon2id measures the hash alone with DefaultParams.
func BenchmarkArgon2id(b *testing.B) {
	h, _ := HashPassword(DefaultParams, strongPassword)
	for b.Loop() {
		if ok, _, _ := VerifyPassword(h, strongPassword, DefaultParams); !ok {
			b.Fatal("no match")
		}
	}
}
