package identity

import (
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// signInTOTP enrols a second factor for login (signed in with the password
// first) and returns the actor of the session that passed it, as an
// administrator who must use one signs in.
func (f *fixture) signInTOTP(t *testing.T, login string) *actor.Actor {
	t.Helper()
	a, _ := f.signIn(t, login)
	enr, err := f.svc.BeginTOTP(f.ctx, a)
	if err != nil {
		t.Fatalf("BeginTOTP %s: %v", login, err)
	}
	_, token, err := f.svc.ConfirmTOTP(f.ctx, a, f.code(t, enr.Secret))
	if err != nil {
		t.Fatalf("ConfirmTOTP %s: %v", login, err)
	}
	f.clock.Add(30 * time.Second) // the next code is a new step
	full, _, err := f.svc.Authenticate(f.ctx, token, "192.0.2.1")
	if err != nil || full == nil || !full.MFA {
		t.Fatalf("authenticate %s after enrolment: %+v %v", login, full, err)
	}
	return full
}

// A grant, revoke, clearance change or disabling ends the account's
// sessions in the same transaction, so a session opened before the change
// cannot carry a role (or clearance) that needs a second factor it never
// passed.
func TestPrivilegeChangesEndTheAccountsSessions(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "quantri", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		f.official(t, "antt", 4, actor.RoleGrant{Role: "security_officer", AgencyID: 4})
		target := f.official(t, "chuyenvien", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		admin := f.signInTOTP(t, "quantri")
		security := f.signInTOTP(t, "antt")
		_ = f.svc.SetClearance(f.ctx, f.sys, security.AccountID, access.Secret)
		security = f.signInTOTP2(t, "antt")

		changes := []struct {
			name   string
			change func() error
		}{
			{"grant", func() error {
				return f.svc.GrantRole(f.ctx, admin, target.ID, actor.RoleGrant{Role: "leader", AgencyID: 4})
			}},
			{"revoke", func() error {
				return f.svc.RevokeRole(f.ctx, admin, target.ID, actor.RoleGrant{Role: "leader", AgencyID: 4})
			}},
			{"clearance", func() error { return f.svc.SetClearance(f.ctx, security, target.ID, access.Secret) }},
			{"disable", func() error { return f.svc.SetDisabled(f.ctx, admin, target.ID, true) }},
		}
		for _, c := range changes {
			_, tok := f.signIn2(t, "chuyenvien", strongPassword)
			if err := c.change(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if a, _, err := f.svc.Authenticate(f.ctx, tok, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("%s: the session opened before survives: %+v %v", c.name, a, err)
			}
			if c.name == "clearance" {
				// Cleared above Internal, the official must now enrol.
				res, err := f.svc.Login(f.ctx, LoginRequest{Login: "chuyenvien", Password: strongPassword, IP: "192.0.2.1"})
				if err != nil || res.Session.Stage != StageEnrol {
					t.Fatalf("after the clearance: stage %s, %v", res.Session.Stage, err)
				}
				_ = f.svc.SetClearance(f.ctx, f.sys, target.ID, access.Internal)
			}
		}
		var ended int
		if err := d.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM audit_entries WHERE action IN ('identity.role.grant', 'identity.role.revoke', 'identity.clearance.set') AND outcome = 'ok' AND actor_account IN ($1, $2) AND summary LIKE '%sessions_ended%'",
			admin.AccountID, security.AccountID).Scan(&ended); err != nil {
			t.Fatal(err)
		}
		if ended != 3 {
			t.Errorf("%d audited changes note the sessions ended, want 3", ended)
		}
	})
}

// signInTOTP2 signs in an account already enrolled: password, then a code.
func (f *fixture) signInTOTP2(t *testing.T, login string) *actor.Actor {
	t.Helper()
	var id int64
	if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT id FROM identity_accounts WHERE login = $1", login).Scan(&id); err != nil {
		t.Fatal(err)
	}
	secret, _, _, err := f.svc.totpState(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Second)
	res, err := f.svc.Login(f.ctx, LoginRequest{Login: login, Password: strongPassword, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := f.svc.CompleteMFA(f.ctx, res.Token, f.code(t, secret), "192.0.2.1")
	if err != nil {
		t.Fatalf("CompleteMFA %s: %v", login, err)
	}
	a, _, err := f.svc.Authenticate(f.ctx, full.Token, "192.0.2.1")
	if err != nil || a == nil {
		t.Fatalf("authenticate %s: %v", login, err)
	}
	return a
}

// An API token acts with the roles of its account, but with one that
// requires a second factor only if the session that created it passed one
// and the account still has TOTP: a token made by a password-only session
// (as with a stolen password) stays without the administrator's role after
// the account is promoted and enrols TOTP; one made after a second factor
// carries it until the account's TOTP is turned off.
func TestAPITokenDropsRolesThatNeedASecondFactor(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		acc := f.official(t, "tichhop", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		a, _ := f.signIn(t, "tichhop")
		passwordOnly, info, err := f.svc.CreateToken(f.ctx, a, "Kết nối", []string{"identity:write"}, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if info.SecondFactor {
			t.Fatal("a token made by a password-only session is marked as made after a second factor")
		}
		if err := f.svc.GrantRole(f.ctx, f.sys, acc.ID, actor.RoleGrant{Role: "agency_admin", AgencyID: 4}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetClearance(f.ctx, f.sys, acc.ID, access.TopSecret); err != nil {
			t.Fatal(err)
		}
		withoutRole := func(when, secret string) {
			t.Helper()
			ta, _, err := f.svc.Authenticate(f.ctx, secret, "192.0.2.3")
			if err != nil {
				t.Fatal(err)
			}
			if ta.HasRole("agency_admin") || !ta.HasRole("specialist") || ta.Clearance != "noi_bo" {
				t.Fatalf("%s: token actor has roles %+v, clearance %s", when, ta.Roles, ta.Clearance)
			}
			if _, err := f.svc.Officials(f.ctx, ta, 4); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("%s: the token lists the agency's accounts: %v", when, err)
			}
		}
		withoutRole("before TOTP", passwordOnly)
		mfa := f.signInTOTP(t, "tichhop")
		withoutRole("password-only token after TOTP", passwordOnly)

		secret, info, err := f.svc.CreateToken(f.ctx, mfa, "Kết nối quản trị", []string{"identity:write"}, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !info.SecondFactor {
			t.Fatal("a token made after a second factor is not marked so")
		}
		ta, _, err := f.svc.Authenticate(f.ctx, secret, "192.0.2.3")
		if err != nil {
			t.Fatal(err)
		}
		if !ta.HasRole("agency_admin") || ta.Clearance != "toi_mat" {
			t.Fatalf("token made after a second factor: roles %+v, clearance %s", ta.Roles, ta.Clearance)
		}
		if _, err := f.svc.Officials(f.ctx, ta, 4); err != nil {
			t.Fatalf("the token made after a second factor may list the agency's accounts: %v", err)
		}
		list, err := f.svc.Tokens(f.ctx, mfa)
		if err != nil || len(list) != 2 || !list[0].SecondFactor || list[1].SecondFactor {
			t.Fatalf("tokens listed: %+v %v", list, err)
		}
		// Without TOTP any more (as after an administrator's reset), the
		// token made after a second factor loses the role too.
		if _, err := d.Writer().ExecContext(f.ctx, "UPDATE identity_accounts SET totp_enabled = FALSE WHERE id = $1", acc.ID); err != nil {
			t.Fatal(err)
		}
		withoutRole("token made after a second factor, TOTP off", secret)
	})
}

// A token created before the column recording the second factor existed
// counts as made without one.
func TestAPITokenFromBeforeTheMigrationCountsAsPasswordOnly(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		acc := f.official(t, "quantri.cu", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		a := f.signInTOTP(t, "quantri.cu")
		secret := APITokenPrefix + newSecret()
		now := micros(f.clock.Now())
		// The row as the earlier schema wrote it: no mfa column named.
		if _, err := d.Writer().ExecContext(f.ctx, `INSERT INTO identity_api_tokens (account_id, name, token_hash, scopes, created_at, expires_at)
			VALUES ($1, 'cũ', $2, 'identity:read', $3, $4)`, acc.ID, hashToken(secret), now, now+int64(time.Hour/time.Microsecond)); err != nil {
			t.Fatal(err)
		}
		ta, _, err := f.svc.Authenticate(f.ctx, secret, "192.0.2.3")
		if err != nil {
			t.Fatal(err)
		}
		if ta.HasRole("agency_admin") || !a.HasRole("agency_admin") {
			t.Fatalf("old token roles %+v (session roles %+v)", ta.Roles, a.Roles)
		}
	})
}

// The service passes the grant's subtree, the account's grants and its
// clearance to access.Can, so each rule of the one decision point holds
// on every path, and a refused revoke is audited as a revoke.
func TestPrivilegeChangesStayWithinTheGrantorsReach(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "quantri", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		f.official(t, "hethong", 4, actor.RoleGrant{Role: "system_admin"})
		f.official(t, "antt", 4, actor.RoleGrant{Role: "security_officer", AgencyID: 4})
		helper := f.official(t, "taikhoanphu", 4)
		cleared := f.official(t, "cokhoa", 4)
		if err := f.svc.SetClearance(f.ctx, f.sys, cleared.ID, access.UltraSecret); err != nil {
			t.Fatal(err)
		}
		deputy := f.official(t, "quantri.phu", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4, Subtree: true})
		admin := f.signInTOTP(t, "quantri")
		sysadmin := f.signInTOTP(t, "hethong")
		security := f.signInTOTP(t, "antt")

		refused := []struct {
			name   string
			change func() error
		}{
			{"agency admin without subtree grants a subtree grant", func() error {
				return f.svc.GrantRole(f.ctx, admin, helper.ID, actor.RoleGrant{Role: "agency_admin", AgencyID: 4, Subtree: true})
			}},
			{"agency admin revokes a subtree grant wider than theirs", func() error {
				return f.svc.RevokeRole(f.ctx, admin, deputy.ID, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
			}},
			{"agency admin disables the system administrator of their agency", func() error {
				return f.svc.SetDisabled(f.ctx, admin, sysadmin.AccountID, true)
			}},
			{"agency admin disables the security officer", func() error {
				return f.svc.SetDisabled(f.ctx, admin, security.AccountID, true)
			}},
			{"system administrator makes an account security officer", func() error {
				return f.svc.GrantRole(f.ctx, sysadmin, helper.ID, actor.RoleGrant{Role: "security_officer", AgencyID: 4})
			}},
			{"system administrator appoints an auditor", func() error {
				return f.svc.GrantRole(f.ctx, sysadmin, helper.ID, actor.RoleGrant{Role: "auditor"})
			}},
			{"security officer sets a clearance above their own", func() error {
				return f.svc.SetClearance(f.ctx, security, helper.ID, access.Secret)
			}},
			{"security officer makes a higher-cleared account security officer", func() error {
				return f.svc.GrantRole(f.ctx, security, cleared.ID, actor.RoleGrant{Role: "security_officer", AgencyID: 4})
			}},
		}
		for _, c := range refused {
			if err := c.change(); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s: %v, want EFORBIDDEN", c.name, err)
			}
		}
		got, err := f.svc.findAccount(f.ctx, f.db.Reader(), helper.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Roles) != 0 || got.Clearance != access.Internal {
			t.Fatalf("a refused change was made: %+v", got)
		}
		if n := f.audited(t, "identity.role.revoke", "denied"); n != 1 {
			t.Errorf("audited %d refused revokes as identity.role.revoke, want 1", n)
		}
		if n := f.audited(t, "identity.role.grant", "denied"); n != 4 {
			t.Errorf("audited %d refused grants, want 4", n)
		}
		// What each may do.
		allowed := []struct {
			name   string
			change func() error
		}{
			{"agency admin grants in their agency", func() error {
				return f.svc.GrantRole(f.ctx, admin, helper.ID, actor.RoleGrant{Role: "clerk", AgencyID: 4})
			}},
			{"security officer appoints an auditor", func() error {
				return f.svc.GrantRole(f.ctx, security, helper.ID, actor.RoleGrant{Role: "auditor", AgencyID: 4})
			}},
			{"security officer sets a clearance up to their own", func() error {
				return f.svc.SetClearance(f.ctx, security, helper.ID, access.Internal)
			}},
			{"system administrator disables an agency administrator", func() error {
				return f.svc.SetDisabled(f.ctx, sysadmin, admin.AccountID, true)
			}},
		}
		for _, c := range allowed {
			if err := c.change(); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// Now an auditor, the helper account is out of the agency
		// administrator's reach.
		if err := f.svc.RevokeRole(f.ctx, deputySession(t, f), helper.ID, actor.RoleGrant{Role: "clerk", AgencyID: 4}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("agency admin strips an auditor of a role: %v", err)
		}
	})
}

// Granting a role again without the subtree narrows a subtree grant the
// account holds: the same loss of scope as revoking it, so a grantor who
// could not revoke the subtree grant cannot narrow it either.
func TestRegrantCannotNarrowASubtreeGrantBeyondTheGrantorsReach(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "quantri", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		f.official(t, "quantri.cap.tren", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4, Subtree: true})
		deputy := f.official(t, "quantri.phu", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4, Subtree: true})
		admin := f.signInTOTP(t, "quantri")
		wide := f.signInTOTP(t, "quantri.cap.tren")
		narrow := actor.RoleGrant{Role: "agency_admin", AgencyID: 4}
		if err := f.svc.GrantRole(f.ctx, admin, deputy.ID, narrow); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("agency admin without subtree narrows a subtree grant: %v, want EFORBIDDEN", err)
		}
		got, err := f.svc.findAccount(f.ctx, f.db.Reader(), deputy.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Roles) != 1 || !got.Roles[0].Subtree {
			t.Fatalf("a refused grant narrowed the subtree grant: %+v", got.Roles)
		}
		if err := f.svc.GrantRole(f.ctx, wide, deputy.ID, narrow); err != nil {
			t.Fatalf("an agency admin holding the subtree narrows a subtree grant: %v", err)
		}
		if got, _ = f.svc.findAccount(f.ctx, f.db.Reader(), deputy.ID); len(got.Roles) != 1 || got.Roles[0].Subtree {
			t.Fatalf("after narrowing: %+v", got.Roles)
		}
	})
}

// An account created with a role gets both in one transaction: a refused
// role leaves no account behind (the creator was told it failed, and the
// login would be taken).
func TestCreateOfficialWithARoleIsOneChange(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "hethong", 4, actor.RoleGrant{Role: "system_admin"})
		sysadmin := f.signInTOTP(t, "hethong")
		in := NewOfficial{Username: "antt.moi", Name: "Cán bộ mới", Password: strongPassword, AgencyID: 4, Positions: []int64{1},
			Role: "security_officer"}
		if _, err := f.svc.CreateOfficial(f.ctx, sysadmin, in); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("system administrator creates a security officer: %v, want EFORBIDDEN", err)
		}
		var n int
		if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM identity_accounts WHERE login = 'antt.moi'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("the refused role left the account behind")
		}
		in.Role = "clerk"
		before := f.audited(t, "identity.role.grant", "ok")
		acc, err := f.svc.CreateOfficial(f.ctx, sysadmin, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(acc.Roles) != 1 || acc.Roles[0] != (actor.RoleGrant{Role: "clerk", AgencyID: 4}) {
			t.Fatalf("roles %+v, want clerk in agency 4", acc.Roles)
		}
		if got := f.audited(t, "identity.role.grant", "ok") - before; got != 1 {
			t.Errorf("audited %d grants, want 1", got)
		}
	})
}

// The role given with a new account may cover the agencies below, within
// what the creator may hand out; an official's account never gets a
// citizen's or business's role, not even from the system actor (the
// command line), which access.Can lets do anything.
func TestCreateOfficialWithASubtreeRole(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.official(t, "quantri", 4, actor.RoleGrant{Role: "agency_admin", AgencyID: 4})
		admin := f.signInTOTP(t, "quantri")
		in := NewOfficial{Username: "quantri.moi", Name: "Cán bộ mới", Password: strongPassword, AgencyID: 4, Positions: []int64{1},
			Role: "agency_admin", RoleSubtree: true}
		refused := []struct {
			name string
			by   *actor.Actor
			role string
		}{
			{"an administrator without the subtree gives it", admin, "agency_admin"},
			{"the system actor gives a citizen's role", f.sys, "citizen"},
			{"the system actor gives a business's role", f.sys, "business"},
		}
		for _, r := range refused {
			in.Role = r.role
			if _, err := f.svc.CreateOfficial(f.ctx, r.by, in); apperr.CodeOf(err) == "" {
				t.Fatalf("%s: accepted", r.name)
			}
		}
		acc := f.official(t, "chuyenvien", 4)
		if err := f.svc.GrantRole(f.ctx, f.sys, acc.ID, actor.RoleGrant{Role: "citizen", AgencyID: 4}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("the system actor grants a citizen's role to an official: %v", err)
		}
		in.Role = "agency_admin"
		created, err := f.svc.CreateOfficial(f.ctx, f.sys, in)
		if err != nil {
			t.Fatalf("no account was left by the refusals, so the login is free: %v", err)
		}
		if len(created.Roles) != 1 || created.Roles[0] != (actor.RoleGrant{Role: "agency_admin", AgencyID: 4, Subtree: true}) {
			t.Fatalf("roles %+v, want agency_admin over agency 4's subtree", created.Roles)
		}
	})
}

func deputySession(t *testing.T, f *fixture) *actor.Actor {
	t.Helper()
	return f.signInTOTP(t, "quantri.phu")
}

// A session that did not pass a second factor acts without the roles that
// require one and with its clearance capped, however the grant reached the
// account (here written behind the service's back, as a concurrent change
// racing the session would).
func TestSessionWithoutSecondFactorDropsRolesThatNeedOne(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		acc := f.official(t, "chuyenvien", 4, actor.RoleGrant{Role: "specialist", AgencyID: 4})
		_, tok := f.signIn(t, "chuyenvien")
		if _, err := d.Writer().ExecContext(f.ctx, `INSERT INTO identity_role_grants (account_id, role, agency_id, subtree, granted_at) VALUES ($1, 'agency_admin', 4, FALSE, 0)`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Writer().ExecContext(f.ctx, `UPDATE identity_accounts SET clearance = 'tuyet_mat' WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		a, _, err := f.svc.Authenticate(f.ctx, tok, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if a.HasRole("agency_admin") || !a.HasRole("specialist") || a.Clearance != "noi_bo" {
			t.Fatalf("session without a second factor: roles %+v, clearance %s", a.Roles, a.Clearance)
		}
		if _, err := f.svc.Officials(f.ctx, a, 4); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("the session lists the agency's accounts: %v", err)
		}
	})
}
