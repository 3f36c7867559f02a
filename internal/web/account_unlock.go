package web

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// unlock lifts an official's lockout from the users page; identity asks
// access.Can and audits it.
func (p *Accounts) unlock(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tài khoản"))
		return
	}
	if err := p.id.Unlock(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?ok=1&agency="+strconv.FormatInt(formID(r, "back"), 10), http.StatusSeeOther)
}
