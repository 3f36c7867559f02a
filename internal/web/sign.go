package web

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

type signData struct {
	Certs  []certChoice
	Levels []string
	MaxMB  int
	Error  string
	Form   signForm
}

// certChoice is one certificate the official may sign with.
type certChoice struct {
	Serial   string
	Name     string // subject common name
	Org      string // subject organisation
	Seal     bool
	NotAfter time.Time
	Checked  bool
}

type signForm struct {
	Serial, Level, Reason, Location, Title, Page string
	Invisible                                    bool
}

func (p *Signatures) signPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d signData) {
	certs, err := p.sign.SigningCertificates(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Form.Level == "" {
		d.Form.Level = string(pdfsign.LevelBT)
	}
	for i, c := range certs {
		cc := certChoice{Serial: c.Serial, Name: c.X509.Subject.CommonName, Seal: c.Profile == "seal", NotAfter: c.NotAfter,
			Checked: c.Serial == d.Form.Serial || (d.Form.Serial == "" && i == 0)}
		if o := c.X509.Subject.Organization; len(o) > 0 {
			cc.Org = o[0]
		}
		d.Certs = append(d.Certs, cc)
	}
	d.Levels = []string{string(pdfsign.LevelBB), string(pdfsign.LevelBT), string(pdfsign.LevelBLT), string(pdfsign.LevelBLTA)}
	d.MaxMB = signing.MaxPDFSize >> 20
	p.rd.render(w, r, status, "sign", "sign.title", d)
}

// signForm is the signing page: an official uploads a PDF and signs it
// with their own certificate, or a clerk seals it with the agency's.
func (p *Signatures) signForm(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	p.signPage(w, r, a, http.StatusOK, signData{})
}

// signPost signs the uploaded PDF and sends the signed file back as a
// download. Nothing is stored; the signature is audited by the service.
func (p *Signatures) signPost(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	up, err := readUpload(r, map[string]int64{"file": signing.MaxPDFSize, "image": signing.MaxImageSize})
	if err != nil {
		p.signFail(w, r, a, signForm{}, err)
		return
	}
	f := signForm{Serial: up.value("certificate"), Level: up.value("level"), Reason: up.value("reason"), Location: up.value("location"),
		Title: up.value("title"), Page: up.value("page"), Invisible: up.value("appearance") == "invisible"}
	req := signing.SignRequest{PDF: up.files["file"], Serial: f.Serial, Level: pdfsign.Level(f.Level), Reason: f.Reason, Location: f.Location,
		Title: f.Title, Invisible: f.Invisible, Image: up.files["image"]}
	if f.Page != "" {
		n, err := strconv.Atoi(f.Page)
		if err != nil || n < 1 {
			p.signFail(w, r, a, f, apperr.FieldError("page", "Số trang phải là số nguyên dương"))
			return
		}
		req.Page = n
	}
	if len(req.Reason) > 200 || len(req.Location) > 200 || len(req.Title) > 200 {
		p.signFail(w, r, a, f, apperr.New(apperr.Invalid, "Lý do, nơi ký và chức vụ tối đa 200 ký tự"))
		return
	}
	signed, err := p.sign.Sign(r.Context(), a, req)
	if err != nil {
		p.signFail(w, r, a, f, err)
		return
	}
	name := signedName(up.names["file"])
	w.Header().Set("Content-Type", "application/pdf")
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, locale.Fold(name))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name)))
	w.Header().Set("Content-Length", strconv.Itoa(len(signed.PDF)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Signature-Level", string(signed.Result.Level))
	_, _ = w.Write(signed.PDF)
}

func (p *Signatures) signFail(w http.ResponseWriter, r *http.Request, a *actor.Actor, f signForm, err error) {
	httpx.LogError(r, httpx.Status(err), err)
	if apperr.Is(err, apperr.Unauthorized) {
		p.rd.errorPage(w, r, err)
		return
	}
	p.signPage(w, r, a, httpx.Status(err), signData{Error: apperr.MessageOf(err), Form: f})
}

// signedName is the download name: the uploaded name with "-da-ky"
// before the extension.
func signedName(uploaded string) string {
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(uploaded, `\`, "/")), path.Ext(uploaded))
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '/' || r == 0x7f {
			return -1
		}
		return r
	}, base)
	if base == "" || base == "." {
		base = "tai-lieu"
	}
	if len(base) > 120 {
		base = base[:120]
	}
	return base + "-da-ky.pdf"
}
