package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

var modules = []db.Migrations{audit.Migrations, pki.Migrations}

func countAudit(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_entries WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func csrPEM(t *testing.T, cn string) []byte {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestLifecycleOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://dichvucong.quangtri.gov.vn", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svc := f.Service
		if countAudit(t, d, "pki.ca.init") != 1 {
			t.Fatal("CA init not audited")
		}
		if _, err := svc.Init(ctx, f.Actor, pki.InitRequest{Organization: "Khác"}); !errors.Is(err, pki.ErrAlreadyInitialized) || apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second Init: %v", err)
		}

		// Official from a platform key; seal from a CSR.
		off, err := f.IssueOfficial(ctx, "Lê Văn Cường", "CCCD:045089009999")
		if err != nil {
			t.Fatal(err)
		}
		if off.KeyRef == "" || off.X509.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
			t.Fatalf("official certificate: key %q usage %v", off.KeyRef, off.X509.KeyUsage)
		}
		code := "000.00.00.H48-long-code-beyond-20-chars"
		f.Directory.SetAgency(3, pki.Subject{CommonName: "Sở Tư pháp tỉnh Quảng Trị", AgencyCode: code, Email: "stp@quangtri.gov.vn"})
		seal, err := svc.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "seal", CSR: csrPEM(t, "ignored"), AgencyID: 3})
		if err != nil {
			t.Fatal(err)
		}
		if seal.KeyRef != "" || seal.UID != code || seal.X509.Subject.Organization[0] != "Sở Tư pháp tỉnh Quảng Trị" || seal.X509.EmailAddresses[0] != "stp@quangtri.gov.vn" {
			t.Fatalf("seal certificate: %+v", seal)
		}
		ta, err := svc.Trust(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := seal.X509.Verify(ta.VerifyOptions(clock.Now())); err != nil {
			t.Fatalf("seal does not chain to our root: %v", err)
		}

		// The platform-held key signs, and matches its certificate.
		signer, cert, chain, err := svc.Signer(ctx, f.Holder, off.Serial)
		if err != nil || !cert.PublicKey.(*ecdsa.PublicKey).Equal(signer.Public()) || len(chain) != 2 {
			t.Fatalf("Signer: %v", err)
		}

		// Renew with a new key; the old one stays valid unless asked.
		ren, err := svc.Renew(ctx, f.Actor, off.Serial, pki.RenewRequest{RevokeOld: true})
		if err != nil {
			t.Fatal(err)
		}
		if ren.RenewedFrom != off.ID || ren.KeyRef == off.KeyRef || ren.X509.Subject.String() != off.X509.Subject.String() {
			t.Fatalf("renewed: %+v", ren)
		}
		old, err := svc.Certificate(ctx, f.Actor, off.Serial)
		if err != nil || !old.Revoked || old.RevocationReason != pki.ReasonSuperseded {
			t.Fatalf("old certificate after renewal with RevokeOld: %+v %v", old, err)
		}

		// Revoke, then revoke again.
		crlBefore := count(t, d, "pki_crls")
		if _, err := svc.Revoke(ctx, f.Actor, seal.Serial, pki.ReasonCessationOfOperation, "sáp nhập"); err != nil {
			t.Fatal(err)
		}
		if count(t, d, "pki_crls") != crlBefore+1 {
			t.Fatal("revocation did not issue a CRL")
		}
		auditBefore := countAudit(t, d, "pki.cert.revoke")
		_, err = svc.Revoke(ctx, f.Actor, seal.Serial, pki.ReasonKeyCompromise, "")
		if !errors.Is(err, pki.ErrAlreadyRevoked) || apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("revoke twice: %v", err)
		}
		if countAudit(t, d, "pki.cert.revoke") != auditBefore || count(t, d, "pki_crls") != crlBefore+1 {
			t.Fatal("a refused revocation wrote something")
		}
		crlDER, _, err := svc.CRL(ctx, "issuing")
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(crlDER)
		if err != nil || crl.CheckSignatureFrom(f.Init.Issuing.Certificate) != nil || len(crl.RevokedCertificateEntries) != 2 {
			t.Fatalf("CRL: %v, %d entries", err, len(crl.RevokedCertificateEntries))
		}

		// OCSP: pre-signed and nonce answers, parsed by x/crypto/ocsp.
		for _, c := range []struct {
			cert   *x509.Certificate
			status int
		}{{ren.X509, ocsp.Good}, {seal.X509, ocsp.Revoked}} {
			for _, nonce := range []bool{false, true} {
				der, ans := svc.RespondOCSP(ctx, pkitest.OCSPRequest(c.cert, f.Init.Issuing.Certificate, nonce))
				r, err := ocsp.ParseResponseForCert(der, c.cert, f.Init.Issuing.Certificate)
				if err != nil || r.Status != c.status || ans.Nonce != nonce {
					t.Fatalf("OCSP %s nonce=%v: %v status %d", c.cert.Subject.CommonName, nonce, err, r.Status)
				}
			}
		}
		// An unknown serial of our CA is "unknown"; a foreign issuer is unauthorized.
		fake := *ren.X509
		fake.SerialNumber = fake.SerialNumber.Add(fake.SerialNumber, fake.SerialNumber)
		der, _ := svc.RespondOCSP(ctx, pkitest.OCSPRequest(&fake, f.Init.Issuing.Certificate, false))
		if r, err := ocsp.ParseResponse(der, f.Init.Issuing.Certificate); err != nil || r.Status != ocsp.Unknown {
			t.Fatalf("unknown serial: %v", err)
		}
		der, _ = svc.RespondOCSP(ctx, pkitest.OCSPRequest(ren.X509, ren.X509, false))
		if _, err := ocsp.ParseResponse(der, nil); !errors.Is(err, ocsp.ResponseError{Status: ocsp.Unauthorized}) {
			t.Fatalf("foreign issuer: %v", err)
		}
		der, _ = svc.RespondOCSP(ctx, []byte("rác"))
		if _, err := ocsp.ParseResponse(der, nil); !errors.Is(err, ocsp.ResponseError{Status: ocsp.Malformed}) {
			t.Fatalf("garbage: %v", err)
		}

		// TSA serials are unique and increasing.
		var last int64
		for i := 0; i < 3; i++ {
			_, ans := svc.RespondTSA(ctx, pkitest.TSAQuery([]byte("x"), 0, nil, true))
			if !ans.Granted || ans.Serial.Int64() <= last {
				t.Fatalf("TSA answer %d: %+v", i, ans)
			}
			last = ans.Serial.Int64()
		}

		// Listing and audit of every change.
		list, err := svc.List(ctx, f.Actor, pki.ListFilter{Profile: "official"})
		if err != nil || len(list) != 2 {
			t.Fatalf("List official: %d, %v", len(list), err)
		}
		if countAudit(t, d, "pki.cert.issue") != 2 || countAudit(t, d, "pki.cert.renew") != 1 || countAudit(t, d, "pki.cert.revoke") != 2 {
			t.Fatal("issue/renew/revoke not all audited")
		}
	})
}

func TestBadInputIsRefusedWithoutWrites(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svc := f.Service
		certs, keys, audits := count(t, d, "pki_certificates"), count(t, d, "pki_keys"), count(t, d, "audit_entries")
		corrupt := csrPEM(t, "x")
		corrupt[len(corrupt)/2] ^= 0x01
		// The directory's records decide the subject: one without a staff
		// code and one with a malformed country are refused like bad input.
		f.Directory.SetOfficial(50, 1, pki.Subject{CommonName: "A", Organization: "B"})
		f.Directory.SetOfficial(51, 1, pki.Subject{CommonName: "A", Organization: "B", UID: "1", Country: "Việt Nam"})
		holder := f.Holder.AccountID
		tests := []struct {
			name string
			req  pki.IssueRequest
			code apperr.Code
			is   error
		}{
			{"corrupt CSR", pki.IssueRequest{Profile: "official", Holder: holder, CSR: corrupt}, apperr.Invalid, pki.ErrBadCSR},
			{"not a CSR", pki.IssueRequest{Profile: "official", Holder: holder, CSR: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}, apperr.Invalid, pki.ErrBadCSR},
			{"unknown CA", pki.IssueRequest{CA: "khong-co", Profile: "official", Holder: holder}, apperr.NotFound, pki.ErrUnknownCA},
			{"unknown profile", pki.IssueRequest{Profile: "vip", Holder: holder}, apperr.Invalid, pki.ErrUnknownProfile},
			{"service profile", pki.IssueRequest{Profile: "tsa", Holder: holder}, apperr.Invalid, pki.ErrUnknownProfile},
			{"missing UID", pki.IssueRequest{Profile: "official", Holder: 50}, apperr.Invalid, pki.ErrBadSubject},
			{"bad country", pki.IssueRequest{Profile: "official", Holder: 51}, apperr.Invalid, pki.ErrBadSubject},
			{"bad algorithm", pki.IssueRequest{Profile: "official", Holder: holder, Algorithm: "dsa-1024"}, apperr.Invalid, pki.ErrBadKey},
			{"nobody named", pki.IssueRequest{Profile: "official"}, apperr.Invalid, nil},
			{"unknown holder", pki.IssueRequest{Profile: "official", Holder: 999}, apperr.NotFound, nil},
			{"unknown agency", pki.IssueRequest{Profile: "seal", AgencyID: 999}, apperr.NotFound, nil},
			{"seal to a person", pki.IssueRequest{Profile: "seal", Holder: holder}, apperr.Invalid, nil},
			{"personal certificate to an agency", pki.IssueRequest{Profile: "official", AgencyID: 1}, apperr.Invalid, nil},
			{"holder outside the agency", pki.IssueRequest{Profile: "official", Holder: holder, AgencyID: 7}, apperr.Invalid, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := svc.Issue(ctx, f.Actor, tc.req)
				if apperr.CodeOf(err) != tc.code || (tc.is != nil && !errors.Is(err, tc.is)) {
					t.Fatalf("err = %v, want %s wrapping %v", err, tc.code, tc.is)
				}
				if apperr.MessageOf(err) == "" {
					t.Fatal("no Vietnamese message")
				}
			})
		}
		if _, err := svc.Revoke(ctx, f.Actor, "abcdef", pki.ReasonKeyCompromise, ""); !errors.Is(err, pki.ErrNotFound) {
			t.Fatalf("revoke unknown serial: %v", err)
		}
		if _, err := svc.Revoke(ctx, f.Actor, f.Init.TSA.Serial, pki.ReasonCertificateHold, ""); !errors.Is(err, pki.ErrBadReason) {
			t.Fatalf("certificateHold: %v", err)
		}
		if _, _, err := svc.CRL(ctx, "khong-co"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("CRL of unknown CA: %v", err)
		}
		if _, err := svc.Issue(ctx, nil, pki.IssueRequest{Profile: "official", Holder: f.Holder.AccountID}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("anonymous issue: %v", err)
		}
		if _, err := svc.Stamp(ctx, 0, []byte{1, 2}); !errors.Is(err, pki.ErrUnsupportedHash) {
			t.Fatalf("Stamp with no hash: %v", err)
		}
		if c, k, a := count(t, d, "pki_certificates"), count(t, d, "pki_keys"), count(t, d, "audit_entries"); c != certs || k != keys || a != audits {
			t.Fatalf("refused requests wrote rows: certs %d→%d keys %d→%d audit %d→%d", certs, c, keys, k, audits, a)
		}

		// Issuing from a revoked CA: revoke the issuing CA's certificate.
		if _, err := svc.Revoke(ctx, f.Actor, f.Init.Issuing.Serial, pki.ReasonCACompromise, "thử"); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "official", Holder: f.Holder.AccountID})
		if !errors.Is(err, pki.ErrCARevoked) || apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("issue from revoked CA: %v", err)
		}
		// And from an expired one: move the clock.
		later, err := pki.New(ctx, d, pki.Config{BaseURL: "https://cq.example.gov.vn", Keys: f.Keys, Audit: f.Audit, Directory: f.Directory,
			Now: func() time.Time { return clock.Now().Add(30 * 365 * 24 * time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		_, err = later.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "official", Holder: f.Holder.AccountID})
		if !errors.Is(err, pki.ErrCAExpired) {
			t.Fatalf("issue from expired CA: %v", err)
		}
		if n := count(t, d, "pki_keys"); n != keys {
			t.Fatalf("refused issuance left %d key rows (had %d)", n, keys)
		}
	})
}

func TestTrustStore(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// An "external" CA: another platform's root + issuing pair.
		other, err := pkitest.Setup(ctx, dbtest.SQLite(t), t.TempDir(), "https://ca.gov.vn", pkitest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		bundle := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Init.Root.Certificate.Raw}),
			other.Init.Issuing.Certificate.Raw...) // PEM root, then DER is not mixed: import separately
		if _, err := f.Service.ImportTrusted(ctx, f.Actor, bundle[:len(bundle)-len(other.Init.Issuing.Certificate.Raw)], "Ban Cơ yếu Chính phủ"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Service.ImportTrusted(ctx, f.Actor, other.Init.Issuing.Certificate.Raw, "CA chuyên dùng"); err != nil {
			t.Fatal(err)
		}
		again, err := f.Service.ImportTrusted(ctx, f.Actor, other.Init.Issuing.Certificate.Raw, "lặp")
		if err != nil || len(again) != 0 {
			t.Fatalf("re-import: %v %d", err, len(again))
		}
		if _, err := f.Service.ImportTrusted(ctx, f.Actor, other.Init.TSA.X509.Raw, "không phải CA"); !errors.Is(err, pki.ErrBadCertificate) {
			t.Fatalf("importing an end-entity certificate: %v", err)
		}
		if _, err := f.Service.ImportTrusted(ctx, f.Actor, []byte("garbage"), "x"); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("importing garbage: %v", err)
		}
		list, err := f.Service.ListTrusted(ctx, f.Actor)
		if err != nil || len(list) != 2 || list[0].Kind != "root" || list[1].Kind != "intermediate" {
			t.Fatalf("ListTrusted: %+v %v", list, err)
		}
		leaf, err := other.IssueOfficial(ctx, "Hoàng Văn Em", "CCCD:1")
		if err != nil {
			t.Fatal(err)
		}
		ta, err := f.Service.Trust(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaf.X509.Verify(ta.VerifyOptions(clock.Now())); err != nil {
			t.Fatalf("external leaf not trusted after import: %v", err)
		}
		if len(ta.RootCerts) != 2 || len(ta.Intermediate) != 2 {
			t.Fatalf("anchors: %d roots, %d intermediates", len(ta.RootCerts), len(ta.Intermediate))
		}
		if err := f.Service.RemoveTrusted(ctx, f.Actor, list[0].Fingerprint); err != nil {
			t.Fatal(err)
		}
		if err := f.Service.RemoveTrusted(ctx, f.Actor, list[0].Fingerprint); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("remove twice: %v", err)
		}
		ta, _ = f.Service.Trust(ctx)
		if _, err := leaf.X509.Verify(ta.VerifyOptions(clock.Now())); err == nil {
			t.Fatal("external leaf still trusted after removing its root")
		}
		if countAudit(t, d, "pki.trust.import") != 2 || countAudit(t, d, "pki.trust.remove") != 1 {
			t.Fatal("trust-store changes not audited")
		}
	})
}

// TestReplicasSeeEachOthersChanges runs two services on one database (two
// replicas) with a shared clock: a revocation on one shows on the other
// after the cache TTL; CRLs and pre-signed OCSP answers are renewed when
// half their validity has passed.
func TestReplicasSeeEachOthersChanges(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := clock.Now()
		now := func() time.Time { return clock }
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		b, err := pki.New(ctx, d, pki.Config{BaseURL: "https://cq.example.gov.vn", Keys: f.Keys, Audit: f.Audit, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		issuer := f.Init.Issuing.Certificate
		c, err := f.IssueOfficial(ctx, "Đỗ Văn Minh", "CCCD:7")
		if err != nil {
			t.Fatal(err)
		}
		status := func(s *pki.Service) (int, time.Time) {
			der, _ := s.RespondOCSP(ctx, pkitest.OCSPRequest(c.X509, issuer, false))
			r, err := ocsp.ParseResponseForCert(der, c.X509, issuer)
			if err != nil {
				t.Fatal(err)
			}
			return r.Status, r.ThisUpdate
		}
		if st, _ := status(b); st != ocsp.Good {
			t.Fatal("replica B does not know the new certificate")
		}
		if _, err := f.Service.Revoke(ctx, f.Actor, c.Serial, pki.ReasonAffiliationChanged, ""); err != nil {
			t.Fatal(err)
		}
		if st, _ := status(f.Service); st != ocsp.Revoked {
			t.Fatal("replica A still says good after its own revocation")
		}
		clock = clock.Add(11 * time.Second)
		if st, _ := status(b); st != ocsp.Revoked {
			t.Fatal("replica B says good after the cache TTL")
		}

		// Pre-signed answers are re-signed after half their validity.
		_, first := status(b)
		clock = clock.Add(13 * time.Hour)
		if _, again := status(b); !again.After(first) {
			t.Fatalf("stale pre-signed answer served: thisUpdate %v", again)
		}
		clock = clock.Add(13 * time.Hour)
		if n, err := f.Service.RefreshOCSP(ctx, 0); err != nil || n == 0 {
			t.Fatalf("RefreshOCSP: %d %v", n, err)
		}
		if n, _ := f.Service.RefreshOCSP(ctx, 0); n != 0 {
			t.Fatalf("RefreshOCSP refreshed %d fresh answers", n)
		}

		// CRLs are re-issued before nextUpdate.
		crlNumber := func() int64 {
			der, _, err := b.CRL(ctx, "issuing")
			if err != nil {
				t.Fatal(err)
			}
			crl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			return crl.Number.Int64()
		}
		n1 := crlNumber()
		clock = clock.Add(4 * 24 * time.Hour)
		if n2 := crlNumber(); n2 <= n1 {
			t.Fatalf("CRL not re-issued after half its validity: %d → %d", n1, n2)
		}
		if _, err := f.Service.Revoke(ctx, f.Actor, f.Init.Root.Serial, pki.ReasonCACompromise, ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("revoking the self-signed root: %v", err)
		}
	})
}
