package api

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// agencyJSON is the API shape of one agency version.
type agencyJSON struct {
	ID            int64   `json:"id"`
	Code          string  `json:"code,omitempty"`
	Name          string  `json:"name"`
	ShortName     string  `json:"short_name,omitempty"`
	Abbreviation  string  `json:"abbreviation,omitempty"`
	Kind          string  `json:"kind"`
	ParentID      *int64  `json:"parent_id"`
	AdminUnitCode string  `json:"admin_unit_code,omitempty"`
	ValidFrom     string  `json:"valid_from"`
	ValidTo       *string `json:"valid_to"`
	Children      *int    `json:"children,omitempty"`
}

func toAgencyJSON(g org.Agency) agencyJSON {
	j := agencyJSON{ID: g.ID, Code: g.Code, Name: g.Name, ShortName: g.ShortName, Abbreviation: g.Abbreviation,
		Kind: string(g.Kind), AdminUnitCode: g.AdminUnitCode, ValidFrom: g.ValidFrom.String()}
	if g.ParentID != 0 {
		p := g.ParentID
		j.ParentID = &p
	}
	if !g.ValidTo.IsZero() {
		s := g.ValidTo.String()
		j.ValidTo = &s
	}
	return j
}

type agencyList struct {
	AsOf   string       `json:"as_of"`
	Parent *agencyJSON  `json:"parent,omitempty"`
	Count  int          `json:"count"`
	Items  []agencyJSON `json:"items"`
}

// listAgencies answers GET /api/v1/agencies?parent=ID|CODE&as_of=D: the
// agencies directly under parent, or the top-level agencies.
func (a *API) listAgencies(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	asOf, err := a.parseAsOf(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	list := agencyList{AsOf: asOf.String()}
	var parentID int64
	if p := r.URL.Query().Get("parent"); p != "" {
		parent, err := a.findAgency(r, p, asOf)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		pj := toAgencyJSON(*parent)
		list.Parent = &pj
		parentID = parent.ID
	}
	all, err := a.deps.Org.Agencies(ctx, org.AgencyFilter{AsOf: asOf})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	children := org.ByParent(all)
	agencies := children[parentID]
	list.Count = len(agencies)
	list.Items = make([]agencyJSON, len(agencies))
	for i, g := range agencies {
		list.Items[i] = toAgencyJSON(g)
		n := len(children[g.ID])
		list.Items[i].Children = &n
	}
	httpx.JSON(w, http.StatusOK, list)
}

// findAgency resolves an agency named by numeric id or electronic code.
func (a *API) findAgency(r *http.Request, ref string, asOf org.Date) (*org.Agency, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return a.deps.Org.Agency(r.Context(), id, asOf)
	}
	return a.deps.Org.AgencyByCode(r.Context(), ref, asOf)
}
