package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

type unitsPage struct {
	AsOf      string // YYYY-MM-DD, as typed in the date field
	AsOfVN    string // dd/mm/yyyy, for reading
	Province  *org.AdminUnit
	Units     []org.AdminUnit
	FormError string
}

// asOf reads ?as_of=YYYY-MM-DD (the date field's format); absent = today.
func (h *Handler) asOf(r *http.Request) (org.Date, error) {
	s := r.URL.Query().Get("as_of")
	if s == "" {
		return org.DateOf(h.deps.Now()), nil
	}
	d, err := org.ParseDate(s)
	if err != nil {
		return org.Date{}, apperr.FieldError("as_of", "Ngày tra cứu %q không hợp lệ: chọn một ngày, ví dụ 01/07/2025", s)
	}
	return d, nil
}

func (h *Handler) units(w http.ResponseWriter, r *http.Request) {
	asOf, err := h.asOf(r)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	units, err := h.deps.Org.Provinces(r.Context(), asOf)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	h.rd.render(w, r, http.StatusOK, "units", "units.title",
		unitsPage{AsOf: asOf.String(), AsOfVN: asOf.VN(), Units: units})
}

func (h *Handler) unitCommunes(w http.ResponseWriter, r *http.Request) {
	asOf, err := h.asOf(r)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	code := r.PathValue("code")
	province, err := h.deps.Org.AdminUnit(r.Context(), code, asOf)
	if err == nil && province.Level != org.LevelProvince {
		err = apperr.New(apperr.NotFound, "Mã %s không phải mã tỉnh, thành phố", code)
	}
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	communes, err := h.deps.Org.Communes(r.Context(), code, asOf)
	if err != nil {
		h.rd.errorPage(w, r, err)
		return
	}
	h.rd.render(w, r, http.StatusOK, "communes", "units.communes.title",
		unitsPage{AsOf: asOf.String(), AsOfVN: asOf.VN(), Province: province, Units: communes})
}
