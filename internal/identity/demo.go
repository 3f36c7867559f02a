package identity

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// DemoOfficial is one demo official from org's demo province. The role is
// held where DemoGrant says for its role and agency.
type DemoOfficial struct {
	OfficialID int64   // org official (person) id, 0 if none
	AgencyID   int64   // the official's agency
	UnitID     int64   // 0 if none
	Positions  []int64 // org position ids; may be empty for demo accounts
	Role       access.Role
	Username   string // e.g. "demo.vanthu"
	Name       string // display name
}

// DemoLogin is a demo account to print for the operator.
type DemoLogin struct {
	Role     access.Role
	Username string
	Password string
	Name     string
}

// Demo citizen and business, with a synthetic but well-formed CCCD and tax
// code (check digit valid).
const (
	DemoCitizenCCCD   = "001090012345"
	DemoBusinessTaxID = "0108888888"
)

// SeedDemo creates, once, a demo login for each given official plus one
// demo citizen and one demo business, all with the demo password
// (Options.DemoPassword) and flagged demo: exempt from the mandatory second
// factor while flagged, listed by DemoAccounts and removed by DeleteDemo.
// It is idempotent: existing demo logins are returned again, and a login
// taken by a real account is skipped. Call it on first start of a demo
// instance, after org has loaded its demo province.
func (s *Service) SeedDemo(ctx context.Context, officials []DemoOfficial) ([]DemoLogin, error) {
	sys := actor.SystemActor("demo")
	hash, err := s.hashPassword(ctx, s.opts.DemoPassword)
	if err != nil {
		return nil, err
	}
	type seed struct {
		row  accountRow
		role access.Role
		g    actor.RoleGrant
		pos  []int64
	}
	var seeds []seed
	for _, o := range officials {
		login, err := ParseUsername(o.Username)
		if err != nil {
			return nil, err
		}
		name, err := CleanName(o.Name)
		if err != nil {
			return nil, err
		}
		if !o.Role.OfficialRole() {
			return nil, apperr.FieldError("role", "Vai trò %q không dành cho cán bộ", o.Role)
		}
		clearance := access.Internal
		if o.Role == access.SecurityOfficer {
			// A security officer sets clearances up to their own only: the
			// demo one is cleared to the top so the demo can show them all.
			clearance = access.UltraSecret
		}
		where, subtree := DemoGrant(o.Role, o.AgencyID)
		seeds = append(seeds, seed{
			row:  accountRow{kind: actor.Official, login: login, name: name, officialID: o.OfficialID, agencyID: o.AgencyID, unitID: o.UnitID, clearance: clearance, hash: hash, demo: true},
			role: o.Role, g: actor.RoleGrant{Role: string(o.Role), AgencyID: where, Subtree: subtree}, pos: o.Positions,
		})
	}
	seeds = append(seeds,
		seed{row: accountRow{kind: actor.Citizen, login: DemoCitizenCCCD, name: "Nguyễn Thị Dân (trình diễn)", phone: "0912345678", clearance: access.Public, hash: hash, demo: true},
			role: access.CitizenRole, g: actor.RoleGrant{Role: string(access.CitizenRole)}},
		seed{row: accountRow{kind: actor.Business, login: DemoBusinessTaxID, name: "Công ty TNHH Trình Diễn", email: "demo@example.vn", clearance: access.Public, hash: hash, demo: true},
			role: access.BusinessRole, g: actor.RoleGrant{Role: string(access.BusinessRole)}},
	)
	var out []DemoLogin
	for _, sd := range seeds {
		var existingDemo sql.NullBool
		err := s.db.Reader().QueryRowContext(ctx, "SELECT demo FROM identity_accounts WHERE login = $1", sd.row.login).Scan(&existingDemo)
		switch {
		case err == nil && existingDemo.Bool:
			out = append(out, DemoLogin{Role: sd.role, Username: sd.row.login, Password: s.opts.DemoPassword, Name: sd.row.name})
			continue
		case err == nil:
			s.log.WarnContext(ctx, "demo login taken by a real account: skipped", "login", sd.row.login)
			continue
		case err != sql.ErrNoRows:
			return nil, fmt.Errorf("look up demo login: %w", err)
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			id, err := s.insertAccount(ctx, tx, sd.row)
			if err != nil {
				return err
			}
			for _, p := range sd.pos {
				if _, err := tx.ExecContext(ctx, "INSERT INTO identity_account_positions (account_id, position_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, p); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO identity_role_grants (account_id, role, agency_id, subtree, granted_at)
				VALUES ($1, $2, $3, $4, $5)`, id, sd.g.Role, sd.g.AgencyID, sd.g.Subtree, micros(s.now())); err != nil {
				return fmt.Errorf("grant demo role: %w", err)
			}
			return s.record(ctx, tx, sys, "identity.demo.seed", idText(id), audit.OutcomeOK, "", map[string]any{"login": sd.row.login, "role": string(sd.role)})
		})
		if err != nil {
			return nil, fmt.Errorf("seed demo account %s: %w", sd.row.login, err)
		}
		out = append(out, DemoLogin{Role: sd.role, Username: sd.row.login, Password: s.opts.DemoPassword, Name: sd.row.name})
	}
	return out, nil
}

// DemoAccounts counts the accounts still flagged demo (the server warns at
// start-up while there are any).
func (s *Service) DemoAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM identity_accounts WHERE demo = TRUE").Scan(&n)
	return n, err
}

// DeleteDemo deletes every demo account with its sessions, roles and tokens
// (system administrator, platform-wide, or the CLI).
func (s *Service) DeleteDemo(ctx context.Context, by *actor.Actor) (int64, error) {
	if err := access.Authorize(ctx, by, access.IdentityDemoDelete, access.Resource{Type: "account", ID: "demo"}); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Children first: SQLite enforces ON DELETE CASCADE only with
		// foreign keys on, and PostgreSQL always; be explicit for both.
		for _, t := range []string{"identity_sessions", "identity_api_tokens", "identity_role_grants", "identity_recovery_codes", "identity_account_positions"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE account_id IN (SELECT id FROM identity_accounts WHERE demo = TRUE)"); err != nil {
				return fmt.Errorf("delete demo %s: %w", t, err)
			}
		}
		r, err := tx.ExecContext(ctx, "DELETE FROM identity_accounts WHERE demo = TRUE")
		if err != nil {
			return fmt.Errorf("delete demo accounts: %w", err)
		}
		n, _ = r.RowsAffected()
		return s.record(ctx, tx, by, "identity.demo.delete", "demo", audit.OutcomeOK, "", map[string]any{"accounts": n})
	})
	return n, err
}

// DemoOfficialsFor builds the usual demo set — one official per role — in
// one agency, for callers without org's demo province: usernames
// demo.<role>.
func DemoOfficialsFor(agencyID int64) []DemoOfficial {
	names := map[access.Role]string{
		access.SystemAdmin: "Trần Quản Trị", access.AgencyAdmin: "Lê Quản Lý", access.SecurityOfficer: "Phạm An Ninh",
		access.Leader: "Nguyễn Lãnh Đạo", access.Clerk: "Hoàng Văn Thư", access.OneStopOfficer: "Vũ Một Cửa",
		access.Specialist: "Đặng Chuyên Viên", access.Auditor: "Bùi Kiểm Tra", access.OutreachOfficer: "Lò Thông Tin",
	}
	var out []DemoOfficial
	for _, r := range access.OfficialRoles() {
		out = append(out, DemoOfficial{Role: r, AgencyID: agencyID, Username: "demo." + string(r), Name: names[r] + " (trình diễn)"})
	}
	return out
}

// DemoRole maps a role name of org's demo officials (org.Demo.Officials[i].Role)
// to the access role their login plays: the eight official roles map to
// themselves, org's extra scenario people to the role they hold. Platform
// roles (system_admin) are granted platform-wide by DemoGrant.
func DemoRole(orgRole string) (access.Role, bool) {
	switch orgRole {
	case "deputy_leader", "commune_leader":
		return access.Leader, true
	case "commune_onestop_officer":
		return access.OneStopOfficer, true
	case "commune_clerk":
		return access.Clerk, true
	case "ministry_specialist", "commune_specialist":
		return access.Specialist, true
	case "commune_outreach_officer":
		return access.OutreachOfficer, true
	}
	r, err := access.ParseRole(orgRole)
	if err != nil || !r.OfficialRole() {
		return "", false
	}
	return r, true
}

// DemoGrant returns where a demo official's role is held: system_admin
// platform-wide; administrators, security officers and auditors over their
// agency's subtree; the others in their agency only.
func DemoGrant(role access.Role, agencyID int64) (agency int64, subtree bool) {
	switch role {
	case access.SystemAdmin:
		return 0, false
	case access.AgencyAdmin, access.SecurityOfficer, access.Auditor:
		return agencyID, true
	}
	return agencyID, false
}
