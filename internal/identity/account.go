package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Account is a person's or organisation's account.
type Account struct {
	ID          int64
	Kind        actor.Kind        // official, citizen or business
	Login       string            // username, CCCD or tax code
	Name        string            // display name, NFC
	Email       string            // may be empty
	Phone       string            // 0XXXXXXXXX, may be empty
	OfficialID  int64             // org official record, 0 if none
	AgencyID    int64             // officials: their agency
	UnitID      int64             // officials: their unit, 0 if none
	Positions   []int64           // officials: org position ids
	Clearance   access.Level      // highest level the account may read
	Roles       []actor.RoleGrant // roles held
	TOTPEnabled bool              // a second factor is enrolled
	Disabled    bool              // cannot sign in
	Demo        bool              // demonstration account
	LockedUntil time.Time         // zero when not locked
	CreatedAt   time.Time
}

// MFARequired reports whether the account must pass a second factor.
func (a *Account) MFARequired() bool {
	return access.MFARequired(a.Roles, a.Clearance.String())
}

// Resource describes the account for access decisions: owned by itself, in
// its agency, personal data when it is a citizen's or business's.
func (a *Account) Resource() access.Resource {
	return access.Resource{Type: "account", ID: idText(a.ID), AgencyID: a.AgencyID, OwnerID: a.ID,
		PersonalData: a.Kind != actor.Official}
}

const accountColumns = `id, kind, login, display_name, email, phone, COALESCE(official_id, 0), agency_id, unit_id,
 clearance, totp_enabled, disabled, demo, locked_until, created_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var kind, clearance string
	var locked, created int64
	err := row.Scan(&a.ID, &kind, &a.Login, &a.Name, &a.Email, &a.Phone, &a.OfficialID, &a.AgencyID, &a.UnitID,
		&clearance, &a.TOTPEnabled, &a.Disabled, &a.Demo, &locked, &created)
	if err != nil {
		return a, err
	}
	a.Kind = actor.Kind(kind)
	a.Clearance, err = access.ParseClearance(clearance)
	if err != nil {
		a.Clearance = access.Public
	}
	if locked > 0 {
		a.LockedUntil = fromMicros(locked)
	}
	a.CreatedAt = fromMicros(created)
	return a, nil
}

// findAccount loads an account with its roles and positions, ENOTFOUND if
// it does not exist.
func (s *Service) findAccount(ctx context.Context, q db.Querier, id int64) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM identity_accounts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "Không tìm thấy tài khoản")
	}
	if err != nil {
		return a, fmt.Errorf("load account %d: %w", id, err)
	}
	if !s.now().Before(a.LockedUntil) {
		a.LockedUntil = time.Time{} // a lock that has ended is no lock
	}
	if a.Roles, err = s.loadRoles(ctx, q, id); err != nil {
		return a, err
	}
	rows, err := q.QueryContext(ctx, "SELECT position_id FROM identity_account_positions WHERE account_id = $1 ORDER BY position_id", id)
	if err != nil {
		return a, fmt.Errorf("load positions of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			return a, err
		}
		a.Positions = append(a.Positions, p)
	}
	return a, rows.Err()
}

func (s *Service) loadRoles(ctx context.Context, q db.Querier, id int64) ([]actor.RoleGrant, error) {
	rows, err := q.QueryContext(ctx, "SELECT role, agency_id, subtree FROM identity_role_grants WHERE account_id = $1 ORDER BY role, agency_id", id)
	if err != nil {
		return nil, fmt.Errorf("load roles of %d: %w", id, err)
	}
	defer rows.Close()
	var out []actor.RoleGrant
	for rows.Next() {
		var g actor.RoleGrant
		if err := rows.Scan(&g.Role, &g.AgencyID, &g.Subtree); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Account returns an account as seen by a: the account itself, an
// administrator of its agency, or (for citizens and businesses, whose
// accounts are personal data) an official handling them. Refusals look
// like ENOTFOUND to citizens, so ids cannot be probed.
func (s *Service) Account(ctx context.Context, a *actor.Actor, id int64) (Account, error) {
	acc, err := s.findAccount(ctx, s.db.Reader(), id)
	if apperr.Is(err, apperr.NotFound) && a != nil && a.Kind != actor.Official {
		// A citizen guessing ids: decide on a placeholder so unknown and
		// foreign ids answer alike (ENOTFOUND) and the probe is audited.
		return Account{}, access.Authorize(ctx, a, access.IdentityProfileRead,
			access.Resource{Type: "account", ID: idText(id), OwnerID: -1, PersonalData: true})
	}
	if err != nil {
		return Account{}, err
	}
	action := access.IdentityUserRead
	if acc.Kind != actor.Official {
		action = access.IdentityProfileRead
	}
	if a != nil && a.AccountID == id {
		action = access.IdentityAccountSelf
	}
	if err := access.Authorize(ctx, a, action, acc.Resource()); err != nil {
		return Account{}, err
	}
	return acc, nil
}

// NewOfficial is what an agency administrator enters to create an account.
type NewOfficial struct {
	Username   string
	Name       string
	Email      string
	Phone      string
	Password   string  // initial password (policy applies)
	OfficialID int64   // org official (person) record, 0 if none yet
	AgencyID   int64   // required
	UnitID     int64   // 0 if none
	Positions  []int64 // org position ids, at least one
	// Role, if set, is granted in AgencyID with the account, in the same
	// transaction: a refused grant creates no account.
	Role string
	// RoleSubtree: Role also covers the agencies below AgencyID (the
	// grantor must be allowed to hand out that scope).
	RoleSubtree bool
}

// CreateOfficial creates an official's account in an agency. The actor needs
// identity.user.create over that agency. Returns EINVALID (with the field),
// ECONFLICT for a taken username or official record, EFORBIDDEN.
func (s *Service) CreateOfficial(ctx context.Context, by *actor.Actor, in NewOfficial) (Account, error) {
	if in.AgencyID <= 0 {
		return Account{}, apperr.FieldError("agency", "Chưa chọn cơ quan")
	}
	if err := access.Authorize(ctx, by, access.IdentityUserCreate, access.Resource{Type: "account", AgencyID: in.AgencyID}); err != nil {
		return Account{}, err
	}
	login, err := ParseUsername(in.Username)
	if err != nil {
		return Account{}, err
	}
	name, err := CleanName(in.Name)
	if err != nil {
		return Account{}, err
	}
	email, phone, err := parseContacts(in.Email, in.Phone, false)
	if err != nil {
		return Account{}, err
	}
	if len(in.Positions) == 0 {
		return Account{}, apperr.FieldError("positions", "Cần chọn ít nhất một chức vụ")
	}
	for _, p := range in.Positions {
		if p <= 0 {
			return Account{}, apperr.FieldError("positions", "Chức vụ không hợp lệ")
		}
	}
	if in.UnitID < 0 || in.OfficialID < 0 {
		return Account{}, apperr.FieldError("unit", "Đơn vị không hợp lệ")
	}
	if s.dir != nil {
		if err := s.dir.CheckPlacement(ctx, in.AgencyID, in.UnitID, in.OfficialID, in.Positions); err != nil {
			return Account{}, err
		}
	}
	var role access.Role
	if in.Role != "" {
		if role, err = access.ParseRole(in.Role); err != nil {
			return Account{}, err
		}
		if !role.OfficialRole() {
			return Account{}, errNotOfficialRole(role)
		}
		res := access.Resource{Type: "account", AgencyID: in.AgencyID, Clearance: access.Internal, Role: role, Subtree: in.RoleSubtree}
		if err := access.Authorize(ctx, by, access.IdentityRoleGrant, res); err != nil {
			return Account{}, err
		}
	}
	if err := CheckPassword(in.Password, login, name); err != nil {
		return Account{}, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return Account{}, err
	}
	positions := slices.Clone(in.Positions)
	slices.Sort(positions)
	positions = slices.Compact(positions)
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, err = s.insertAccount(ctx, tx, accountRow{kind: actor.Official, login: login, name: name, email: email, phone: phone,
			officialID: in.OfficialID, agencyID: in.AgencyID, unitID: in.UnitID, clearance: access.Internal, hash: hash, createdBy: by.AccountID})
		if err != nil {
			return err
		}
		for _, p := range positions {
			if _, err := tx.ExecContext(ctx, "INSERT INTO identity_account_positions (account_id, position_id) VALUES ($1, $2)", id, p); err != nil {
				return fmt.Errorf("insert position: %w", err)
			}
		}
		if err := s.record(ctx, tx, by, "identity.user.create", idText(id), audit.OutcomeOK, "",
			map[string]any{"login": login, "agency": in.AgencyID, "unit": in.UnitID, "positions": positions}); err != nil || role == "" {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_role_grants (account_id, role, agency_id, subtree, granted_at, granted_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, string(role), in.AgencyID, in.RoleSubtree, micros(s.now()), by.AccountID); err != nil {
			return fmt.Errorf("grant role: %w", err)
		}
		return s.record(ctx, tx, by, string(access.IdentityRoleGrant), idText(id), audit.OutcomeOK, "",
			map[string]any{"role": string(role), "agency": in.AgencyID, "subtree": in.RoleSubtree, "sessions_ended": 0})
	})
	if err != nil {
		return Account{}, err
	}
	return s.findAccount(ctx, s.db.Reader(), id)
}

func errNotOfficialRole(r access.Role) error {
	return apperr.FieldError("role", "Vai trò %s không cấp cho tài khoản cán bộ", r.Label())
}

type accountRow struct {
	kind                         actor.Kind
	login, name, email, phone    string
	officialID, agencyID, unitID int64
	clearance                    access.Level
	hash                         string
	createdBy                    int64
	demo                         bool
}

func (s *Service) insertAccount(ctx context.Context, tx *sql.Tx, r accountRow) (int64, error) {
	now := micros(s.now())
	var official any
	if r.officialID > 0 {
		official = r.officialID
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO identity_accounts (kind, login, display_name, email, phone, official_id, agency_id, unit_id,
		clearance, password_hash, password_changed_at, demo, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		string(r.kind), r.login, r.name, r.email, r.phone, official, r.agencyID, r.unitID, r.clearance.String(), r.hash, now, r.demo, now, r.createdBy).Scan(&id)
	if db.IsUniqueViolation(err) {
		switch {
		case r.kind == actor.Citizen:
			return 0, apperr.FieldError("cccd", "Số CCCD %s đã được đăng ký tài khoản. Nếu đó là bạn, hãy đăng nhập hoặc liên hệ bộ phận một cửa để lấy lại quyền truy cập", r.login)
		case r.kind == actor.Business:
			return 0, apperr.FieldError("tax_code", "Mã số thuế %s đã được đăng ký tài khoản. Hãy đăng nhập hoặc liên hệ bộ phận một cửa", r.login)
		case strings.Contains(err.Error(), "official"):
			return 0, apperr.New(apperr.Conflict, "Cán bộ này đã có tài khoản")
		}
		return 0, &apperr.Error{Code: apperr.Conflict, Field: "username", Message: fmt.Sprintf("Tên đăng nhập %s đã có người dùng, hãy chọn tên khác", r.login)}
	}
	if err != nil {
		return 0, fmt.Errorf("insert account %s: %w", r.login, err)
	}
	return id, nil
}

func parseContacts(email, phone string, needOne bool) (string, string, error) {
	var err error
	if strings.TrimSpace(email) != "" {
		if email, err = ParseEmail(email); err != nil {
			return "", "", err
		}
	} else {
		email = ""
	}
	if strings.TrimSpace(phone) != "" {
		if phone, err = ParsePhone(phone); err != nil {
			return "", "", err
		}
	} else {
		phone = ""
	}
	if needOne && email == "" && phone == "" {
		return "", "", apperr.FieldError("phone", "Cần số điện thoại di động hoặc địa chỉ thư điện tử để liên hệ")
	}
	return email, phone, nil
}

// Registration is a citizen's or business's self-registration.
type Registration struct {
	Kind     actor.Kind // actor.Citizen or actor.Business
	ID       string     // 12-digit CCCD, or tax code
	Name     string     // full name, or the business's registered name
	Email    string     // e-mail or phone required
	Phone    string
	Password string
	IP       string // client address, for the rate limit and the audit
}

// Register creates a citizen's or business's own account. The CCCD or tax
// code becomes the login. Rate-limited per address.
//
// When the CCCD or tax code already has an account, Register answers as if
// it had registered it (no error, an Account with ID 0 and the login typed)
// and changes nothing: telling a stranger "already registered" would
// confirm that a person has an account. Instead the attempt is audited and
// recorded as an event the account's holder sees on their own account page
// (Events). Callers show both answers alike.
func (s *Service) Register(ctx context.Context, in Registration) (Account, error) {
	var login string
	var err error
	role := access.CitizenRole
	switch in.Kind {
	case actor.Citizen:
		login, err = ParseCCCD(in.ID, s.now().Year())
	case actor.Business:
		login, err = ParseTaxCode(in.ID)
		role = access.BusinessRole
	default:
		return Account{}, apperr.FieldError("kind", "Chỉ người dân và doanh nghiệp tự đăng ký tài khoản")
	}
	if err != nil {
		return Account{}, err
	}
	name, err := CleanName(in.Name)
	if err != nil {
		return Account{}, err
	}
	email, phone, err := parseContacts(in.Email, in.Phone, true)
	if err != nil {
		return Account{}, err
	}
	if err := CheckPassword(in.Password, login, name); err != nil {
		return Account{}, err
	}
	if err := s.throttle(ctx, "register:ip:"+in.IP, s.opts.Limits.RegisterPerIP); err != nil {
		return Account{}, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return Account{}, err
	}
	var id, holder int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id FROM identity_accounts WHERE login = $1", login).Scan(&holder)
		if err == nil {
			return s.registeredAgain(ctx, tx, holder, in.IP)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find login %s: %w", login, err)
		}
		id, err = s.insertAccount(ctx, tx, accountRow{kind: in.Kind, login: login, name: name, email: email, phone: phone,
			clearance: access.Public, hash: hash})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_role_grants (account_id, role, agency_id, subtree, granted_at)
			VALUES ($1, $2, 0, FALSE, $3)`, id, string(role), micros(s.now())); err != nil {
			return fmt.Errorf("grant %s: %w", role, err)
		}
		self := &actor.Actor{AccountID: id, Kind: in.Kind, IP: in.IP}
		return s.record(ctx, tx, self, "identity.register", idText(id), audit.OutcomeOK, "", map[string]any{"kind": string(in.Kind)})
	})
	var taken *apperr.Error
	if errors.As(err, &taken) && (taken.Field == "cccd" || taken.Field == "tax_code") {
		// Another registration of the same number committed in between.
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, "SELECT id FROM identity_accounts WHERE login = $1", login).Scan(&holder); err != nil {
				return fmt.Errorf("find login %s: %w", login, err)
			}
			return s.registeredAgain(ctx, tx, holder, in.IP)
		})
	}
	if err != nil {
		return Account{}, err
	}
	if holder != 0 {
		return Account{Kind: in.Kind, Login: login, Name: name}, nil
	}
	return s.findAccount(ctx, s.db.Reader(), id)
}

// Officials lists the officials' accounts of an agency, for its
// administrators (identity.user.read over the agency).
func (s *Service) Officials(ctx context.Context, by *actor.Actor, agencyID int64) ([]Account, error) {
	if err := access.Authorize(ctx, by, access.IdentityUserRead, access.Resource{Type: "agency", ID: idText(agencyID), AgencyID: agencyID}); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id FROM identity_accounts WHERE agency_id = $1 AND kind = 'official' ORDER BY login", agencyID)
	if err != nil {
		return nil, fmt.Errorf("list officials: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		a, err := s.findAccount(ctx, s.db.Reader(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// GrantRole gives an official a role in an agency (optionally its subtree).
// access decides: the grantor needs identity.role.grant over that agency
// with a scope covering the grant (subtree included), may only grant the
// roles their own role hands out, and never to themselves. The account's
// sessions end with the change.
func (s *Service) GrantRole(ctx context.Context, by *actor.Actor, accountID int64, g actor.RoleGrant) error {
	return s.changeRole(ctx, by, accountID, g, true)
}

// RevokeRole removes a role grant, under the same rules as GrantRole
// (identity.role.revoke).
func (s *Service) RevokeRole(ctx context.Context, by *actor.Actor, accountID int64, g actor.RoleGrant) error {
	return s.changeRole(ctx, by, accountID, g, false)
}

// PrivilegeResource describes the account for the actions that change its
// privileges (role grants and revokes, clearance, disabling): its agency,
// its grants and its clearance, which access weighs against the actor's.
func (a *Account) PrivilegeResource() access.Resource {
	return access.Resource{Type: "account", ID: idText(a.ID), AgencyID: a.AgencyID, OwnerID: a.ID,
		Clearance: a.Clearance, Holds: a.Roles}
}

func (s *Service) changeRole(ctx context.Context, by *actor.Actor, accountID int64, g actor.RoleGrant, grant bool) error {
	role, err := access.ParseRole(g.Role)
	if err != nil {
		return err
	}
	target, err := s.findAccount(ctx, s.db.Reader(), accountID)
	if err != nil {
		return err
	}
	action := access.IdentityRoleGrant
	heldSubtree := false
	for _, h := range target.Roles {
		if h.Role == string(role) && h.AgencyID == g.AgencyID {
			heldSubtree = h.Subtree
		}
	}
	if !grant {
		action = access.IdentityRoleRevoke
		// The scope revoked is the one held, whatever the form says.
		g.Subtree = heldSubtree
	}
	res := target.PrivilegeResource()
	// Granting again without the subtree narrows a subtree grant already
	// held, which takes that scope away: only who may hand out the subtree
	// may do it, as for a revoke.
	res.AgencyID, res.Role, res.Subtree = g.AgencyID, role, g.Subtree || heldSubtree
	if err := access.Authorize(ctx, by, action, res); err != nil {
		return err
	}
	if target.Kind != actor.Official {
		return apperr.New(apperr.Invalid, "Chỉ cấp vai trò cho tài khoản cán bộ")
	}
	// access.Can refuses such a grant to every actor but the system one
	// (the command line): an official's account holds officials' roles
	// whoever grants them. Revoking one stays possible.
	if grant && !role.OfficialRole() {
		return errNotOfficialRole(role)
	}
	if g.AgencyID == 0 && !role.PlatformRole() {
		return apperr.FieldError("agency", "Vai trò %s phải gắn với một cơ quan", role.Label())
	}
	// The account itself must be in the grantor's scope as well: an
	// administrator manages the officials of their own agencies, not roles
	// of officials elsewhere in their agency.
	if target.AgencyID != g.AgencyID {
		res.AgencyID, res.Subtree = target.AgencyID, false
		if err := access.Authorize(ctx, by, action, res); err != nil {
			return err
		}
	}
	// A new grant names an agency that exists today (org); revoking a role
	// held in an agency since dissolved must still work.
	if grant && g.AgencyID != 0 && s.dir != nil {
		if err := s.dir.CheckPlacement(ctx, g.AgencyID, 0, 0, nil); err != nil {
			return err
		}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if grant {
			_, err = tx.ExecContext(ctx, `INSERT INTO identity_role_grants (account_id, role, agency_id, subtree, granted_at, granted_by)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, role, agency_id) DO UPDATE SET subtree = $4`,
				accountID, string(role), g.AgencyID, g.Subtree, micros(s.now()), by.AccountID)
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, "DELETE FROM identity_role_grants WHERE account_id = $1 AND role = $2 AND agency_id = $3",
				accountID, string(role), g.AgencyID)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return apperr.New(apperr.NotFound, "Tài khoản không giữ vai trò này")
				}
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		ended, err := endSessions(ctx, tx, accountID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, by, string(action), idText(accountID), audit.OutcomeOK, "",
			map[string]any{"role": string(role), "agency": g.AgencyID, "subtree": g.Subtree, "sessions_ended": ended})
	})
}

// SetClearance sets an official's clearance (security officer of the
// agency, never for themselves, never above their own) and ends the
// official's sessions.
func (s *Service) SetClearance(ctx context.Context, by *actor.Actor, accountID int64, level access.Level) error {
	if _, err := access.ParseClearance(level.String()); err != nil {
		return err
	}
	target, err := s.findAccount(ctx, s.db.Reader(), accountID)
	if err != nil {
		return err
	}
	res := target.PrivilegeResource()
	res.Clearance = level
	if err := access.Authorize(ctx, by, access.IdentityClearanceSet, res); err != nil {
		return err
	}
	if target.Kind != actor.Official {
		return apperr.New(apperr.Invalid, "Chỉ đặt mức tiếp cận cho cán bộ")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET clearance = $1 WHERE id = $2", level.String(), accountID); err != nil {
			return fmt.Errorf("set clearance: %w", err)
		}
		ended, err := endSessions(ctx, tx, accountID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, by, "identity.clearance.set", idText(accountID), audit.OutcomeOK, "",
			map[string]any{"from": target.Clearance.String(), "to": level.String(), "sessions_ended": ended})
	})
}

// SetDisabled disables (or re-enables) an account and ends its sessions.
func (s *Service) SetDisabled(ctx context.Context, by *actor.Actor, accountID int64, disabled bool) error {
	target, err := s.findAccount(ctx, s.db.Reader(), accountID)
	if err != nil {
		return err
	}
	if err := access.Authorize(ctx, by, access.IdentityUserDisable, target.PrivilegeResource()); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET disabled = $1 WHERE id = $2", disabled, accountID); err != nil {
			return fmt.Errorf("disable account: %w", err)
		}
		if disabled {
			if _, err := endSessions(ctx, tx, accountID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE identity_api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL", micros(s.now()), accountID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, by, "identity.user.disable", idText(accountID), audit.OutcomeOK, "", map[string]any{"disabled": disabled})
	})
}
