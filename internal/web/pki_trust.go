package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

type trustData struct {
	Trusted []pki.TrustedCert
	Label   string
	Notice  string // catalog key
	Added   int
	Error   string
}

// maxTrustFile bounds an uploaded certificate bundle.
const maxTrustFile = 256 << 10

// trust lists the trust store (the roots and intermediates signatures are
// validated against, besides our own CA) with import and remove forms.
func (p *Signatures) trust(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	d := trustData{}
	switch r.URL.Query().Get("ok") {
	case "imported":
		d.Notice = "pki.trust.imported"
	case "removed":
		d.Notice = "pki.trust.removed"
	}
	p.trustPage(w, r, a, http.StatusOK, d)
}

func (p *Signatures) trustPage(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d trustData) {
	// The page is the form that changes the trusted roots (anyone reads
	// them on the verification page), also when shown again after a
	// refused import.
	if err := access.Authorize(r.Context(), a, access.PKITrustStoreEdit, access.Resource{Type: "truststore"}); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	list, err := p.pki.ListTrusted(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Trusted = list
	p.rd.render(w, r, status, "pki_trust", "pki.trust.title", d)
}

// trustImport adds the certificates of an uploaded PEM or DER file, or of
// pasted PEM text, under a label.
func (p *Signatures) trustImport(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	up, err := readUpload(r, map[string]int64{"file": maxTrustFile})
	var data []byte
	label := ""
	if err == nil {
		label = up.value("label")
		data = up.files["file"]
		if len(data) == 0 {
			data = []byte(up.value("pem"))
		}
		if len(data) == 0 {
			err = apperr.FieldError("file", "Hãy chọn tệp chứng thư (PEM hoặc DER) hoặc dán nội dung PEM")
		}
	}
	if err == nil {
		_, err = p.pki.ImportTrusted(r.Context(), a, data, label)
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) {
			p.rd.errorPage(w, r, err)
			return
		}
		p.trustPage(w, r, a, httpx.Status(err), trustData{Label: label, Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/admin/pki/trust?ok=imported", http.StatusSeeOther)
}

// trustRemove removes a trusted certificate by its SHA-256 fingerprint.
func (p *Signatures) trustRemove(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := p.pki.RemoveTrusted(r.Context(), a, r.PathValue("fingerprint")); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/pki/trust?ok=removed", http.StatusSeeOther)
}
