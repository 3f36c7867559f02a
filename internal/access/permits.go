package access

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/actor"
)

// Permits reports whether Can would allow a to perform action on res, and
// records nothing. It is for shaping what a page or list offers (which
// certificates a clerk may seal with, whether to show a link), never for
// deciding an action: the service that acts still calls Can, which records
// refusals.
func Permits(ctx context.Context, a *actor.Actor, action Action, res Resource) bool {
	var tree Tree
	if g := GuardFrom(ctx); g != nil {
		tree = g.opts.Tree
	}
	return decide(ctx, tree, a, action, res).Allowed
}
