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
	filter := org.AgencyFilter{AsOf: asOf, TopLevel: true}
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
		if page.Chain, err = h.ancestors(r, page.Parent, asOf); err != nil {
			h.rd.errorPage(w, r, err)
			return
		}
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
		filter = org.AgencyFilter{AsOf: asOf, ParentID: id}
	}
	list, err := h.deps.Org.Agencies(ctx, filter)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	for _, g := range list {
		children, err := h.deps.Org.Agencies(ctx, org.AgencyFilter{AsOf: asOf, ParentID: g.ID})
		if err != nil {
			h.rd.errorPage(w, r, err)
			return
		}
		page.Nodes = append(page.Nodes, agencyNode{Agency: g, Children: children})
	}
	h.rd.render(w, r, http.StatusOK, "agencies", "agencies.title", page)
}

// ancestors returns g's parents, top-level first.
func (h *Handler) ancestors(r *http.Request, g *org.Agency, asOf org.Date) ([]org.Agency, error) {
	var chain []org.Agency
	for id := g.ParentID; id != 0 && len(chain) < 16; {
		p, err := h.deps.Org.Agency(r.Context(), id, asOf)
		if err != nil {
			return nil, err
		}
		chain = append([]org.Agency{*p}, chain...)
		id = p.ParentID
	}
	return chain, nil
}
