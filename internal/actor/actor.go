// Package actor says who is acting: the signed-in official, citizen or
// business, an API client, or the system itself. It is a leaf package so that
// audit, access and every domain can name the actor without import cycles.
// identity builds Actors at sign-in; access decides what they may do.
package actor

import "context"

// Kind is the class of account behind an actor.
type Kind string

// The kinds of actors.
const (
	Official Kind = "official" // cán bộ, công chức of an agency
	Citizen  Kind = "citizen"  // người dân (CCCD)
	Business Kind = "business" // doanh nghiệp (mã số thuế)
	System   Kind = "system"   // the platform itself: CLI, scheduler, migrations
)

// Actor is the authenticated party of a request or job.
type Actor struct {
	AccountID int64  // identity account id; 0 for System
	Kind      Kind   // what kind of account
	Name      string // display name, NFC
	AgencyID  int64  // the official's agency; 0 for citizens, businesses, system
	UnitID    int64  // the official's unit inside the agency, 0 if none
	IP        string // client address of the request, "" for CLI and jobs
	SessionID string // opaque session or token identifier (never the secret)
	// Roles and Clearance are filled by identity and read by access.
	Roles     []RoleGrant
	Clearance string // highest classification the actor may read (access.Level name)
	MFA       bool   // the session passed a second factor
	// Scopes is nil for people signed in with a session. For an API token it
	// lists what the token may do, "module:read" or "module:write" (write
	// implies read); access refuses anything outside them.
	Scopes []string
	// Demo marks a demonstration account (known password, exempt from MFA
	// while flagged): pages show it so an operator can delete it.
	Demo bool
}

// HasRole reports whether a holds role anywhere.
func (a *Actor) HasRole(role string) bool {
	if a == nil {
		return false
	}
	for _, g := range a.Roles {
		if g.Role == role {
			return true
		}
	}
	return false
}

// RoleGrant is a role held in an agency, optionally over its whole subtree.
type RoleGrant struct {
	Role     string // access role name, e.g. "clerk"
	AgencyID int64  // agency where the role is held; 0 = platform-wide (system administrator)
	Subtree  bool   // the grant also covers the agencies below AgencyID
}

// SystemActor is the platform acting on its own (CLI commands, jobs).
func SystemActor(name string) *Actor {
	return &Actor{Kind: System, Name: name}
}

type ctxKey struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// From returns the actor carried by ctx, or nil when anonymous.
func From(ctx context.Context) *Actor {
	a, _ := ctx.Value(ctxKey{}).(*Actor)
	return a
}
