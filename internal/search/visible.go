package search

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// scope is what a reader may read through one action, in terms a query
// tests on stored rows. It restates access's decision for reading
// (role and scope, classification against clearance and named readers,
// personal data) so the database counts only visible rows; each returned
// row is still checked with access.Permits. TestVisibilityMatchesAccess
// compares the two over every combination of reader and row it builds.
type scope struct {
	none, all, anonymous bool
	// The role step: which objects a role held covers.
	anyAgency bool
	agencies  []int64 // agencies covered (never 0)
	own       bool    // objects owned by the reader
	// Who the reader is.
	account   int64
	official  bool
	clearance access.Level
	unit      int64
	// named: the reader's role step also passes on objects naming them or
	// their unit, of any agency (access's named readers: an official,
	// a read action, a role the action grants agency scope).
	named bool
	// Agencies the reader belongs to or holds a role in (access's
	// "in the agency" for internal and state-secret information).
	memberAll bool
	members   []int64
}

// Subtree lists an agency and the agencies below it (org.Service.Subtree).
type Subtree func(ctx context.Context, root int64) ([]int64, error)

func visibility(ctx context.Context, a *actor.Actor, action access.Action, subtree Subtree) (scope, error) {
	def, ok := access.Lookup(action)
	switch {
	case !ok:
		return scope{none: true}, nil
	case a == nil:
		if def.Anyone == access.AnyonePublic {
			return scope{anonymous: true}, nil
		}
		return scope{none: true}, nil
	case a.Kind == actor.System:
		return scope{all: true}, nil
	case a.Scopes != nil && !tokenAllows(a.Scopes, def):
		return scope{none: true}, nil
	}
	s := scope{account: a.AccountID, official: a.Kind == actor.Official, unit: a.UnitID}
	if c, err := access.ParseClearance(a.Clearance); err == nil {
		s.clearance = c
	}
	switch def.Anyone {
	case access.AnyonePublic:
		s.anyAgency = true
	case access.AnyoneSelf:
		s.own = true
	}
	covered := func(g actor.RoleGrant) (all bool, ids []int64, err error) {
		switch {
		case g.AgencyID == 0:
			return access.Role(g.Role).OfficialRole(), nil, nil
		case g.Subtree && subtree != nil:
			ids, err := subtree(ctx, g.AgencyID)
			return false, ids, err
		}
		return false, []int64{g.AgencyID}, nil
	}
	if s.official {
		s.members = []int64{0}
		if a.AgencyID != 0 {
			s.members = append(s.members, a.AgencyID)
		}
	}
	for _, g := range a.Roles {
		all, ids, err := covered(g)
		if err != nil {
			return scope{}, err
		}
		if s.official {
			s.memberAll = s.memberAll || all
			s.members = append(s.members, ids...)
		}
		switch def.Roles[access.Role(g.Role)] {
		case access.ScopeOwn:
			s.own = true
		case access.ScopeAgency:
			s.anyAgency = s.anyAgency || all
			s.agencies = append(s.agencies, ids...)
			s.named = s.official && !def.Write
		case access.ScopePlatform:
			s.anyAgency = s.anyAgency || g.AgencyID == 0
		}
	}
	s.agencies = slices.DeleteFunc(s.agencies, func(id int64) bool { return id == 0 })
	slices.Sort(s.agencies)
	s.agencies = slices.Compact(s.agencies)
	slices.Sort(s.members)
	s.members = slices.Compact(s.members)
	return s, nil
}

func tokenAllows(scopes []string, def access.ActionDef) bool {
	m := def.Name.Module()
	for _, s := range scopes {
		if s == m+":write" || (!def.Write && s == m+":read") {
			return true
		}
	}
	return false
}

// where renders the scope as a SQL condition on search_entries e. Ids and
// levels are numbers written by strconv, never text from a request.
func (s scope) where() string {
	switch {
	case s.all:
		return "TRUE"
	case s.none:
		return "FALSE"
	case s.anonymous:
		return "(e.level = 0 AND NOT e.personal)"
	}
	acc := strconv.FormatInt(s.account, 10)
	owner := "FALSE"
	if s.account != 0 {
		owner = "e.owner_id = " + acc
	}
	reader := func(role string) string {
		if s.account == 0 {
			return "FALSE"
		}
		return "EXISTS (SELECT 1 FROM search_readers r WHERE r.entry_id = e.id AND r.role = '" + role + "' AND r.reader_id = " + acc + ")"
	}
	// A named unit names its officials wherever it belongs: unit ids are
	// org's, unique on the platform.
	unit := "FALSE"
	if s.unit != 0 {
		unit = "EXISTS (SELECT 1 FROM search_readers r WHERE r.entry_id = e.id AND r.role = 'unit' AND r.reader_id = " +
			strconv.FormatInt(s.unit, 10) + ")"
	}
	role := []string{}
	switch {
	case s.anyAgency:
		role = append(role, "TRUE")
	default:
		if s.own {
			role = append(role, owner)
		}
		if len(s.agencies) > 0 {
			role = append(role, "e.agency_id IN ("+ids(s.agencies)+")")
		}
		if s.named {
			role = append(role, reader("person"), unit)
		}
	}
	if len(role) == 0 {
		return "FALSE"
	}
	member, namedIn := "FALSE", "FALSE"
	switch {
	case !s.official:
	case s.memberAll:
		member = "TRUE"
	default:
		member = "e.agency_id IN (" + ids(s.members) + ")"
	}
	if s.official {
		// Internal information is also read by the officials it names.
		namedIn = "(" + reader("person") + " OR " + unit + ")"
	}
	c := strconv.Itoa(int(s.clearance))
	level := []string{"e.level = 0",
		"(" + owner + " AND (e.level IN (1, 2) OR e.level <= " + c + "))"}
	if s.clearance >= access.Internal {
		level = append(level,
			"(e.level = 1 AND ("+member+" OR "+namedIn+"))",
			"(e.level = 2 AND ("+reader("person")+" OR "+unit+"))")
	}
	level = append(level, "(e.level BETWEEN 3 AND 5 AND e.level <= "+c+" AND ("+member+" OR "+reader("person")+"))")
	personal := "(NOT e.personal OR " + owner + " OR " + reader("handler") + ")"
	return "((" + strings.Join(role, " OR ") + ") AND (" + strings.Join(level, " OR ") + ") AND " + personal + ")"
}

func ids(v []int64) string {
	s := make([]string, len(v))
	for i, id := range v {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// prefilter narrows a search inside the full-text index before any row of
// search_entries is read: an entry passes when it holds, for every group,
// one of the group's scope tokens. It lets through a superset of what
// where() lets through (where() still decides, and access.Permits after
// it): it only spares the engine ranking and the query joining the many
// matches a reader may not see. nil lets everything through.
type prefilter [][]string

// maxPrefilter bounds a group's alternatives; a reader whose grants cover
// more agencies than this is filtered by where() alone.
const maxPrefilter = 64

// scopeTokens are the access fields of d as words of the index's scope
// column: "a<agency>", "o<owner>", "l<level>", "p<person>", "u<unit>",
// "h<handler>" (named readers and handlers), "np" when not personal data.
func scopeTokens(d Doc) string {
	t := []string{"a" + strconv.FormatInt(d.AgencyID, 10), "l" + strconv.Itoa(int(d.Level))}
	if d.OwnerID != 0 {
		t = append(t, "o"+strconv.FormatInt(d.OwnerID, 10))
	}
	if !d.PersonalData {
		t = append(t, "np")
	}
	for _, l := range []struct {
		p   string
		ids []int64
	}{{"p", d.People}, {"u", d.Units}, {"h", d.Handlers}} {
		for _, id := range l.ids {
			t = append(t, l.p+strconv.FormatInt(id, 10))
		}
	}
	slices.Sort(t[2:])
	return strings.Join(slices.Compact(t), " ")
}

// prefilter restates where()'s role step (which agencies' objects, or the
// reader's own) as scope tokens and, when every agency is covered, its
// classification step; it leaves out the parts whose tokens most entries
// hold (personal data, and levels when the role step already narrows),
// since intersecting with them would cost the engine more than it saves.
func (s scope) prefilter() prefilter {
	switch {
	case s.all, s.none:
		return nil
	case s.anonymous:
		return prefilter{{"l0"}}
	}
	acc := strconv.FormatInt(s.account, 10)
	if !s.anyAgency {
		var g []string
		if s.own && s.account != 0 {
			g = append(g, "o"+acc)
		}
		for _, a := range s.agencies {
			g = append(g, "a"+strconv.FormatInt(a, 10))
		}
		if s.named && s.account != 0 {
			g = append(g, "p"+acc)
		}
		if s.named && s.unit != 0 {
			g = append(g, "u"+strconv.FormatInt(s.unit, 10))
		}
		if len(g) == 0 || len(g) > maxPrefilter {
			return nil
		}
		return prefilter{g}
	}
	// Every agency: the classification step. Public objects, the
	// reader's own, internal and secret ones of the agencies they belong
	// to, and restricted ones naming them or their unit.
	g := []string{"l0"}
	if s.account != 0 {
		g = append(g, "o"+acc)
	}
	if s.clearance >= access.Internal {
		if s.memberAll {
			for l := access.Internal; l <= s.clearance && l <= access.UltraSecret; l++ {
				if l != access.Restricted {
					g = append(g, "l"+strconv.Itoa(int(l)))
				}
			}
		} else {
			for _, m := range s.members {
				g = append(g, "a"+strconv.FormatInt(m, 10))
			}
		}
		if s.account != 0 {
			g = append(g, "p"+acc)
		}
		if s.unit != 0 {
			g = append(g, "u"+strconv.FormatInt(s.unit, 10))
		}
	}
	if len(g) > maxPrefilter {
		return nil
	}
	return prefilter{g}
}

// maxPartition bounds the agencies whose words a search looks up one by
// one (each word becomes one alternative per agency).
const maxPartition = 8

// namedTokens are the scope tokens of the entries naming the reader or
// their unit (where() lets a named reader through in other agencies), nil
// when the reader is not one to whom naming matters.
func (s scope) namedTokens() []string {
	if !s.named || s.all || s.none || s.anonymous || s.anyAgency {
		return nil
	}
	var t []string
	if s.account != 0 {
		t = append(t, "p"+strconv.FormatInt(s.account, 10))
	}
	if s.unit != 0 {
		t = append(t, "u"+strconv.FormatInt(s.unit, 10))
	}
	return t
}

// partition returns the agencies every object the reader may see belongs
// to, when they are few (where()'s role step is "agency_id IN (…)" and
// the objects naming them, which Search adds by their scope tokens: see
// namedTokens): the engine may then look the words up among those
// agencies' entries and those objects alone. nil otherwise.
func (s scope) partition() []int64 {
	if s.all || s.none || s.anonymous || s.anyAgency || (s.own && s.account != 0) || len(s.agencies) == 0 || len(s.agencies) > maxPartition {
		return nil
	}
	return s.agencies
}
