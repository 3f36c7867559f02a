package signing_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

const agency = 10

var (
	leader      = &actor.Actor{AccountID: 100, Kind: actor.Official, Name: "Lãnh đạo", AgencyID: agency, Roles: []actor.RoleGrant{{Role: "leader", AgencyID: agency}}}
	otherLeader = &actor.Actor{AccountID: 101, Kind: actor.Official, Name: "Người khác", AgencyID: agency, Roles: []actor.RoleGrant{{Role: "leader", AgencyID: agency}}}
	clerk       = &actor.Actor{AccountID: 102, Kind: actor.Official, Name: "Văn thư", AgencyID: agency, Roles: []actor.RoleGrant{{Role: "clerk", AgencyID: agency}}}
)

type fixture struct {
	pki     *pkitest.Fixture
	svc     *signing.Service
	d       *db.DB
	rootPEM string
	own     *pki.Certificate
	seal    *pki.Certificate
}

// setup starts a CA whose certificates point at a loopback server serving
// its OCSP, CRL and CA endpoints (so pdfsig can check revocation offline),
// with a leader's certificate and the agency's seal.
func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	f, err := pkitest.Setup(ctx, d, t.TempDir(), srv.URL, pkitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h = f.Handler
	svc, err := signing.New(signing.Config{DB: d, PKI: f.Service, Audit: f.Audit})
	if err != nil {
		t.Fatal(err)
	}
	f.Directory.SetOfficial(leader.AccountID, agency, pki.Subject{CommonName: "Hoàng Quốc Khánh", UID: "DEMO-01", Title: "Chủ tịch", Organization: "UBND tỉnh Lào Cai"})
	f.Directory.SetAgency(agency, pki.Subject{CommonName: "UBND tỉnh Lào Cai", AgencyCode: "H15"})
	own, err := f.Service.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "official", Holder: leader.AccountID})
	if err != nil {
		t.Fatal(err)
	}
	seal, err := f.Service.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "seal", AgencyID: agency})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Init.Root.Certificate.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &fixture{pki: f, svc: svc, d: d, rootPEM: root, own: own, seal: seal}
}

func countAudit(t *testing.T, d *db.DB, action, outcome string) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_entries WHERE action = $1 AND outcome = $2`, action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func signaturePNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 240, 90))
	for x := 10; x < 230; x++ {
		for d := -2; d <= 2; d++ {
			img.Set(x, 45+(x%40)-20+d, color.NRGBA{B: 0xc0, A: 0xff})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// The leader signs with their own key (B-T, in-process TSA), the clerk
// seals over the leader's signature (B-LT), anyone validates: TOTAL-PASSED
// here, valid and trusted in pdfsig, qpdf and openssl; both signatures are
// audited, and nobody else can use either key.
func TestLeaderSignsClerkSealsAnyoneVerifiesOnBothEngines(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, pki.Migrations}, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: f.pki.Audit}))
		in := pdftest.New(pdftest.Options{Pages: 2})

		list, err := f.svc.SigningCertificates(ctx, leader)
		if err != nil || len(list) != 1 || list[0].Serial != f.own.Serial {
			t.Fatalf("leader's certificates: %v %v", list, err)
		}
		signed, err := f.svc.Sign(ctx, leader, signing.SignRequest{PDF: in, Serial: f.own.Serial, Level: pdfsign.LevelBT,
			Reason: "Ký ban hành", Location: "Lào Cai", Image: signaturePNG()})
		if err != nil {
			t.Fatal(err)
		}
		if signed.Result.Level != pdfsign.LevelBT || signed.Seal {
			t.Fatalf("leader's signature: %+v", signed.Result)
		}
		sealed, err := f.svc.Sign(ctx, clerk, signing.SignRequest{PDF: signed.PDF, Serial: f.seal.Serial, Level: pdfsign.LevelBLT})
		if err != nil {
			t.Fatal(err)
		}
		if !sealed.Seal || sealed.Result.Level != pdfsign.LevelBLT {
			t.Fatalf("seal: %+v", sealed.Result)
		}
		ws, err := pdfsign.SignatureWidgets(sealed.PDF)
		if err != nil || len(ws) != 2 || ws[0].Page != 2 || ws[1].Page != 2 {
			t.Fatalf("widgets: %+v %v", ws, err)
		}
		// The seal covers the left third of the leader's signature.
		l, s := ws[0].Rect, ws[1].Rect
		if !(s[0] < l[0] && s[2] > l[0] && s[2] < l[2] && s[1] < l[3] && s[3] > l[1]) {
			t.Errorf("the seal %v does not overlap the left of the leader's signature %v", s, l)
		}

		rep, err := f.svc.Verify(ctx, nil, sealed.PDF)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Indication != pdfsign.TotalPassed || len(rep.Signatures) != 2 {
			t.Fatalf("report: %s", rep.Text())
		}
		if rep.Signatures[0].Level != "B-LT" || rep.Signatures[1].Level != "B-LT" {
			t.Errorf("levels %s, %s: want both B-LT after the DSS", rep.Signatures[0].Level, rep.Signatures[1].Level)
		}
		pdfsigntest.Check(t, sealed.PDF, f.rootPEM, 2, true)

		if n := countAudit(t, d, "pdf.sign.own", "ok"); n != 1 {
			t.Errorf("%d personal signatures audited", n)
		}
		if n := countAudit(t, d, "pdf.sign.seal", "ok"); n != 1 {
			t.Errorf("%d seals audited", n)
		}

		// Nobody else signs with the leader's key or the seal.
		if _, err := f.svc.Sign(ctx, otherLeader, signing.SignRequest{PDF: in, Serial: f.own.Serial}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("another leader signed: %v", err)
		}
		if _, err := f.svc.Sign(ctx, leader, signing.SignRequest{PDF: in, Serial: f.seal.Serial}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("the leader sealed: %v", err)
		}
		if _, err := f.svc.Sign(ctx, nil, signing.SignRequest{PDF: in, Serial: f.own.Serial}); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("anonymous signature: %v", err)
		}
		if n := countAudit(t, d, "pdf.sign.own", "denied") + countAudit(t, d, "pdf.sign.seal", "denied"); n != 2 {
			t.Errorf("%d refusals audited, want 2", n)
		}
		if n := countAudit(t, d, "pdf.sign.own", "ok"); n != 1 {
			t.Errorf("a refused signature was audited as done")
		}
	})
}

// Bad input gets a clear error and no file: not a PDF, too large, an
// altered signed file, a revoked certificate, a page that does not exist.
func TestSignRefusesBadInput(t *testing.T) {
	f := setup(t, dbtest.SQLite(t, audit.Migrations, pki.Migrations))
	ctx := context.Background()
	in := pdftest.New(pdftest.Options{})
	signed, err := f.svc.Sign(ctx, leader, signing.SignRequest{PDF: in, Serial: f.own.Serial, Level: pdfsign.LevelBB, Invisible: true})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(signed.PDF, []byte("/Type /Page"), []byte("/Type /Pagf"), 1)
	cases := []struct {
		name string
		req  signing.SignRequest
		code apperr.Code
	}{
		{"not a PDF", signing.SignRequest{PDF: []byte("hello, not a pdf at all"), Serial: f.own.Serial}, apperr.Invalid},
		{"empty", signing.SignRequest{Serial: f.own.Serial}, apperr.Invalid},
		{"too large", signing.SignRequest{PDF: append([]byte("%PDF-1.7\n"), make([]byte, signing.MaxPDFSize)...), Serial: f.own.Serial}, apperr.Invalid},
		{"truncated", signing.SignRequest{PDF: in[:len(in)/2], Serial: f.own.Serial}, apperr.Invalid},
		{"signature already broken", signing.SignRequest{PDF: tampered, Serial: f.own.Serial}, apperr.Conflict},
		{"no such page", signing.SignRequest{PDF: in, Serial: f.own.Serial, Page: 9}, apperr.Invalid},
		{"image not a PNG", signing.SignRequest{PDF: in, Serial: f.own.Serial, Image: []byte("GIF89a")}, apperr.Invalid},
		{"unknown certificate", signing.SignRequest{PDF: in, Serial: "abcdef"}, apperr.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := f.svc.Sign(ctx, leader, c.req)
			if out != nil || apperr.CodeOf(err) != c.code {
				t.Fatalf("got %v, %v (%s); want %s", out != nil, err, apperr.MessageOf(err), c.code)
			}
		})
	}
	if _, err := f.pki.Service.Revoke(ctx, f.pki.Actor, f.own.Serial, pki.ReasonKeyCompromise, ""); err != nil {
		t.Fatal(err)
	}
	if out, err := f.svc.Sign(ctx, leader, signing.SignRequest{PDF: in, Serial: f.own.Serial}); out != nil || apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("revoked certificate: %v", err)
	}
	// The altered file is reported as such by validation.
	rep, err := f.svc.Verify(ctx, nil, tampered)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != pdfsign.TotalFailed {
		t.Fatalf("tampered file: %s", rep.Text())
	}
	if _, err := f.svc.Verify(ctx, nil, []byte("<html>")); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("verify of a non-PDF: %v", err)
	}
}
