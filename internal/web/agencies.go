package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// agencyNode is an agency with the agencies directly under it.
type agencyNode struct {
	org.Agency
	Children []org.Agency
}

type agenciesPage struct {
	AsOf, AsOfVN string
	Parent       *org.Agency    // nil on the top-level page
	Chain        []org.Agency   // parent's ancestors, top first (breadcrumb)
	Units        []org.Unit     // units inside the parent agency
	AdminUnit    *org.AdminUnit // the province or commune the parent serves
	Province     string         // code of that unit's province, for the link
	Nodes        []agencyNode
}

// agencies shows the agency tree as of a date: the top-level agencies with
// their children, or one agency with its units and the agencies under it.
func (h *Handler) agencies(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	asOf, err := h.asOf(r)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	page := agenciesPage{AsOf: asOf.String(), AsOfVN: asOf.VN()}
	// Every agency of the day, read once: the tree below and the
	// breadcrumb above come from it.
	all, err := h.deps.Org.Agencies(ctx, org.AgencyFilter{AsOf: asOf})
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	children := org.ByParent(all)
	var parentID int64
	if p := r.URL.Query().Get("parent"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			h.rd.errorPage(w, r, apperr.FieldError("parent", "Mã cơ quan %q không hợp lệ", p))
			return
		}
		if page.Parent, err = h.deps.Org.Agency(ctx, id, asOf); err != nil {
			h.rd.errorPage(w, r, err)
			return
		}
		page.Chain = ancestors(page.Parent, all)
		if page.Units, err = h.deps.Org.Units(ctx, id, asOf); err != nil {
			h.rd.errorPage(w, r, err)
			return
		}
		if code := page.Parent.AdminUnitCode; code != "" {
			// A unit missing on that day (a retired commune) leaves the
			// code shown without a name rather than failing the page.
			if u, err := h.deps.Org.AdminUnit(ctx, code, asOf); err == nil {
				page.AdminUnit, page.Province = u, u.ProvinceCode
				if u.Level == org.LevelProvince {
					page.Province = u.Code
				}
			}
		}
		parentID = id
	}
	for _, g := range children[parentID] {
		page.Nodes = append(page.Nodes, agencyNode{Agency: g, Children: children[g.ID]})
	}
	h.rd.render(w, r, http.StatusOK, "agencies", "agencies.title", page)
}

// ancestors returns g's parents among all (the agencies of one day),
// top-level first.
func ancestors(g *org.Agency, all []org.Agency) []org.Agency {
	byID := make(map[int64]org.Agency, len(all))
	for _, a := range all {
		byID[a.ID] = a
	}
	var chain []org.Agency
	for id := g.ParentID; id != 0 && len(chain) < 16; {
		p, ok := byID[id]
		if !ok {
			break
		}
		chain = append([]org.Agency{p}, chain...)
		id = p.ParentID
	}
	return chain
}
