package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

type registerLine struct {
	documents.RegisterRow
	Cells []string
}

type registersData struct {
	Title      documents.RegisterTitle
	Columns    []string
	Lines      []registerLine
	Agencies   []option
	Directions []option
	Series     []option
	Year       int
	Export     string // the query of this register, for the xlsx and PDF links
	Withdrawn  int
}

var seriesLabels = []struct {
	s     documents.Series
	label string
}{{documents.Normal, "Văn bản thường"}, {documents.Legal, "Văn bản quy phạm pháp luật"}, {documents.Copies, "Bản sao"}, {documents.Confidential, "Văn bản mật"}}

// registers shows one register (agency, direction, series, year) as
// Decree 30/2020/NĐ-CP Appendix IV lays it out, and sends it as xlsx
// (?format=xlsx) or a printable PDF (?format=pdf). The documents service
// decides who reads it (the agency's officials) and hides the lines of
// documents the reader may not read, keeping their numbers.
func (p *Office) registers(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	qs := r.URL.Query()
	reg := documents.Register{AgencyID: a.AgencyID, Direction: documents.Incoming, Series: documents.Normal, Year: documents.RegisterYear(p.now())}
	if v := qs.Get("agency"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			p.rd.errorPage(w, r, apperr.FieldError("agency", "Cơ quan %q không hợp lệ", v))
			return
		}
		reg.AgencyID = id
	}
	if qs.Get("dir") == "out" {
		reg.Direction = documents.Outgoing
	}
	if v := qs.Get("series"); v != "" {
		reg.Series = documents.Series(v)
	}
	if v := qs.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			p.rd.errorPage(w, r, apperr.FieldError("year", "Năm %q không hợp lệ", v))
			return
		}
		reg.Year = y
	}
	rows, err := p.docs.ReadRegister(r.Context(), a, reg)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if reg.Direction == documents.Incoming {
		if err := p.fillDirections(r, a, reg.AgencyID, rows); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	title := documents.RegisterTitle{Agency: p.agencyName(r, reg.AgencyID), Register: reg, Generated: locale.FormatDateTime(p.now())}
	name := fmt.Sprintf("so-van-ban-%s-%d-%s-%d", map[documents.Direction]string{documents.Incoming: "den", documents.Outgoing: "di"}[reg.Direction],
		reg.AgencyID, reg.Series, reg.Year)
	switch qs.Get("format") {
	case "xlsx":
		var buf bytes.Buffer
		if err := documents.WriteRegisterXLSX(&buf, title, rows); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		sendFile(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name+".xlsx", buf.Bytes())
		return
	case "pdf":
		var buf bytes.Buffer
		if err := documents.WriteRegisterPDF(&buf, title, rows); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		sendFile(w, r, "application/pdf", name+".pdf", buf.Bytes())
		return
	case "":
	default:
		p.rd.errorPage(w, r, apperr.FieldError("format", "Định dạng %q không hỗ trợ: dùng xlsx hoặc pdf", qs.Get("format")))
		return
	}
	d := registersData{Title: title, Columns: documents.RegisterColumns(reg.Direction), Year: reg.Year}
	for _, row := range rows {
		d.Lines = append(d.Lines, registerLine{RegisterRow: row, Cells: documents.RegisterCells(reg.Direction, row)})
		if row.Withdrawn {
			d.Withdrawn++
		}
	}
	ids := []int64{a.AgencyID}
	for _, g := range a.Roles {
		if g.AgencyID != 0 {
			ids = append(ids, g.AgencyID)
		}
	}
	if !slices.Contains(ids, reg.AgencyID) {
		ids = append(ids, reg.AgencyID)
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if id != 0 {
			d.Agencies = append(d.Agencies, option{Value: strconv.FormatInt(id, 10), Label: p.agencyName(r, id), Selected: id == reg.AgencyID})
		}
	}
	d.Directions = []option{{Value: "in", Label: "Sổ văn bản đến", Selected: reg.Direction == documents.Incoming},
		{Value: "out", Label: "Sổ văn bản đi", Selected: reg.Direction == documents.Outgoing}}
	for _, s := range seriesLabels {
		d.Series = append(d.Series, option{Value: string(s.s), Label: s.label, Selected: s.s == reg.Series})
	}
	v := url.Values{"agency": {strconv.FormatInt(reg.AgencyID, 10)}, "dir": {map[documents.Direction]string{documents.Incoming: "in", documents.Outgoing: "out"}[reg.Direction]},
		"series": {string(reg.Series)}, "year": {strconv.Itoa(reg.Year)}}
	d.Export = v.Encode()
	p.rd.render(w, r, http.StatusOK, "office_registers", "registers.title", d)
}

func sendFile(w http.ResponseWriter, r *http.Request, mediaType, name string, data []byte) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := w.Write(data); err != nil {
		httpx.LogError(r, http.StatusInternalServerError, err)
	}
}

// fillDirections writes into an incoming register's lines whom each
// document was directed to and when (the columns "Đơn vị hoặc người
// nhận" and "Ngày chuyển"), from the first direction on it the reader may
// see.
func (p *Office) fillDirections(r *http.Request, a *actor.Actor, agency int64, rows []documents.RegisterRow) error {
	if p.tasks == nil || len(rows) == 0 {
		return nil
	}
	type direction struct {
		to string
		at time.Time
	}
	first := map[int64]direction{}
	const batch = 500
	for offset := 0; ; offset += batch {
		page, err := p.tasks.List(r.Context(), a, tasks.Filter{AgencyID: agency, Limit: batch, Offset: offset})
		if err != nil {
			return err
		}
		for _, t := range page.Items {
			if t.DocumentID == 0 || t.Kind != tasks.KindDirection {
				continue
			}
			if d, ok := first[t.DocumentID]; ok && !t.CreatedAt.Before(d.at) {
				continue
			}
			var to []string
			for _, as := range t.Assignees {
				if as.Role == tasks.RoleMain {
					to = append(to, as.Name)
				}
			}
			first[t.DocumentID] = direction{to: strings.Join(to, ", "), at: t.CreatedAt}
		}
		if len(page.Items) < batch || offset+batch >= page.Total {
			break
		}
	}
	for i := range rows {
		if d, ok := first[rows[i].DocumentID]; ok && !rows[i].Hidden && !rows[i].Withdrawn {
			rows[i].Handler, rows[i].Transferred = d.to, d.at
		}
	}
	return nil
}
