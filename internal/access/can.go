package access

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Resource describes the object of an action with what the decision needs.
// Callers fill what they know; zero values are the most restrictive reading
// except Level (zero = Public), so a caller that holds non-public data must
// say so.
type Resource struct {
	Type string // object type for the audit log: "account", "agency", "certificate"…
	ID   string // object id as text, for the audit log
	// AgencyID owns the object; 0 = a platform-wide object (trust store,
	// national holiday list), which only platform-wide grants cover.
	AgencyID int64
	// OwnerID is the account of the data subject or owner (the citizen of a
	// dossier, the official of a personal key, the account being changed);
	// 0 = none.
	OwnerID int64
	// Level is the classification; Public when zero.
	Level Level
	// Units and People name who may read a Restricted object (unit ids of
	// org, account ids), and who is cleared to see a state-secret record
	// besides its agency's cleared officials.
	Units  []int64
	People []int64
	// PersonalData marks personal data of a citizen or business (Law
	// 91/2025/QH15): only the data subject (OwnerID) and the officials in
	// Handlers may see it.
	PersonalData bool
	Handlers     []int64
	// Role is the role being granted or revoked (IdentityRoleGrant,
	// IdentityRoleRevoke), and Subtree whether that grant covers the
	// subtree of AgencyID: a grantor never hands out more scope than their
	// own grant covers.
	Role    Role
	Subtree bool
	// Clearance is the clearance being set (IdentityClearanceSet) or the
	// clearance of the account receiving a role (IdentityRoleGrant): no one
	// sets, or lets another set, a clearance above their own.
	Clearance Level
	// Holds lists the grants of the account being changed by a privilege
	// action (role grant or revoke, clearance, disabling): holders of
	// platform roles are managed only through platform roles.
	Holds []actor.RoleGrant
}

// Decision is the answer of Can.
type Decision struct {
	Allowed bool
	Reason  string      // Vietnamese, safe to show
	Rule    string      // the rule that decided, e.g. "role.clerk.agency", "scope.agency"
	Code    apperr.Code // for a refusal: EUNAUTHORIZED, EFORBIDDEN or ENOTFOUND (hides existence)
}

// Err returns nil when allowed, otherwise the refusal as an *apperr.Error.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	code := d.Code
	if code == "" {
		code = apperr.Forbidden
	}
	return apperr.New(code, "%s", d.Reason)
}

// Tree answers whether an agency lies in another's subtree (org.Subtree).
type Tree interface {
	Within(ctx context.Context, root, agency int64) (bool, error)
}

// SubtreeFunc adapts a function listing the ids of an agency's subtree
// (root included), such as a wrapper of org's Subtree, to a Tree.
type SubtreeFunc func(ctx context.Context, root int64) ([]int64, error)

// Within reports whether agency is root or below it.
func (f SubtreeFunc) Within(ctx context.Context, root, agency int64) (bool, error) {
	if root == agency {
		return true, nil
	}
	ids, err := f(ctx, root)
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, agency), nil
}

// Options configure a Guard.
type Options struct {
	// DB and Audit record denials, each in its own small transaction. When
	// either is nil denials are only logged (tests of other modules).
	DB    *db.DB
	Audit *audit.Log
	// Tree resolves subtree grants. Nil: a grant covers only its own agency.
	Tree Tree
	// Logger receives denials that cannot be recorded; slog.Default if nil.
	Logger *slog.Logger
}

// Guard carries what Can needs besides the policy itself: the agency tree
// and the audit log. The application installs one in every request's
// context (WithGuard) and in the context of CLI commands and jobs.
type Guard struct {
	opts Options
}

// NewGuard returns a Guard.
func NewGuard(opts Options) *Guard {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Guard{opts: opts}
}

type guardKey struct{}

// WithGuard returns ctx carrying g for Can.
func WithGuard(ctx context.Context, g *Guard) context.Context {
	return context.WithValue(ctx, guardKey{}, g)
}

// GuardFrom returns the Guard in ctx, or nil.
func GuardFrom(ctx context.Context) *Guard {
	g, _ := ctx.Value(guardKey{}).(*Guard)
	return g
}

// Can is the platform's one access decision: may a perform action on res?
// It applies, in order: the action registry (an unknown action is refused),
// signing in, API-token scopes, the role's scope (own, agency with subtree,
// platform; for reading, also a named reader of another agency, see
// namedReader), self-escalation, platform-role holders, grantable roles and
// their scope, the clearance ceiling, classification against clearance and
// named readers, and personal-data visibility.
//
// A refusal of a signed-in actor is recorded in the audit log with outcome
// "denied" in its own small transaction. So call Can BEFORE opening the
// transaction of the change: on SQLite the one writer connection would
// otherwise be held by the caller. Without a Guard in ctx (see WithGuard) a
// subtree grant covers only its own agency and denials are only logged.
func Can(ctx context.Context, a *actor.Actor, action Action, res Resource) Decision {
	g := GuardFrom(ctx)
	var tree Tree
	if g != nil {
		tree = g.opts.Tree
	}
	d := decide(ctx, tree, a, action, res)
	if !d.Allowed && a != nil {
		g.recordDenial(ctx, a, action, res, d)
	}
	return d
}

// Authorize is Can returning the refusal as an error (nil when allowed).
func Authorize(ctx context.Context, a *actor.Actor, action Action, res Resource) error {
	return Can(ctx, a, action, res).Err()
}

func (g *Guard) recordDenial(ctx context.Context, a *actor.Actor, action Action, res Resource, d Decision) {
	logger := slog.Default()
	if g != nil {
		logger = g.opts.Logger
	}
	if g == nil || g.opts.DB == nil || g.opts.Audit == nil {
		logger.WarnContext(ctx, "access denied (not recorded: no audit log)", "action", action, "account", a.AccountID,
			"object_type", res.Type, "object_id", res.ID, "rule", d.Rule)
		return
	}
	reason := d.Rule + ": " + d.Reason
	if len(reason) > audit.MaxReasonLen {
		reason = reason[:audit.MaxReasonLen]
	}
	actionName := string(action)
	if _, ok := Lookup(action); !ok || !validActionName(actionName) {
		actionName = "access.unknown"
	}
	err := g.opts.DB.Tx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		return g.opts.Audit.Record(ctx, tx, audit.Entry{
			Actor: a, Action: actionName, ObjectType: clip(res.Type, audit.MaxObjectTypeLen), ObjectID: clip(res.ID, audit.MaxObjectIDLen),
			Outcome: audit.OutcomeDenied, Reason: reason,
		})
	})
	if err != nil {
		logger.ErrorContext(ctx, "record access denial", "action", action, "account", a.AccountID, "err", err)
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// decide is the policy itself: no I/O except subtree lookups.
func decide(ctx context.Context, tree Tree, a *actor.Actor, action Action, res Resource) Decision {
	def, ok := Lookup(action)
	if !ok {
		return deny(apperr.Forbidden, "action.unknown", fmt.Sprintf("Hành động %q chưa được khai báo trong bảng phân quyền", action))
	}
	if a == nil {
		if def.Anyone == AnyonePublic && res.Level == Public && !res.PersonalData {
			return Decision{Allowed: true, Rule: "public"}
		}
		return deny(apperr.Unauthorized, "signin", "Bạn cần đăng nhập để thực hiện thao tác này")
	}
	if a.Kind == actor.System {
		return Decision{Allowed: true, Rule: "system"}
	}
	if a.Scopes != nil && !scopeAllows(a.Scopes, def) {
		return deny(apperr.Forbidden, "token.scope",
			fmt.Sprintf("Mã truy cập API không có phạm vi %s:%s cần cho thao tác này", action.Module(), map[bool]string{true: "write", false: "read"}[def.Write]))
	}
	owner := a.AccountID != 0 && res.OwnerID == a.AccountID

	// 1. Role and scope.
	rule := ""
	switch {
	case def.Anyone == AnyonePublic:
		rule = "public"
	case def.Anyone == AnyoneSelf && owner:
		rule = "self"
	}
	roleMatched := false
	var treeErr error
	for _, g := range a.Roles {
		if rule != "" {
			break
		}
		scope := def.Roles[Role(g.Role)]
		if scope == ScopeNone {
			continue
		}
		roleMatched = true
		switch scope {
		case ScopeOwn:
			if owner {
				rule = "role." + g.Role + ".own"
			}
		case ScopeAgency:
			in, err := covers(ctx, tree, g, res.AgencyID)
			if err != nil {
				treeErr = err
			}
			if in {
				rule = "role." + g.Role + ".agency"
			}
		case ScopePlatform:
			if g.AgencyID == 0 {
				rule = "role." + g.Role + ".platform"
			}
		}
	}
	if rule == "" && !def.Write && roleMatched {
		// A named reader of another agency: see namedReader.
		rule = namedReader(a, def, res)
	}
	if rule == "" {
		switch {
		case treeErr != nil:
			return deny(apperr.Unavailable, "scope.tree", "Không kiểm tra được phạm vi cơ quan, vui lòng thử lại sau")
		case hidden(a, res):
			return notFound("scope.owner")
		case roleMatched:
			return deny(apperr.Forbidden, "scope.agency", "Bạn không có quyền với dữ liệu của cơ quan, đơn vị hoặc người khác")
		default:
			return deny(apperr.Forbidden, "role", "Vai trò của bạn không được phép: "+lowerFirst(def.Summary))
		}
	}

	// 2. No one changes their own privileges, nor anyone's beyond their own.
	switch action {
	case IdentityRoleGrant, IdentityRoleRevoke, IdentityClearanceSet, IdentityUserDisable:
		if owner {
			return deny(apperr.Forbidden, "escalation.self", "Không được tự cấp, thu hồi quyền hoặc thay đổi mức tiếp cận của chính mình")
		}
		if d, ok := checkHolder(ctx, tree, a, def, res); !ok {
			return d
		}
	}
	switch action {
	case IdentityRoleGrant, IdentityRoleRevoke:
		if d, ok := checkGrantable(ctx, tree, a, res); !ok {
			return d
		}
	}
	if d, ok := checkClearance(a, action, res); !ok {
		return d
	}

	// 3. Classification.
	if d, ok := checkLevel(ctx, tree, a, res, owner); !ok {
		return d
	}

	// 4. Personal data: the data subject and the officials handling it.
	if res.PersonalData && !owner && !slices.Contains(res.Handlers, a.AccountID) {
		if a.Kind != actor.Official {
			return notFound("personal.subject")
		}
		return deny(apperr.Forbidden, "personal.handler", "Dữ liệu cá nhân chỉ người được xử lý hồ sơ mới được xem (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)")
	}
	return Decision{Allowed: true, Rule: rule}
}

// namedReader is the one exception to the role's scope, for reading
// only: an official named on the object (res.People), or an official of
// a unit named on it (res.Units), reads it although it belongs to another
// agency, when they hold a role to which the action grants ScopeAgency
// (a role that reads such objects in its own agency; a role limited to its
// own objects or to platform objects gains nothing from being named). It
// is how the handlers a leader names in a direction read the document,
// in another agency too (Decree 30/2020/NĐ-CP Art. 24). The
// classification step still applies: checkLevel lets a named reader read
// internal and restricted information, and a state secret only within
// their clearance. Unit ids are org's unit ids, unique on the platform,
// and identity places an official only in a unit of their own agency, so
// a named unit names its own officials wherever it belongs. It returns the
// rule's name, or "" when a is not a named reader.
func namedReader(a *actor.Actor, def ActionDef, res Resource) string {
	if a.Kind != actor.Official || !named(a, res) {
		return ""
	}
	for _, g := range a.Roles {
		if def.Roles[Role(g.Role)] == ScopeAgency {
			return "named." + g.Role
		}
	}
	return ""
}

// named reports whether a is named on res: in People, or through their
// unit in Units.
func named(a *actor.Actor, res Resource) bool {
	return (a.AccountID != 0 && slices.Contains(res.People, a.AccountID)) || (a.UnitID != 0 && slices.Contains(res.Units, a.UnitID))
}

func deny(code apperr.Code, rule, reason string) Decision {
	return Decision{Code: code, Rule: rule, Reason: reason}
}

// notFound refuses without revealing that the object exists, so guessing
// ids teaches a prober nothing.
func notFound(rule string) Decision {
	return Decision{Code: apperr.NotFound, Rule: rule, Reason: "Không tìm thấy dữ liệu yêu cầu"}
}

// hidden reports whether a refusal must look like "not found": a citizen or
// business asking for someone else's object.
func hidden(a *actor.Actor, res Resource) bool {
	return (a.Kind == actor.Citizen || a.Kind == actor.Business) && (res.OwnerID != 0 || res.PersonalData)
}

func covers(ctx context.Context, tree Tree, g actor.RoleGrant, agency int64) (bool, error) {
	switch {
	case g.AgencyID == 0:
		// Platform-wide grants are for official roles only; a citizen's role
		// (agency 0 as well) never covers an agency.
		return Role(g.Role).OfficialRole(), nil
	case agency == 0:
		return false, nil
	case g.AgencyID == agency:
		return true, nil
	case g.Subtree && tree != nil:
		return tree.Within(ctx, g.AgencyID, agency)
	}
	return false, nil
}

// inAgency reports whether an official belongs to, or holds a role over,
// the agency.
func inAgency(ctx context.Context, tree Tree, a *actor.Actor, agency int64) bool {
	if a.Kind != actor.Official {
		return false
	}
	if agency == 0 || a.AgencyID == agency {
		return true
	}
	for _, g := range a.Roles {
		if ok, _ := covers(ctx, tree, g, agency); ok {
			return true
		}
	}
	return false
}

// coversGrant reports whether grant g covers all that grant h covers: h's
// agency and, when h is a subtree grant, its whole subtree. A grant held in
// an agency without its subtree never covers a subtree grant there.
func coversGrant(ctx context.Context, tree Tree, g, h actor.RoleGrant) (bool, error) {
	in, err := covers(ctx, tree, g, h.AgencyID)
	if err != nil || !in {
		return false, err
	}
	return !h.Subtree || g.AgencyID == 0 || g.Subtree, nil
}

// checkGrantable applies to granting and revoking: the role must be one
// the grantor's administering role may hand out (grantableBy), through a
// grant of that role whose scope covers the grant being made, subtree
// included, so no one widens their own reach through an account they
// manage.
func checkGrantable(ctx context.Context, tree Tree, a *actor.Actor, res Resource) (Decision, bool) {
	if !res.Role.OfficialRole() {
		return deny(apperr.Forbidden, "grant.role", "Vai trò này không cấp cho cán bộ"), false
	}
	if res.AgencyID == 0 && !res.Role.PlatformRole() {
		return deny(apperr.Forbidden, "grant.platform", "Vai trò này chỉ cấp trong một cơ quan"), false
	}
	wanted := actor.RoleGrant{Role: string(res.Role), AgencyID: res.AgencyID, Subtree: res.Subtree}
	narrower := false
	for _, g := range a.Roles {
		if !slices.Contains(grantableBy[Role(g.Role)], res.Role) {
			continue
		}
		if ok, _ := coversGrant(ctx, tree, g, wanted); ok {
			return Decision{}, true
		}
		if ok, _ := covers(ctx, tree, g, res.AgencyID); ok {
			narrower = true
		}
	}
	if narrower {
		return deny(apperr.Forbidden, "grant.scope",
			"Không được cấp hoặc thu hồi vai trò trên cả các cơ quan cấp dưới: phạm vi của bạn tại cơ quan này không bao gồm cấp dưới"), false
	}
	return deny(apperr.Forbidden, "grant.above",
		fmt.Sprintf("Bạn không được cấp hoặc thu hồi vai trò %s: vai trò này do người có thẩm quyền khác cấp (phân tách nhiệm vụ)", res.Role.Label())), false
}

// checkHolder keeps the platform roles (system administrator, security
// officer, auditor) out of reach of the agency administrators they
// oversee: an account holding one of them is disabled, given or stripped
// of roles, or re-cleared only through a platform role that permits the
// action and covers every platform grant the account holds.
func checkHolder(ctx context.Context, tree Tree, a *actor.Actor, def ActionDef, res Resource) (Decision, bool) {
	var held []actor.RoleGrant
	for _, h := range res.Holds {
		if Role(h.Role).PlatformRole() {
			held = append(held, h)
		}
	}
	if len(held) == 0 {
		return Decision{}, true
	}
	for _, g := range a.Roles {
		r := Role(g.Role)
		if !r.PlatformRole() || def.Roles[r] == ScopeNone {
			continue
		}
		all := true
		for _, h := range held {
			if ok, _ := coversGrant(ctx, tree, g, h); !ok {
				all = false
				break
			}
		}
		if all {
			return Decision{}, true
		}
	}
	return deny(apperr.Forbidden, "holder.platform",
		"Tài khoản này giữ vai trò cấp nền tảng (quản trị hệ thống, an toàn thông tin hoặc kiểm tra nhật ký): chỉ người giữ vai trò cấp nền tảng có phạm vi bao trùm mới được thay đổi"), false
}

// checkClearance: a clearance is set only up to the setter's own, and the
// role that sets clearances goes only to accounts cleared no higher than
// the grantor, who could otherwise raise clearances (their own included)
// through that account.
func checkClearance(a *actor.Actor, action Action, res Resource) (Decision, bool) {
	switch action {
	case IdentityClearanceSet:
	case IdentityRoleGrant:
		setter, _ := Lookup(IdentityClearanceSet)
		if setter.Roles[res.Role] == ScopeNone {
			return Decision{}, true
		}
	default:
		return Decision{}, true
	}
	if res.Clearance > clearanceOf(a.Clearance) {
		return deny(apperr.Forbidden, "clearance.above",
			fmt.Sprintf("Không được đặt hoặc trao quyền đặt mức tiếp cận %s: cao hơn mức tiếp cận của chính bạn", res.Clearance.Label())), false
	}
	return Decision{}, true
}

func checkLevel(ctx context.Context, tree Tree, a *actor.Actor, res Resource, owner bool) (Decision, bool) {
	cleared := clearanceOf(a.Clearance)
	switch {
	case res.Level == Public:
		return Decision{}, true
	case res.Level < Public || res.Level > UltraSecret:
		return deny(apperr.Forbidden, "level.invalid", "Độ mật của dữ liệu không hợp lệ"), false
	case owner:
		// The data subject or owner reads their own record (a citizen's
		// dossier is internal to the agency but not to its applicant).
		if !res.Level.StateSecret() || cleared >= res.Level {
			return Decision{}, true
		}
	case res.Level == Internal:
		// The agency's officials, and the officials it names (the
		// handlers of a directed document, see namedReader).
		if cleared >= Internal && (inAgency(ctx, tree, a, res.AgencyID) || (a.Kind == actor.Official && named(a, res))) {
			return Decision{}, true
		}
	case res.Level == Restricted:
		if cleared >= Internal && named(a, res) {
			return Decision{}, true
		}
		if a.Kind == actor.Official {
			return deny(apperr.Forbidden, "level.restricted", "Thông tin hạn chế: chỉ các đơn vị, cá nhân được chỉ định mới được xem"), false
		}
	default: // state secrets: clearance and need-to-know
		if cleared >= res.Level && (inAgency(ctx, tree, a, res.AgencyID) || slices.Contains(res.People, a.AccountID)) {
			return Decision{}, true
		}
		if a.Kind == actor.Official {
			return deny(apperr.Forbidden, "level.clearance",
				fmt.Sprintf("Thông tin ở độ %s: bạn chưa được cấp quyền tiếp cận mức này", res.Level.Label())), false
		}
	}
	if hidden(a, res) || a.Kind != actor.Official {
		return notFound("level." + res.Level.String()), false
	}
	return deny(apperr.Forbidden, "level."+res.Level.String(), "Thông tin nội bộ của cơ quan khác"), false
}

func scopeAllows(scopes []string, def ActionDef) bool {
	m := def.Name.Module()
	for _, s := range scopes {
		if s == m+":write" || (!def.Write && s == m+":read") {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
