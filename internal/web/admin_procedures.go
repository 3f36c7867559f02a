package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

type adminProceduresData struct {
	Q      string
	Rows   []procedureRow
	Notice string // catalog key
	Report *onestop.ImportReport
	Error  string
	Field  string // the import error's field (procedures[i].…)
}

// adminList is the administrators' catalogue: every procedure, active or
// not, with deactivation, the export's download and the import's upload.
func (p *ProcedurePages) adminList(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	d := adminProceduresData{Q: r.URL.Query().Get("q")}
	switch r.URL.Query().Get("ok") {
	case "deactivated":
		d.Notice = "proc.admin.deactivated"
	case "activated":
		d.Notice = "proc.admin.activated"
	case "saved":
		d.Notice = "proc.admin.saved"
	}
	p.adminPage(w, r, a, http.StatusOK, d)
}

func (p *ProcedurePages) adminPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d adminProceduresData) {
	if !holds(a, access.OnestopProcedureManage) {
		p.rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Bạn không có quyền quản lý danh mục thủ tục hành chính"))
		return
	}
	if len(d.Q) > 200 || !utf8.ValidString(d.Q) {
		d.Q = ""
	}
	list, err := p.cat.Search(r.Context(), onestop.SearchQuery{Q: d.Q, All: true, Limit: 1000})
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Rows = p.rows(r, list)
	for i := range d.Rows {
		d.Rows[i].Manage = p.cat.CanManage(r.Context(), a, &d.Rows[i].Procedure)
	}
	p.rd.render(w, r, status, "admin_procedures", "proc.admin.title", d)
}

// adminImport reads the uploaded JSON file and imports it, all or nothing.
func (p *ProcedurePages) adminImport(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	file, _, err := r.FormFile("file")
	var rep *onestop.ImportReport
	if err != nil {
		err = apperr.FieldError("file", "Chọn tệp JSON của danh mục thủ tục để nhập")
	} else {
		defer file.Close()
		rep, err = p.cat.Import(r.Context(), a, io.Reader(file))
	}
	if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) {
		p.rd.errorPage(w, r, err)
		return
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		d := adminProceduresData{Error: apperr.MessageOf(err)}
		var e *apperr.Error
		if errors.As(err, &e) {
			d.Field = e.Field
		}
		p.adminPage(w, r, a, httpx.Status(err), d)
		return
	}
	p.adminPage(w, r, a, http.StatusOK, adminProceduresData{Notice: "proc.admin.imported", Report: rep})
}

// adminActive deactivates (active=0) or offers again (active=1) a
// procedure.
func (p *ProcedurePages) adminActive(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	active := r.PostFormValue("active") == "1"
	if err := p.cat.SetActive(r.Context(), a, r.PathValue("code"), active); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	ok := "deactivated"
	if active {
		ok = "activated"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/procedures?ok=%s#p-%s", ok, url.PathEscape(r.PathValue("code"))), http.StatusSeeOther)
}
