package access

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Action names what an actor wants to do: "module.object.verb", lower case,
// e.g. "org.agency.edit". It is also the audit action of a denial.
type Action string

// Module returns the part before the first dot: the API-token scope module.
func (a Action) Module() string {
	m, _, _ := strings.Cut(string(a), ".")
	return m
}

// Scope says over what a role's holder may perform an action.
type Scope int

// The scopes, from the narrowest.
const (
	// ScopeNone: not allowed.
	ScopeNone Scope = iota
	// ScopeOwn: the resource belongs to the actor (Resource.OwnerID is the
	// actor's account), e.g. a citizen's own dossier or an official's own key.
	ScopeOwn
	// ScopeAgency: the role is held in the resource's agency, or platform-wide,
	// or in an ancestor agency with Subtree set.
	ScopeAgency
	// ScopePlatform: the role is held platform-wide (agency 0).
	ScopePlatform
)

var scopeNames = map[Scope]string{ScopeNone: "-", ScopeOwn: "own", ScopeAgency: "agency", ScopePlatform: "platform"}

func (s Scope) String() string { return scopeNames[s] }

// Anyone says what an action allows regardless of role.
type Anyone int

// The role-independent permissions.
const (
	AnyoneNo     Anyone = iota // only the roles listed
	AnyonePublic               // everybody, also without signing in (public information)
	AnyoneSelf                 // every signed-in actor on their own account (OwnerID = actor)
)

// ActionDef declares an action: what it is, whether it changes state, and
// which roles may perform it over which scope.
type ActionDef struct {
	Name    Action
	Summary string // Vietnamese, shown in the permissions page and denials
	// Write is true for state changes; an API token needs "module:write".
	Write bool
	// Anyone applies before roles: public reads and self-service.
	Anyone Anyone
	// Roles maps each role allowed to act to its scope. A role missing
	// here is refused.
	Roles map[Role]Scope
}

var (
	registryMu sync.RWMutex
	registry   = map[Action]ActionDef{}
)

// register adds actions to the registry; it panics on a malformed or
// duplicate action, which is a programming error caught by any test. Each
// module declares its actions in actions_<module>.go of this package, so the
// matrix test (which must then be extended) sees every one of them.
func register(defs ...ActionDef) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, d := range defs {
		if !validActionName(string(d.Name)) {
			panic(fmt.Sprintf("access: malformed action name %q", d.Name))
		}
		if _, dup := registry[d.Name]; dup {
			panic(fmt.Sprintf("access: action %q registered twice", d.Name))
		}
		for r := range d.Roles {
			if _, ok := roleLabels[r]; !ok {
				panic(fmt.Sprintf("access: action %q names unknown role %q", d.Name, r))
			}
		}
		registry[d.Name] = d
	}
}

// Lookup returns the declaration of an action.
func Lookup(a Action) (ActionDef, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := registry[a]
	return d, ok
}

// Actions returns every registered action, sorted by name.
func Actions() []ActionDef {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]ActionDef, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func validActionName(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") || !strings.Contains(s, ".") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
