package pki_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

// TestNodeIdentity: the node certificate is issued once (serverAuth and
// clientAuth, chaining to the root), returned again while valid, replaced
// with a new key when it nears its end, and never issued through Issue nor
// used to sign documents.
func TestNodeIdentity(t *testing.T) {
	dbtest.Each(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := clock.Now().UTC()
		clockAt := func() time.Time { return now }
		f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{Now: clockAt})
		if err != nil {
			t.Fatal(err)
		}
		subj := pki.Subject{CommonName: "Nút trao đổi văn bản tỉnh Quảng Trị", Organization: "UBND tỉnh Quảng Trị"}
		signer, cert, chain, err := f.Service.NodeIdentity(ctx, subj, 30*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(cert.ExtKeyUsage) != 2 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || cert.ExtKeyUsage[1] != x509.ExtKeyUsageClientAuth {
			t.Fatalf("EKU %v", cert.ExtKeyUsage)
		}
		if cert.Subject.CommonName != subj.CommonName || len(chain) < 2 {
			t.Fatalf("subject %s, chain %d", cert.Subject, len(chain))
		}
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		roots.AddCert(chain[len(chain)-1])
		for _, c := range chain[:len(chain)-1] {
			inter.AddCert(c)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Fatalf("chain: %v", err)
		}
		_, again, _, err := f.Service.NodeIdentity(ctx, subj, 30*24*time.Hour)
		if err != nil || !again.Equal(cert) {
			t.Fatalf("a second certificate was issued: %v", err)
		}
		now = cert.NotAfter.Add(-10 * 24 * time.Hour)
		signer2, renewed, _, err := f.Service.NodeIdentity(ctx, subj, 30*24*time.Hour)
		if err != nil || renewed.Equal(cert) || renewed.NotAfter.Before(cert.NotAfter) {
			t.Fatalf("not renewed: %v", err)
		}
		if signer2.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(signer.Public()) {
			t.Fatal("the renewal kept the key")
		}
		if _, err := f.Service.Issue(ctx, f.Actor, pki.IssueRequest{Profile: pki.NodeProfile, AgencyID: 1}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("node profile through Issue: %v", err)
		}
		if _, ok := pki.SigningAction(pki.NodeProfile); ok {
			t.Fatal("a node certificate signs documents")
		}
	})
}
