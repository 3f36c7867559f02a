package web

import (
	"context"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// allowedSomewhere asks access.Can whether a may perform action over some
// agency, for an administration page that picks the agency later: over the
// first agency one of a's grants for the action holds that Can allows,
// else over a's own agency, whose refusal Can records. An administration
// form is refused (403) to whoever may not use it rather than shown for the
// change to fail.
func allowedSomewhere(ctx context.Context, a *actor.Actor, action access.Action) error {
	def, _ := access.Lookup(action)
	for _, g := range a.Roles {
		if def.Roles[access.Role(g.Role)] == access.ScopeNone {
			continue
		}
		res := access.Resource{Type: "agency", ID: strconv.FormatInt(g.AgencyID, 10), AgencyID: g.AgencyID}
		if access.Permits(ctx, a, action, res) {
			return access.Authorize(ctx, a, action, res)
		}
	}
	return access.Authorize(ctx, a, action, access.Resource{Type: "agency", ID: strconv.FormatInt(a.AgencyID, 10), AgencyID: a.AgencyID})
}
