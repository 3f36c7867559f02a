package pdfsign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// RevocationData is revocation evidence for one certificate: DER
// OCSPResponse objects (the full response) and/or DER CRLs.
type RevocationData struct {
	OCSP [][]byte
	CRLs [][]byte
}

// RevocationSource fetches revocation data. The HTTP implementation asks the
// OCSP responders named in the certificate's AIA extension, then its CRL
// distribution points; the pki package can offer an in-process one.
type RevocationSource interface {
	// Revocation returns current revocation data for cert, issued by issuer.
	Revocation(ctx context.Context, cert, issuer *x509.Certificate) (*RevocationData, error)
}

// HTTPRevocationSource fetches OCSP responses (AIA) and CRLs (CDP) over
// HTTP with a bounded time per request.
type HTTPRevocationSource struct {
	Client    *http.Client
	Timeout   time.Duration // per request; default 10 s
	PreferCRL bool          // try CRLs before OCSP
}

const maxRevocationResponse = 32 << 20

// Revocation implements RevocationSource.
func (s *HTTPRevocationSource) Revocation(ctx context.Context, cert, issuer *x509.Certificate) (*RevocationData, error) {
	var errs []error
	tryOCSP := func() *RevocationData {
		for _, u := range cert.OCSPServer {
			der, err := s.fetchOCSP(ctx, u, cert, issuer)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			return &RevocationData{OCSP: [][]byte{der}}
		}
		return nil
	}
	tryCRL := func() *RevocationData {
		for _, u := range cert.CRLDistributionPoints {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				continue
			}
			der, err := s.fetchCRL(ctx, u, issuer)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			return &RevocationData{CRLs: [][]byte{der}}
		}
		return nil
	}
	order := []func() *RevocationData{tryOCSP, tryCRL}
	if s.PreferCRL {
		order[0], order[1] = order[1], order[0]
	}
	for _, f := range order {
		if d := f(); d != nil {
			return d, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, errNoRevocationSource
	}
	return nil, errors.Join(errs...)
}

var errNoRevocationSource = errors.New("certificate names no OCSP responder or CRL distribution point")

func (s *HTTPRevocationSource) do(ctx context.Context, req *http.Request) ([]byte, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered HTTP %d", req.URL, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRevocationResponse+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRevocationResponse {
		return nil, fmt.Errorf("%s: response too large", req.URL)
	}
	return b, nil
}

func (s *HTTPRevocationSource) fetchOCSP(ctx context.Context, url string, cert, issuer *x509.Certificate) ([]byte, error) {
	reqDER, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(reqDER))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	der, err := s.do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	if _, err := ocsp.ParseResponseForCert(der, cert, issuer); err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	return der, nil
}

func (s *HTTPRevocationSource) fetchCRL(ctx context.Context, url string, issuer *x509.Certificate) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	der, err := s.do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	if blk, _ := pem.Decode(der); blk != nil {
		der = blk.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	return der, nil
}

// revStatus is the outcome of checking one certificate's revocation.
type revStatus string

const (
	revGood    revStatus = "GOOD"
	revRevoked revStatus = "REVOKED"
	revUnknown revStatus = "UNKNOWN"
)

type revResult struct {
	status     revStatus
	source     string    // "OCSP" or "CRL"
	issued     time.Time // OCSP producedAt / CRL thisUpdate
	thisUpdate time.Time
	revokedAt  time.Time
	responder  *x509.Certificate // delegated OCSP responder, if any
}

// evalOCSP checks an OCSPResponse for cert. ok=false if it is not about
// cert or its signature does not verify.
func evalOCSP(der []byte, cert, issuer *x509.Certificate) (revResult, bool) {
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil || resp.SerialNumber == nil || resp.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return revResult{}, false
	}
	if rc := resp.Certificate; rc != nil && !bytes.Equal(rc.Raw, issuer.Raw) {
		ok := false
		for _, eku := range rc.ExtKeyUsage {
			if eku == x509.ExtKeyUsageOCSPSigning {
				ok = true
			}
		}
		if !ok {
			return revResult{}, false
		}
	}
	r := revResult{source: "OCSP", issued: resp.ProducedAt, thisUpdate: resp.ThisUpdate, responder: resp.Certificate}
	switch resp.Status {
	case ocsp.Good:
		r.status = revGood
	case ocsp.Revoked:
		r.status = revRevoked
		r.revokedAt = resp.RevokedAt
	default:
		r.status = revUnknown
	}
	return r, true
}

// evalCRL checks a DER CRL for cert. ok=false if the CRL is not from
// issuer or its signature does not verify.
func evalCRL(der []byte, cert, issuer *x509.Certificate) (revResult, bool) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil || !bytes.Equal(crl.RawIssuer, issuer.RawSubject) || crl.CheckSignatureFrom(issuer) != nil {
		return revResult{}, false
	}
	r := revResult{status: revGood, source: "CRL", issued: crl.ThisUpdate, thisUpdate: crl.ThisUpdate}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			r.status = revRevoked
			r.revokedAt = e.RevocationTime
		}
	}
	return r, true
}

// checkRevocation finds the best evidence for cert among data: a REVOKED
// answer wins, else the most recent GOOD one.
func checkRevocation(data *RevocationData, cert, issuer *x509.Certificate) (revResult, bool) {
	var best revResult
	found := false
	consider := func(r revResult) {
		if r.status == revRevoked {
			if !found || best.status != revRevoked {
				best, found = r, true
			}
			return
		}
		if found && best.status == revRevoked {
			return
		}
		if !found || r.issued.After(best.issued) {
			best, found = r, true
		}
	}
	for _, d := range data.OCSP {
		if r, ok := evalOCSPCached(d, cert, issuer); ok {
			consider(r)
		}
	}
	for _, d := range data.CRLs {
		if r, ok := evalCRLCached(d, cert, issuer); ok {
			consider(r)
		}
	}
	return best, found
}

// hasNoCheck reports whether an OCSP responder certificate carries
// id-pkix-ocsp-nocheck (its own revocation need not be checked).
func hasNoCheck(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.String() == "1.3.6.1.5.5.7.48.1.5" {
			return true
		}
	}
	return false
}

// needsRevocation reports whether a certificate can be checked at all.
func needsRevocation(c *x509.Certificate) bool {
	return len(c.OCSPServer) > 0 || len(c.CRLDistributionPoints) > 0
}
