package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// maxTrackCode bounds a dossier code typed into the tracking box.
const maxTrackCode = 64

// trackCode checks a typed dossier code: upper-cased, letters, digits,
// dots, dashes; anything else cannot be a code and is "not found".
func trackCode(v string) (string, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if v == "" {
		return "", apperr.FieldError("code", "Chưa nhập mã hồ sơ")
	}
	ok := len(v) <= maxTrackCode && utf8.ValidString(v)
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			ok = false
		}
	}
	if !ok {
		return "", apperr.FieldError("code", "Không tìm thấy hồ sơ có mã này: hãy kiểm tra lại mã trên giấy tiếp nhận")
	}
	return v, nil
}

type trackData struct {
	Code  string
	T     *onestop.Tracking
	Error string
}

// trackForm is the public tracking box; ?code= goes to the code's page,
// so the lookup works without JavaScript.
func (p *Portal) trackForm(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("code"); v != "" {
		code, err := trackCode(v)
		if err != nil {
			p.rd.render(w, r, http.StatusNotFound, "portal_track", "pd.track.title", trackData{Code: v, Error: apperr.MessageOf(err)})
			return
		}
		http.Redirect(w, r, "/portal/track/"+url.PathEscape(code), http.StatusSeeOther)
		return
	}
	p.rd.render(w, r, http.StatusOK, "portal_track", "pd.track.title", trackData{})
}

// track is the public page of a dossier by code: status, procedure,
// agency and dates, never personal data; small enough for a feature
// phone (no script, works without the style sheet).
func (p *Portal) track(w http.ResponseWriter, r *http.Request) {
	code, err := trackCode(r.PathValue("code"))
	if err == nil {
		var t *onestop.Tracking
		if t, err = p.svc.Track(r.Context(), code); err == nil {
			p.rd.render(w, r, http.StatusOK, "portal_track", "pd.track.title", trackData{Code: code, T: t})
			return
		}
	}
	status := httpx.Status(err)
	if status == http.StatusBadRequest {
		status = http.StatusNotFound
	}
	httpx.LogError(r, status, err)
	p.rd.render(w, r, status, "portal_track", "pd.track.title", trackData{Code: r.PathValue("code"), Error: apperr.MessageOf(err)})
}
