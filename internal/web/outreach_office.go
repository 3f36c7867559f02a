package web

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
)

// OutreachOffice is the officers' bulletin workspace on the site's layout,
// server-rendered and usable without script: /outreach (the agency's
// bulletins and the new bulletin form, whose "Xem trước" button posts and
// shows the encodings, parts and cost), /outreach/bulletins/{id} (reach,
// cost, the actions the viewer's roles allow, deliveries with failures
// first), /outreach/residents (the commune's subscribers, registration with
// consent) and /outreach/stats (figures, and .xlsx). A refused field's
// message is shown beside the field. outreach asks access.Can.
type OutreachOffice struct {
	rd  *renderer
	svc *outreach.Service
}

// Outreach returns the officers' bulletin pages sharing h's templates.
func (h *Handler) Outreach(svc *outreach.Service) *OutreachOffice {
	return &OutreachOffice{rd: h.rd, svc: svc}
}

// Register mounts the pages.
func (p *OutreachOffice) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /outreach", p.list)
	mux.HandleFunc("POST /outreach", p.create)
	mux.HandleFunc("GET /outreach/bulletins/{id}", p.show)
	mux.HandleFunc("POST /outreach/bulletins/{id}/audio", p.audio)
	mux.HandleFunc("POST /outreach/bulletins/{id}/{step}", p.step)
	mux.HandleFunc("GET /outreach/residents", p.residents)
	mux.HandleFunc("POST /outreach/residents", p.register)
	mux.HandleFunc("GET /outreach/stats", p.stats)
}

// outreachFields maps the service's field names onto the form's inputs.
var outreachFields = map[string]string{"text": "body", "translations": "tr_body", "consent_purpose": "purpose", "audio": "file"}

// outreachErrors splits err into a message for the page's top (no field)
// or a message beside the field it names.
func outreachErrors(err error) (msg string, fields map[string]string) {
	f := fieldOf(err)
	if f == "" {
		return apperr.MessageOf(err), nil
	}
	if g, ok := outreachFields[f]; ok {
		f = g
	}
	return "", map[string]string{f: apperr.MessageOf(err)}
}

type outreachForm struct {
	Title, Body, Communes, Groups, Villages string
	TrLang, TrBody                          string
	Priority                                int
	SMSPlain                                bool
}

type outreachPreview struct {
	P                 outreach.Preview
	CostVI, CostPlain int64
}

type outreachListData struct {
	Langs   []outreach.Language
	List    []*outreach.Bulletin
	Form    outreachForm
	Preview *outreachPreview
	Error   string
	Errors  map[string]string
}

func (p *OutreachOffice) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.listPage(w, r, a, http.StatusOK, outreachListData{})
}

func (p *OutreachOffice) listPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d outreachListData) {
	list, err := p.svc.List(r.Context(), a, a.AgencyID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d.List, d.Langs = list, p.svc.Languages()
	p.rd.render(w, r, status, "outreach_list", "outreach.office.title", d)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (p *OutreachOffice) create(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	prio, _ := strconv.Atoi(r.PostFormValue("priority"))
	f := outreachForm{Title: trimmed(r, "title"), Body: trimmed(r, "body"), Communes: trimmed(r, "communes"), Groups: trimmed(r, "groups"),
		Villages: trimmed(r, "villages"), Priority: prio, SMSPlain: r.PostFormValue("sms_plain") == "1",
		TrLang: trimmed(r, "tr_lang"), TrBody: trimmed(r, "tr_body")}
	if r.PostFormValue("action") == "preview" {
		pv, err := outreach.PreviewText(f.Body)
		if err != nil {
			msg, fields := outreachErrors(err)
			p.listPage(w, r, a, httpx.Status(err), outreachListData{Form: f, Error: msg, Errors: fields})
			return
		}
		price := p.svc.Prices().SMSSegment
		p.listPage(w, r, a, http.StatusOK, outreachListData{Form: f, Preview: &outreachPreview{P: pv,
			CostVI: int64(pv.SMS.Segments) * price, CostPlain: int64(pv.SMSPlain.Segments) * price}})
		return
	}
	var tr []outreach.Translation
	if f.TrBody != "" {
		tr = []outreach.Translation{{Lang: f.TrLang, Body: f.TrBody}}
	}
	b, err := p.svc.Create(r.Context(), a, outreach.DraftRequest{Title: f.Title, Body: f.Body, Priority: f.Priority, SMSPlain: f.SMSPlain,
		Communes: splitList(f.Communes), Groups: splitList(f.Groups), Villages: f.Villages, Translations: tr})
	if err != nil {
		msg, fields := outreachErrors(err)
		p.listPage(w, r, a, httpx.Status(err), outreachListData{Form: f, Error: msg, Errors: fields})
		return
	}
	http.Redirect(w, r, "/outreach/bulletins/"+strconv.FormatInt(b.ID, 10), http.StatusSeeOther)
}

func (p *OutreachOffice) show(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.showPage(w, r, a, http.StatusOK, nil)
}

type outreachShowData struct {
	B     *outreach.Bulletin
	R     any
	D     any
	Langs []outreach.Language
	Error string
	Field string // "lang" or "file": the audio form's field at fault
	Can   outreachActions
}

// outreachActions are the buttons a bulletin's page offers: those its
// status allows and the viewer's roles may take (outreach asks access.Can
// again when one is pressed).
type outreachActions struct {
	Submit, Approve, Send, Emergency, Cancel bool
}

func outreachActionsOf(a *actor.Actor, b *outreach.Bulletin) outreachActions {
	open := b.Status == outreach.Draft || b.Status == outreach.Submitted || b.Status == outreach.Approved
	leader := holds(a, access.OutreachApprove)
	return outreachActions{
		Submit:    b.Status == outreach.Draft && holds(a, access.OutreachDraft),
		Approve:   (b.Status == outreach.Draft || b.Status == outreach.Submitted) && leader,
		Send:      b.Status == outreach.Approved && holds(a, access.OutreachSend),
		Emergency: open && b.Priority == outreach.PriorityEmergency && holds(a, access.OutreachEmergency),
		Cancel:    open && (leader || (b.Status == outreach.Draft && b.CreatedBy == a.AccountID && holds(a, access.OutreachDraft))),
	}
}

// showPage renders a bulletin, with fail's message when an action or an
// upload was refused.
func (p *OutreachOffice) showPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, fail error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Error(w, r, apperr.New(apperr.NotFound, "Không có bản tin này"))
		return
	}
	b, err := p.svc.Get(r.Context(), a, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	reach, err := p.svc.Reach(r.Context(), a, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := p.svc.Deliveries(r.Context(), a, id, 100)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if len(d.Rows) == 0 {
		d = nil
	}
	data := outreachShowData{B: b, R: reach, Langs: p.svc.Languages(), Can: outreachActionsOf(a, b)}
	if d != nil {
		data.D = d
	}
	if fail != nil {
		data.Error = apperr.MessageOf(fail)
		if f := fieldOf(fail); f == "lang" || f == "audio" || f == "file" {
			data.Field = outreachFieldName(f)
		}
	}
	p.rd.render(w, r, status, "outreach_bulletin", "outreach.office.title", data)
}

func (p *OutreachOffice) step(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Error(w, r, apperr.New(apperr.NotFound, "Không có bản tin này"))
		return
	}
	ctx := r.Context()
	switch r.PathValue("step") {
	case "submit":
		_, err = p.svc.Submit(ctx, a, id)
	case "approve":
		_, err = p.svc.Approve(ctx, a, id)
	case "send":
		_, _, err = p.svc.Send(ctx, a, id)
	case "emergency":
		_, _, err = p.svc.SendEmergency(ctx, a, id)
	case "cancel":
		_, err = p.svc.Cancel(ctx, a, id)
	default:
		err = apperr.New(apperr.NotFound, "Không có thao tác này")
	}
	if err != nil {
		p.showPage(w, r, a, httpx.Status(err), err)
		return
	}
	http.Redirect(w, r, "/outreach/bulletins/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (p *OutreachOffice) residents(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.residentsPage(w, r, a, http.StatusOK, outreach.Subscription{}, nil)
}

func (p *OutreachOffice) residentsPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, form outreach.Subscription, fail error) {
	list, err := p.svc.Residents(r.Context(), a, a.AgencyID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d := map[string]any{"List": list, "Langs": p.svc.Languages(), "Form": form, "Error": "", "Errors": map[string]string(nil)}
	if fail != nil {
		d["Error"], d["Errors"] = outreachErrors(fail)
	}
	p.rd.render(w, r, status, "outreach_residents", "outreach.office.residents.title", d)
}

func (p *OutreachOffice) register(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	form := outreach.Subscription{Phone: trimmed(r, "phone"), Lang: trimmed(r, "lang"),
		Village: trimmed(r, "village"), Zalo: r.PostFormValue("zalo") == "1", Purpose: trimmed(r, "purpose")}
	_, err := p.svc.RegisterResident(r.Context(), a, form)
	if err != nil {
		p.residentsPage(w, r, a, httpx.Status(err), form, err)
		return
	}
	http.Redirect(w, r, "/outreach/residents", http.StatusSeeOther)
}

func (p *OutreachOffice) stats(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	st, err := p.svc.Stats(r.Context(), a, a.AgencyID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "xlsx" {
		var buf bytes.Buffer
		if err := outreach.WriteStatsXLSX(&buf, st); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="thong-ke-ban-tin.xlsx"`)
		_, _ = w.Write(buf.Bytes())
		return
	}
	p.rd.render(w, r, http.StatusOK, "outreach_stats", "outreach.office.stats.title", st)
}

// audio takes a recording of the bulletin in a language (the request body
// is bounded by the platform's form limit, 1 MB).
func (p *OutreachOffice) audio(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Error(w, r, apperr.New(apperr.NotFound, "Không có bản tin này"))
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		p.showPage(w, r, a, http.StatusBadRequest, apperr.FieldError("file", "Chưa chọn tệp âm thanh, hoặc tệp lớn hơn 1 MB"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, outreach.MaxAudioBytes+1))
	if err == nil {
		err = p.svc.PutAudio(r.Context(), a, id, r.PostFormValue("lang"), data)
	}
	if err != nil {
		p.showPage(w, r, a, httpx.Status(err), err)
		return
	}
	http.Redirect(w, r, "/outreach/bulletins/"+strconv.FormatInt(id, 10)+"#audio", http.StatusSeeOther)
}

// outreachFieldName is the form input a service field name stands for.
func outreachFieldName(f string) string {
	if g, ok := outreachFields[f]; ok {
		return g
	}
	return f
}
