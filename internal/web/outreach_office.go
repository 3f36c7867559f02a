package web

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
)

// OutreachOffice is the officers' bulletin workspace, server-rendered and
// usable without script: /outreach (the agency's bulletins and the new
// bulletin form, whose "Xem trước" button posts and shows the encodings,
// parts and cost), /outreach/bulletins/{id} (reach, cost, the actions the
// viewer's roles allow, deliveries with failures first), /outreach/residents
// (the commune's subscribers, registration with consent) and
// /outreach/stats (figures, and .xlsx). outreach asks access.Can.
type OutreachOffice struct {
	svc *outreach.Service
}

// NewOutreachOffice returns the officers' pages.
func NewOutreachOffice(svc *outreach.Service) *OutreachOffice { return &OutreachOffice{svc: svc} }

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

var officeFuncs = template.FuncMap{
	"date":     locale.FormatDateTime,
	"priority": outreach.PriorityLabel,
	"money":    func(v int64) string { return strconv.FormatInt(v, 10) + " đ" },
}

var officeTmpl = template.Must(template.New("o").Funcs(officeFuncs).Parse(`{{define "head"}}<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.}} — Bản tin thông tin cơ sở</title></head><body>
<nav aria-label="Bản tin"><a href="/outreach">Bản tin</a> · <a href="/outreach/residents">Người nhận tin</a> · <a href="/outreach/stats">Thống kê</a> · <a href="/">Trang chủ</a></nav>
<main>{{end}}
{{define "foot"}}</main></body></html>{{end}}
{{define "list"}}{{template "head" "Bản tin"}}
<h1>Bản tin thông tin cơ sở</h1>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<table><caption>Bản tin của cơ quan</caption>
<thead><tr><th scope="col">Số</th><th scope="col">Tiêu đề</th><th scope="col">Mức</th><th scope="col">Trạng thái</th><th scope="col">Tạo lúc</th></tr></thead>
<tbody>{{range .List}}<tr><td>{{.ID}}</td><td><a href="/outreach/bulletins/{{.ID}}">{{.Title}}</a>{{if .NeedsReview}} (cần xem xét lại){{end}}</td><td>{{priority .Priority}}</td><td>{{.Status.Label}}</td><td>{{date .CreatedAt}}</td></tr>
{{else}}<tr><td colspan="5">Chưa có bản tin.</td></tr>{{end}}</tbody></table>
<h2 id="new">Soạn bản tin</h2>
<form method="post" action="/outreach" aria-labelledby="new">
<p><label for="title">Tiêu đề</label><br><input id="title" name="title" value="{{.Form.Title}}" maxlength="300" required size="60"></p>
<p><label for="body">Nội dung (tiếng Việt)</label><br><textarea id="body" name="body" rows="6" cols="60" maxlength="4000" required>{{.Form.Body}}</textarea></p>
<p><label for="priority">Mức ưu tiên</label> <select id="priority" name="priority">
<option value="0"{{if eq .Form.Priority 0}} selected{{end}}>Thông thường</option><option value="1"{{if eq .Form.Priority 1}} selected{{end}}>Ưu tiên</option><option value="2"{{if eq .Form.Priority 2}} selected{{end}}>Khẩn cấp</option></select></p>
<p><input type="checkbox" id="sms_plain" name="sms_plain" value="1"{{if .Form.SMSPlain}} checked{{end}}> <label for="sms_plain">Gửi tin nhắn không dấu (GSM-7, rẻ hơn)</label></p>
<p><label for="communes">Mã xã, phường nhận (cách nhau bởi dấu phẩy)</label><br><input id="communes" name="communes" value="{{.Form.Communes}}" required size="40"></p>
<p><label for="groups">Dân tộc (để trống: mọi người)</label><br><input id="groups" name="groups" value="{{.Form.Groups}}" size="40"></p>
<p><label for="villages">Thôn, bản</label><br><input id="villages" name="villages" value="{{.Form.Villages}}" size="40"></p>
<fieldset><legend>Bản dịch (tuỳ chọn)</legend>
<p><label for="tr_lang">Ngôn ngữ</label> <select id="tr_lang" name="tr_lang">{{range .Langs}}{{if ne .Code "vi"}}<option value="{{.Code}}"{{if eq .Code $.Form.TrLang}} selected{{end}}>{{.Name}} ({{.Script}})</option>{{end}}{{end}}</select></p>
<p><label for="tr_body">Nội dung bản dịch</label><br><textarea id="tr_body" name="tr_body" rows="4" cols="60" maxlength="4000">{{.Form.TrBody}}</textarea></p></fieldset>
<p><button type="submit" name="action" value="preview">Xem trước</button> <button type="submit" name="action" value="save">Lưu dự thảo</button></p>
</form>
{{with .Preview}}<section aria-labelledby="pv"><h2 id="pv">Xem trước</h2>
<table><thead><tr><th scope="col">Cách gửi</th><th scope="col">Mã hoá</th><th scope="col">Số phần</th><th scope="col">Số ký tự</th><th scope="col">Chi phí mỗi người</th></tr></thead>
<tbody><tr><td>Có dấu</td><td>{{.P.SMS.Encoding}}</td><td>{{.P.SMS.Segments}}</td><td>{{.P.SMS.Characters}}</td><td>{{money .CostVI}}</td></tr>
<tr><td>Không dấu</td><td>{{.P.SMSPlain.Encoding}}</td><td>{{.P.SMSPlain.Segments}}</td><td>{{.P.SMSPlain.Characters}}</td><td>{{money .CostPlain}}</td></tr></tbody></table>
<p>Văn bản không dấu: {{.P.SMSPlain.Text}}</p><p>Loa đọc: {{.P.SpokenText}}</p></section>{{end}}
{{template "foot"}}{{end}}
{{define "show"}}{{template "head" .B.Title}}
<h1>{{.B.Title}}</h1>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<p>Trạng thái: <strong>{{.B.Status.Label}}</strong>{{if .B.NeedsReview}} — cần xem xét lại (phát khẩn cấp không qua duyệt){{end}} · Mức: {{priority .B.Priority}} · Tin nhắn: {{if .B.SMSPlain}}không dấu{{else}}có dấu{{end}}</p>
<p>{{.B.Body}}</p>
<p>Xã, phường: {{range $i, $c := .B.Communes}}{{if $i}}, {{end}}{{$c}}{{end}}{{with .B.Villages}} · Thôn, bản: {{.}}{{end}}</p>
<h2>Phạm vi và chi phí dự kiến</h2>
<p>{{.R.Residents}} người nhận: {{.R.ZNS}} qua Zalo, {{.R.SMS}} qua tin nhắn ({{.R.Encoding}}, {{.R.Segments}} phần), {{.R.Email}} qua thư điện tử, {{.R.Loudspeaker}} chương trình loa. Chi phí dự kiến: {{money .R.Cost}}.</p>
<form method="post" action="/outreach/bulletins/{{.B.ID}}/submit" class="inline"><button type="submit">Trình duyệt</button></form>
<form method="post" action="/outreach/bulletins/{{.B.ID}}/approve" class="inline"><button type="submit">Duyệt</button></form>
<form method="post" action="/outreach/bulletins/{{.B.ID}}/send" class="inline"><button type="submit">Phát</button></form>
{{if eq .B.Priority 2}}<form method="post" action="/outreach/bulletins/{{.B.ID}}/emergency" class="inline"><button type="submit">Phát khẩn cấp ngay</button></form>{{end}}
<form method="post" action="/outreach/bulletins/{{.B.ID}}/cancel" class="inline"><button type="submit">Huỷ</button></form>
<h2 id="audio">Bản ghi âm</h2>
<p>{{range .B.AudioLangs}}<a href="/api/v1/bulletins/{{$.B.ID}}/audio?lang={{.}}">{{.}}</a> {{else}}Chưa có bản ghi âm: loa đọc bằng giọng tổng hợp tiếng Việt.{{end}}</p>
<form method="post" action="/outreach/bulletins/{{.B.ID}}/audio" enctype="multipart/form-data" aria-labelledby="audio">
<p><label for="lang">Ngôn ngữ</label> <select id="lang" name="lang">{{range .Langs}}<option value="{{.Code}}">{{.Name}} ({{.Script}})</option>{{end}}</select>
<label for="file">Tệp âm thanh (Ogg/Opus, MP3, WAV, M4A; tối đa 1 MB)</label> <input type="file" id="file" name="file" accept="audio/*" required>
<button type="submit">Tải lên</button></p></form>
{{with .D}}<h2>Kết quả gửi</h2>
<p>{{range $ch, $m := .Counts}}{{$ch}}: {{range $st, $n := $m}}{{$st}} {{$n}} {{end}}· {{end}}Chi phí: {{money .Cost}}</p>
<table><caption>Lượt gửi (lỗi trước)</caption><thead><tr><th scope="col">Kênh</th><th scope="col">Xã</th><th scope="col">Số máy</th><th scope="col">Trạng thái</th><th scope="col">Lần thử</th><th scope="col">Lý do</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Channel}}</td><td>{{.CommuneCode}}</td><td>{{.Phone}}</td><td>{{.Status}}</td><td>{{.Attempts}}</td><td>{{.Error}}</td></tr>{{end}}</tbody></table>{{end}}
{{template "foot"}}{{end}}
{{define "residents"}}{{template "head" "Người nhận tin"}}
<h1>Người nhận tin của xã</h1>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<table><caption>Người đăng ký</caption><thead><tr><th scope="col">Số máy</th><th scope="col">Ngôn ngữ</th><th scope="col">Thôn</th><th scope="col">Zalo</th><th scope="col">Trạng thái</th><th scope="col">Đồng ý lúc</th><th scope="col">Rút lại lúc</th></tr></thead>
<tbody>{{range .List}}<tr><td>{{.Phone}}</td><td>{{.Lang}}</td><td>{{.Village}}</td><td>{{if .Zalo}}có{{end}}</td><td>{{.Status}}</td><td>{{date .ConsentAt}}</td><td>{{if not .WithdrawnAt.IsZero}}{{date .WithdrawnAt}}{{end}}</td></tr>{{else}}<tr><td colspan="7">Chưa có người đăng ký.</td></tr>{{end}}</tbody></table>
<h2 id="reg">Đăng ký cho người dân (đã đồng ý trực tiếp)</h2>
<form method="post" action="/outreach/residents" aria-labelledby="reg">
<p><label for="phone">Số di động</label> <input id="phone" name="phone" required inputmode="tel" maxlength="20"></p>
<p><label for="lang">Ngôn ngữ</label> <select id="lang" name="lang">{{range .Langs}}<option value="{{.Code}}">{{.Name}}</option>{{end}}</select></p>
<p><label for="village">Thôn, bản</label> <input id="village" name="village" maxlength="200"></p>
<p><input type="checkbox" id="zalo" name="zalo" value="1"> <label for="zalo">Dùng Zalo và đồng ý nhận tin qua Zalo</label></p>
<p><label for="purpose">Mục đích đã nêu khi xin đồng ý</label><br><input id="purpose" name="purpose" size="60" maxlength="500" value="Nhận bản tin, thông báo của chính quyền xã"></p>
<p><button type="submit">Đăng ký</button></p></form>
{{template "foot"}}{{end}}
{{define "stats"}}{{template "head" "Thống kê"}}
<h1>Thống kê bản tin</h1>
<p>{{.S.Bulletins}} bản tin đã phát, {{.S.Residents}} người đang nhận tin. <a href="/outreach/stats?format=xlsx">Tải bảng tính (xlsx)</a></p>
<table><caption>Theo tháng, xã, kênh và ngôn ngữ</caption><thead><tr><th scope="col">Tháng</th><th scope="col">Xã</th><th scope="col">Kênh</th><th scope="col">Ngôn ngữ</th><th scope="col">Tổng</th><th scope="col">Đã gửi</th><th scope="col">Lỗi</th><th scope="col">Chờ</th><th scope="col">Chi phí</th></tr></thead>
<tbody>{{range .S.Rows}}<tr><td>{{.Month}}</td><td>{{.Commune}}</td><td>{{.Channel}}</td><td>{{.Lang}}</td><td>{{.Total}}</td><td>{{.Delivered}}</td><td>{{.Failed}}</td><td>{{.Queued}}</td><td>{{money .Cost}}</td></tr>{{else}}<tr><td colspan="9">Chưa có lượt gửi.</td></tr>{{end}}</tbody></table>
<h2>Lỗi theo lý do</h2><ul>{{range $r, $n := .S.Failures}}<li>{{$r}}: {{$n}}</li>{{else}}<li>Không có.</li>{{end}}</ul>
{{template "foot"}}{{end}}`))

func (p *OutreachOffice) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := officeTmpl.ExecuteTemplate(&buf, name, data); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
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
	p.render(w, r, status, "list", d)
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
			p.listPage(w, r, a, httpx.Status(err), outreachListData{Form: f, Error: apperr.MessageOf(err)})
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
		p.listPage(w, r, a, httpx.Status(err), outreachListData{Form: f, Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/outreach/bulletins/"+strconv.FormatInt(b.ID, 10), http.StatusSeeOther)
}

func (p *OutreachOffice) show(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.showPage(w, r, a, http.StatusOK, "")
}

func (p *OutreachOffice) showPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, msg string) {
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
	p.render(w, r, status, "show", map[string]any{"B": b, "R": reach, "D": d, "Error": msg, "Langs": p.svc.Languages()})
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
		p.showPage(w, r, a, httpx.Status(err), apperr.MessageOf(err))
		return
	}
	http.Redirect(w, r, "/outreach/bulletins/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (p *OutreachOffice) residents(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.residentsPage(w, r, a, http.StatusOK, "")
}

func (p *OutreachOffice) residentsPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, msg string) {
	list, err := p.svc.Residents(r.Context(), a, a.AgencyID)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	p.render(w, r, status, "residents", map[string]any{"List": list, "Langs": p.svc.Languages(), "Error": msg})
}

func (p *OutreachOffice) register(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	_, err := p.svc.RegisterResident(r.Context(), a, outreach.Subscription{Phone: trimmed(r, "phone"), Lang: trimmed(r, "lang"),
		Village: trimmed(r, "village"), Zalo: r.PostFormValue("zalo") == "1", Purpose: trimmed(r, "purpose")})
	if err != nil {
		p.residentsPage(w, r, a, httpx.Status(err), apperr.MessageOf(err))
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
	p.render(w, r, http.StatusOK, "stats", map[string]any{"S": st})
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
		p.showPage(w, r, a, http.StatusBadRequest, "Chưa chọn tệp âm thanh, hoặc tệp lớn hơn 1 MB")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, outreach.MaxAudioBytes+1))
	if err == nil {
		err = p.svc.PutAudio(r.Context(), a, id, r.PostFormValue("lang"), data)
	}
	if err != nil {
		p.showPage(w, r, a, httpx.Status(err), apperr.MessageOf(err))
		return
	}
	http.Redirect(w, r, "/outreach/bulletins/"+strconv.FormatInt(id, 10)+"#audio", http.StatusSeeOther)
}
