package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// procedureStep is a processing step as the page shows it.
type procedureStep struct {
	onestop.Step
	Who    string // the role in Vietnamese
	Agency string // the agency holding it
}

type procedureData struct {
	procedureRow
	Steps   []procedureStep
	Fees    []procedureFee
	Submit  string // the online submission's link
	Manages bool
}

type procedureFee struct {
	onestop.Fee
	Amount string
}

// detail is a procedure's public page: what it needs, how long, how much,
// the steps, the legal basis and the online submission's link.
func (p *ProcedurePages) detail(w http.ResponseWriter, r *http.Request) {
	pr, err := p.cat.Get(r.Context(), r.PathValue("code"))
	if err == nil && !pr.Active {
		err = apperr.New(apperr.NotFound, "Thủ tục %s không còn được tiếp nhận", pr.Code)
	}
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	lang := locale.FromRequest(r)
	d := procedureData{procedureRow: procedureRow{Procedure: *pr, AgencyName: p.cat.AgencyName(r.Context(), pr.AgencyCode),
		Fee: feeText(pr, p.rd.cat.T(lang, "proc.fee.free"), p.rd.cat.T(lang, "proc.fee.from"), p.rd.cat.T(lang, "proc.fee.varies"))}}
	if pr.Online {
		d.Submit = "/portal/dossiers/new?procedure=" + pr.Code
	}
	for _, f := range pr.Fees {
		d.Fees = append(d.Fees, procedureFee{Fee: f, Amount: onestop.FormatVND(f.Amount)})
	}
	for _, s := range pr.Steps {
		agency := d.AgencyName
		if s.AgencyCode != "" && s.AgencyCode != pr.AgencyCode {
			agency = p.cat.AgencyName(r.Context(), s.AgencyCode)
		}
		d.Steps = append(d.Steps, procedureStep{Step: s, Who: p.rd.cat.T(lang, "proc.role."+s.Role), Agency: agency})
	}
	p.rd.render(w, r, http.StatusOK, "procedure", "proc.detail.title", d)
}
