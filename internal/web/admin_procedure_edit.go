package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// procedureForm is the edit page's form: the main fields as inputs, the
// fees, components, form fields and steps as JSON text areas.
type procedureForm struct {
	Code, Name, Field, Level, AgencyCode, Days, CutOff, ResultType, LegalBasis string
	Online, Active                                                             bool
	Fees, Components, Fields, Steps                                            string
}

type procedureEditData struct {
	New    bool
	Form   procedureForm
	Errors map[string]string // input name → message
	Error  string            // the message, also shown at the top
}

// jsonAreas are the text areas holding JSON, by the procedure's key.
var jsonAreas = []string{"fees", "components", "fields", "steps"}

func indentJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func formOf(p *onestop.Procedure) procedureForm {
	f := procedureForm{Code: p.Code, Name: p.Name, Field: p.Field, Level: string(p.Level), AgencyCode: p.AgencyCode,
		Days: strconv.Itoa(p.Days), CutOff: p.CutOff, ResultType: p.ResultType, LegalBasis: p.LegalBasis, Online: p.Online, Active: p.Active,
		Fees: indentJSON(p.Fees), Components: indentJSON(p.Components), Fields: indentJSON(p.Fields), Steps: indentJSON(p.Steps)}
	if p.Fees == nil {
		f.Fees = "[]"
	}
	if p.Components == nil {
		f.Components = "[]"
	}
	if p.Fields == nil {
		f.Fields = "[]"
	}
	if p.Steps == nil {
		f.Steps = "[]"
	}
	return f
}

// editForm shows a procedure's edit page, or an empty one for a new
// procedure.
func (p *ProcedurePages) editForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if !holds(a, access.OnestopProcedureManage) {
		p.rd.errorPage(w, r, apperr.New(apperr.Forbidden, "Bạn không có quyền quản lý danh mục thủ tục hành chính"))
		return
	}
	d := procedureEditData{New: r.PathValue("code") == ""}
	if d.New {
		d.Form = procedureForm{Level: string(onestop.LevelCommune), Days: "0", CutOff: onestop.DefaultCutOff, Active: true, Online: true,
			Fees: "[]", Components: "[]", Fields: "[]", Steps: "[]"}
	} else {
		pr, err := p.cat.Get(r.Context(), r.PathValue("code"))
		if err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		d.Form = formOf(pr)
	}
	p.rd.render(w, r, http.StatusOK, "admin_procedure_edit", "proc.edit.title", d)
}

// maxProcedureForm bounds the edit form's text.
const maxProcedureForm = 512 << 10

// editSave validates and saves the form; errors are shown beside the input
// they belong to, the typed values kept.
func (p *ProcedurePages) editSave(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxProcedureForm)
	if err := r.ParseForm(); err != nil {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu quá dài"))
		return
	}
	d := procedureEditData{New: r.PathValue("code") == "", Errors: map[string]string{}}
	f := procedureForm{Code: trimmed(r, "code"), Name: trimmed(r, "name"), Field: trimmed(r, "field"), Level: trimmed(r, "level"),
		AgencyCode: trimmed(r, "agency_code"), Days: trimmed(r, "days"), CutOff: trimmed(r, "cut_off"), ResultType: trimmed(r, "result_type"),
		LegalBasis: trimmed(r, "legal_basis"), Online: r.PostFormValue("online") == "1", Active: r.PostFormValue("active") == "1",
		Fees: r.PostFormValue("fees"), Components: r.PostFormValue("components"), Fields: r.PostFormValue("fields"), Steps: r.PostFormValue("steps")}
	if !d.New {
		f.Code = r.PathValue("code") // the code of an existing procedure does not change
	}
	d.Form = f
	pr := onestop.Procedure{Code: f.Code, Name: f.Name, Field: f.Field, Level: onestop.Level(f.Level), AgencyCode: f.AgencyCode, CutOff: f.CutOff,
		ResultType: f.ResultType, LegalBasis: f.LegalBasis, Online: f.Online, Active: f.Active}
	var err error
	if pr.Days, err = strconv.Atoi(f.Days); err != nil {
		err = apperr.FieldError("days", "Thời hạn giải quyết phải là số ngày làm việc (0 là trong ngày)")
	}
	areas := map[string]struct {
		text string
		into any
	}{"fees": {f.Fees, &pr.Fees}, "components": {f.Components, &pr.Components}, "fields": {f.Fields, &pr.Fields}, "steps": {f.Steps, &pr.Steps}}
	for _, name := range jsonAreas {
		if err != nil {
			break
		}
		area := areas[name]
		dec := json.NewDecoder(strings.NewReader(area.text))
		dec.DisallowUnknownFields()
		if e := dec.Decode(area.into); e != nil {
			err = apperr.FieldError(name, "Nội dung ô này phải là một mảng JSON đúng mẫu (%s)", clipProcText(e.Error(), 120))
		}
	}
	if err == nil && !d.New {
		if _, e := p.cat.Get(r.Context(), f.Code); e != nil {
			err = e
		}
	}
	if err == nil && d.New {
		if _, e := p.cat.Get(r.Context(), strings.TrimSpace(f.Code)); e == nil {
			err = apperr.FieldError("code", "Đã có thủ tục mã %s: mở trang sửa của thủ tục đó", strings.TrimSpace(f.Code))
		}
	}
	if err == nil {
		_, err = p.cat.Save(r.Context(), a, pr)
	}
	if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) || apperr.Is(err, apperr.NotFound) {
		p.rd.errorPage(w, r, err)
		return
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		d.Error = apperr.MessageOf(err)
		var e *apperr.Error
		input := "name"
		if errors.As(err, &e) && e.Field != "" {
			input = inputOf(e.Field)
		}
		d.Errors[input] = d.Error
		p.rd.render(w, r, httpx.Status(err), "admin_procedure_edit", "proc.edit.title", d)
		return
	}
	http.Redirect(w, r, "/admin/procedures?ok=saved#p-"+url.PathEscape(pr.Code), http.StatusSeeOther)
}

// inputOf maps a validation error's field (steps[2].hours) to the input
// showing it (steps).
func inputOf(field string) string {
	if i := strings.IndexAny(field, "[."); i > 0 {
		field = field[:i]
	}
	switch field {
	case "code", "name", "field", "level", "agency_code", "days", "cut_off", "result_type", "legal_basis", "fees", "components", "fields", "steps":
		return field
	}
	return "name"
}

func clipProcText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r) + "…"
}
