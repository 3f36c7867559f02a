package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

type verifyData struct {
	MaxMB   int
	File    string // the uploaded file's name
	Report  *reportView
	Error   string
	Trusted []pki.TrustedCert
	CAs     []pki.CA
}

// reportView is a validation report with times and sizes formatted for
// people (Vietnam time, seconds shown: signatures are ordered by them).
type reportView struct {
	Indication     string
	Passed         bool
	ValidationTime string
	Size           string
	SHA256         string
	Revisions      int
	Signatures     []signatureView
}

type signatureView struct {
	Index                  int
	Timestamp              bool // a document time-stamp, not a signature
	Field, SubFilter       string
	Level                  string
	Indication, Sub        string
	Passed                 bool
	Signer, Issuer         string
	Validity               string
	Claimed, Best          string
	Digest                 string
	Integrity, CertMatch   bool
	Whole                  bool
	SignedRevision         int
	Chain                  []string
	Timestamps             []timestampView
	Revocation             []revocationView
	Changes                []pdfsign.Change
	Errors, Warnings       []string
	ByteRange              string
	HasSigner, HasCertInfo bool
}

type timestampView struct {
	Document bool
	Time     string
	TSA      string
	Valid    bool
	Error    string
}

type revocationView struct {
	Certificate, Status, Source, Origin string
	IssuedAt, RevokedAt                 string
}

// exactTime formats t in Vietnam time with seconds.
func exactTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(locale.VN).Format("15:04:05 02/01/2006") + " (UTC+7)"
}

func exactTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return exactTime(*t)
}

func newReportView(r *pdfsign.Report) *reportView {
	v := &reportView{Indication: string(r.Indication), Passed: r.Indication == pdfsign.TotalPassed,
		ValidationTime: exactTime(r.ValidationTime), Size: strconv.FormatInt(r.DocumentSize, 10), SHA256: r.DocumentSHA256, Revisions: r.Revisions}
	for _, s := range r.Signatures {
		sv := signatureView{Index: s.Index, Timestamp: s.Type == "document-timestamp", Field: s.FieldName, SubFilter: s.SubFilter,
			Level: s.Level, Indication: string(s.Indication), Sub: string(s.SubIndication), Passed: s.Indication == pdfsign.TotalPassed,
			Claimed: exactTimePtr(s.ClaimedSigningTime), Best: exactTime(s.BestSignatureTime), Digest: s.DigestAlgorithm,
			Integrity: s.IntegrityValid, CertMatch: s.SigningCertificateMatch, Whole: s.CoversWholeDocument, SignedRevision: s.SignedRevision,
			Changes: s.LaterChanges, Errors: s.Errors, Warnings: s.Warnings,
			ByteRange: strconv.FormatInt(s.ByteRange[0], 10) + " " + strconv.FormatInt(s.ByteRange[1], 10) + " " +
				strconv.FormatInt(s.ByteRange[2], 10) + " " + strconv.FormatInt(s.ByteRange[3], 10)}
		if s.Signer != nil {
			sv.HasSigner = true
			sv.Signer, sv.Issuer = s.Signer.Subject, s.Signer.Issuer
			sv.Validity = exactTime(s.Signer.NotBefore) + " – " + exactTime(s.Signer.NotAfter)
		}
		for _, c := range s.Chain {
			sv.Chain = append(sv.Chain, c.Subject)
		}
		for _, t := range s.Timestamps {
			sv.Timestamps = append(sv.Timestamps, timestampView{Document: t.Type == "document-timestamp", Time: exactTime(t.Time), TSA: t.TSA, Valid: t.Valid, Error: t.Error})
		}
		for _, rv := range s.Revocation {
			sv.Revocation = append(sv.Revocation, revocationView{Certificate: rv.Certificate, Status: rv.Status, Source: rv.Source, Origin: rv.Origin,
				IssuedAt: exactTimePtr(rv.IssuedAt), RevokedAt: exactTimePtr(rv.RevokedAt)})
		}
		v.Signatures = append(v.Signatures, sv)
	}
	return v
}

func (p *Signatures) verifyPage(w http.ResponseWriter, r *http.Request, status int, d verifyData) {
	d.MaxMB = signing.MaxPDFSize >> 20
	// Both lists are public (access.PKICARead, access.PKITrustStoreRead).
	a := actor.From(r.Context())
	d.CAs, _ = p.pki.CAs(r.Context(), a)
	d.Trusted, _ = p.pki.ListTrusted(r.Context(), a)
	p.rd.render(w, r, status, "verify", "verify.title", d)
}

// verifyForm is the public verification page: anyone uploads a PDF.
func (p *Signatures) verifyForm(w http.ResponseWriter, r *http.Request) {
	p.verifyPage(w, r, http.StatusOK, verifyData{})
}

// verify validates the uploaded PDF and shows the report. The file is
// read in memory and forgotten with the response.
func (p *Signatures) verify(w http.ResponseWriter, r *http.Request) {
	up, err := readUpload(r, map[string]int64{"file": signing.MaxPDFSize})
	var rep *pdfsign.Report
	if err == nil {
		rep, err = p.sign.Verify(r.Context(), actor.From(r.Context()), up.files["file"])
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.verifyPage(w, r, httpx.Status(err), verifyData{Error: apperr.MessageOf(err)})
		return
	}
	p.verifyPage(w, r, http.StatusOK, verifyData{File: up.names["file"], Report: newReportView(rep)})
}
