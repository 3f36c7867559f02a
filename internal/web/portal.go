package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/org"
)

type portalPage struct {
	AsOf      string
	Centres   []org.Agency // public administration service centres (province and commune)
	Provinces []org.AdminUnit
}

// portal is the citizens' entry: where to submit dossiers (the service
// centres on the platform) and the lookup of administrative units.
func (h *Handler) portal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	asOf := org.DateOf(h.deps.Now())
	page := portalPage{AsOf: asOf.String()}
	for _, kind := range []org.AgencyKind{org.KindProvinceServiceCentre, org.KindCommuneServiceCentre} {
		centres, err := h.deps.Org.Agencies(ctx, org.AgencyFilter{AsOf: asOf, Kind: kind})
		if err != nil {
			h.rd.errorPage(w, r, err)
			return
		}
		page.Centres = append(page.Centres, centres...)
	}
	provinces, err := h.deps.Org.Provinces(ctx, asOf)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	page.Provinces = provinces
	h.rd.render(w, r, http.StatusOK, "portal", "portal.title", page)
}

// unitRedirect sends the province picker of the portal to its page, so the
// lookup works without JavaScript.
func (h *Handler) unitRedirect(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("province")
	if code == "" || len(code) != 2 {
		http.Redirect(w, r, "/units", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/units/"+code, http.StatusSeeOther)
}
