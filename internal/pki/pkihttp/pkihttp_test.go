package pkihttp_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	f, err := pkitest.Setup(ctx, dbtest.SQLite(t), t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.IssueOfficial(ctx, "Ngô Thị Lan", "CCCD:9")
	if err != nil {
		t.Fatal(err)
	}
	issuer := f.Init.Issuing.Certificate
	plain := pkitest.OCSPRequest(c.X509, issuer, false)
	b64 := base64.StdEncoding.EncodeToString(plain)

	tests := []struct {
		name, method, target, ctype string
		body                        []byte
		status                      int
		wantType                    string
		check                       func(t *testing.T, resp *http.Response, body []byte)
	}{
		{name: "OCSP POST", method: "POST", target: "/pki/ocsp", ctype: "application/ocsp-request", body: plain, status: 200,
			wantType: "application/ocsp-response", check: ocspGood(c.X509.SerialNumber.String(), issuer)},
		{name: "OCSP GET escaped", method: "GET", target: "/pki/ocsp/" + url.PathEscape(b64), status: 200,
			wantType: "application/ocsp-response", check: func(t *testing.T, resp *http.Response, body []byte) {
				ocspGood(c.X509.SerialNumber.String(), issuer)(t, resp, body)
				if !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
					t.Errorf("GET answer not cacheable: %q", resp.Header.Get("Cache-Control"))
				}
			}},
		{name: "OCSP GET query-escaped", method: "GET", target: "/pki/ocsp/" + url.QueryEscape(b64), status: 200,
			wantType: "application/ocsp-response", check: ocspGood(c.X509.SerialNumber.String(), issuer)},
		{name: "OCSP garbage", method: "POST", target: "/pki/ocsp", body: []byte("xin chào"), status: 200,
			wantType: "application/ocsp-response", check: func(t *testing.T, resp *http.Response, body []byte) {
				if _, err := ocsp.ParseResponse(body, nil); err != (ocsp.ResponseError{Status: ocsp.Malformed}) {
					t.Errorf("garbage: %v", err)
				}
			}},
		{name: "OCSP bad base64", method: "GET", target: "/pki/ocsp/%%%", status: 400},
		{name: "OCSP bad base64 2", method: "GET", target: "/pki/ocsp/@@@", status: 200, wantType: "application/ocsp-response"},
		{name: "TSA", method: "POST", target: "/pki/tsa", ctype: "application/timestamp-query", body: pkitest.TSAQuery([]byte("x"), 0, nil, true),
			status: 200, wantType: "application/timestamp-reply", check: func(t *testing.T, _ *http.Response, body []byte) {
				if len(body) < 500 || body[4] != 0x30 || !bytes.Contains(body[:12], []byte{0x02, 0x01, 0x00}) {
					t.Errorf("not a granted answer: % x", body[:12])
				}
			}},
		{name: "TSA garbage is a rejection, not a 500", method: "POST", target: "/pki/tsa", ctype: "application/timestamp-query", body: []byte{0x30, 0x01},
			status: 200, wantType: "application/timestamp-reply", check: func(t *testing.T, _ *http.Response, body []byte) {
				if !bytes.Contains(body, []byte{0x02, 0x01, 0x02}) {
					t.Errorf("not a rejection: % x", body)
				}
			}},
		{name: "TSA wrong content type", method: "POST", target: "/pki/tsa", ctype: "text/plain", body: []byte("x"), status: 415},
		{name: "CRL", method: "GET", target: "/pki/crl/issuing.crl", status: 200, wantType: "application/pkix-crl"},
		{name: "CRL unknown CA", method: "GET", target: "/pki/crl/khong-co.crl", status: 404},
		{name: "CRL wrong suffix", method: "GET", target: "/pki/crl/issuing.pem", status: 404},
		{name: "CA DER", method: "GET", target: "/pki/ca/root.crt", status: 200, wantType: "application/pkix-cert"},
		{name: "CA PEM", method: "GET", target: "/pki/ca/issuing.pem", status: 200, wantType: "application/x-pem-file"},
		{name: "CA unknown", method: "GET", target: "/pki/ca/khac.crt", status: 404},
	}
	srv := httptest.NewServer(f.Handler)
	defer srv.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.target, bytes.NewReader(tc.body))
			if err != nil {
				if tc.status == 400 {
					return // the client refuses to send it: fine
				}
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.wantType != "" && resp.Header.Get("Content-Type") != tc.wantType {
				t.Fatalf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tc.wantType)
			}
			if tc.check != nil {
				tc.check(t, resp, body)
			}
		})
	}
}

func ocspGood(serial string, issuer *x509.Certificate) func(t *testing.T, resp *http.Response, body []byte) {
	return func(t *testing.T, resp *http.Response, body []byte) {
		t.Helper()
		r, err := ocsp.ParseResponse(body, issuer)
		if err != nil || r.Status != ocsp.Good || r.SerialNumber.String() != serial {
			t.Errorf("OCSP answer: %v", err)
		}
	}
}
