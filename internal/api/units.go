package api

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// unitJSON is the API shape of one administrative unit version.
type unitJSON struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Level        string   `json:"level"`
	ProvinceCode string   `json:"province_code,omitempty"`
	ValidFrom    string   `json:"valid_from"`
	ValidTo      *string  `json:"valid_to"`
	Successors   []string `json:"successors,omitempty"`
}

func toUnitJSON(u org.AdminUnit) unitJSON {
	j := unitJSON{Code: u.Code, Name: u.Name, Type: string(u.Type), Level: string(u.Level),
		ProvinceCode: u.ProvinceCode, ValidFrom: u.ValidFrom.String(), Successors: u.Successors}
	if !u.ValidTo.IsZero() {
		s := u.ValidTo.String()
		j.ValidTo = &s
	}
	return j
}

type unitList struct {
	AsOf     string     `json:"as_of"`
	Province *unitJSON  `json:"province,omitempty"`
	Count    int        `json:"count"`
	Items    []unitJSON `json:"items"`
}

func (a *API) listProvinces(w http.ResponseWriter, r *http.Request) {
	asOf, err := a.parseAsOf(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	units, err := a.deps.Org.Provinces(r.Context(), asOf)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, newUnitList(asOf, nil, units))
}

func (a *API) listCommunes(w http.ResponseWriter, r *http.Request) {
	asOf, err := a.parseAsOf(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	code := r.PathValue("code")
	province, err := a.deps.Org.AdminUnit(r.Context(), code, asOf)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if province.Level != org.LevelProvince {
		httpx.Error(w, r, apperr.New(apperr.NotFound, "Mã %s không phải mã tỉnh, thành phố", code))
		return
	}
	units, err := a.deps.Org.Communes(r.Context(), code, asOf)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	p := toUnitJSON(*province)
	httpx.JSON(w, http.StatusOK, newUnitList(asOf, &p, units))
}

func newUnitList(asOf org.Date, province *unitJSON, units []org.AdminUnit) unitList {
	l := unitList{AsOf: asOf.String(), Province: province, Count: len(units), Items: make([]unitJSON, len(units))}
	for i, u := range units {
		l.Items[i] = toUnitJSON(u)
	}
	return l
}

// parseAsOf reads the as_of query parameter (YYYY-MM-DD); absent means today.
func (a *API) parseAsOf(r *http.Request) (org.Date, error) {
	s := r.URL.Query().Get("as_of")
	if s == "" {
		return org.DateOf(a.deps.Now()), nil
	}
	d, err := org.ParseDate(s)
	if err != nil {
		return org.Date{}, apperr.FieldError("as_of", "Ngày tra cứu %q không hợp lệ: dùng dạng YYYY-MM-DD, ví dụ 2025-07-01", s)
	}
	return d, nil
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	httpx.Error(w, r, apperr.New(apperr.NotFound, "Không có điểm cuối API %s %s", r.Method, r.URL.Path))
}
