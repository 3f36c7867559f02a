package pdfsign

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func verifyDoc(t *testing.T, p *testPKI, doc []byte, online bool, now time.Time) *Report {
	t.Helper()
	opts := VerifyOptions{Trust: p.trust()}
	if online {
		opts.Revocation = &HTTPRevocationSource{Timeout: 2 * time.Second}
	}
	if !now.IsZero() {
		opts.Now = func() time.Time { return now }
	}
	rep, err := Verify(context.Background(), doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantSig(t *testing.T, rep *Report, i int, ind Indication, sub SubIndication) {
	t.Helper()
	if len(rep.Signatures) <= i {
		t.Fatalf("report has %d signatures, want > %d", len(rep.Signatures), i)
	}
	s := rep.Signatures[i]
	if s.Indication != ind || s.SubIndication != sub {
		t.Fatalf("signature %d: %s/%s, want %s/%s\n%s", i+1, s.Indication, s.SubIndication, ind, sub, rep.Text())
	}
}

func TestVerifyLevels(t *testing.T) {
	p := pki(t)
	chain, key := p.signer("Kiểm Tra Mức", nil, nil)
	rev := &HTTPRevocationSource{Timeout: 2 * time.Second}
	for _, lvl := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
		t.Run(string(lvl), func(t *testing.T) {
			opts := SignOptions{Signer: key, Chain: chain, Level: lvl, ExtraCerts: []*x509.Certificate{p.root}}
			if lvl != LevelBB {
				opts.TimeStamper = p.timeStamper()
			}
			if lvl == LevelBLT || lvl == LevelBLTA {
				opts.Revocation = rev
			}
			doc, _, err := Sign(context.Background(), readFixture(t, "objstm-qpdf.pdf"), opts)
			if err != nil {
				t.Fatal(err)
			}
			// B-B and B-T carry no revocation data: online validation fetches it.
			online := lvl == LevelBB || lvl == LevelBT
			rep := verifyDoc(t, p, doc, online, time.Time{})
			wantSig(t, rep, 0, TotalPassed, "")
			if got := rep.Signatures[0].Level; got != string(lvl) {
				t.Errorf("level %s, want %s\n%s", got, lvl, rep.Text())
			}
			if rep.Indication != TotalPassed {
				t.Errorf("overall %s", rep.Indication)
			}
			if lvl == LevelBLTA {
				if rep.Signatures[1].Type != "document-timestamp" {
					t.Errorf("second entry %+v", rep.Signatures[1])
				}
				wantSig(t, rep, 1, TotalPassed, "")
			}
			if lvl == LevelBLT || lvl == LevelBLTA {
				// LT data is embedded: offline validation works too.
				off := verifyDoc(t, p, doc, false, time.Time{})
				wantSig(t, off, 0, TotalPassed, "")
				for _, rv := range off.Signatures[0].Revocation {
					if rv.Origin != "dss" {
						t.Errorf("revocation origin %q, want dss", rv.Origin)
					}
				}
			}
		})
	}
}

func TestVerifyFailures(t *testing.T) {
	p := pki(t)
	ctx := context.Background()
	chain, key := p.signer("Bị Kiểm Tra", nil, nil)
	base := readFixture(t, "table.pdf")
	signed, _, err := Sign(ctx, base, SignOptions{Signer: key, Chain: chain})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("hash failure", func(t *testing.T) {
		bad := append([]byte(nil), signed...)
		i := bytes.Index(bad, []byte("Noi dung"))
		if i < 0 {
			// content is compressed; flip a byte of the pages object instead
			i = bytes.Index(bad, []byte("/Count"))
		}
		bad[i+1] ^= 0x20
		rep := verifyDoc(t, p, bad, true, time.Time{})
		wantSig(t, rep, 0, TotalFailed, HashFailure)
		if rep.Indication != TotalFailed {
			t.Error("overall not failed")
		}
	})
	t.Run("untrusted root", func(t *testing.T) {
		other := newTestPKI(t)
		rep, err := Verify(ctx, signed, VerifyOptions{Trust: other.trust(), Revocation: &HTTPRevocationSource{}})
		if err != nil {
			t.Fatal(err)
		}
		wantSig(t, rep, 0, Indeterminate, NoCertificateChainFound)
	})
	t.Run("offline without revocation data", func(t *testing.T) {
		rep := verifyDoc(t, p, signed, false, time.Time{})
		wantSig(t, rep, 0, Indeterminate, TryLater)
	})
	t.Run("expired without POE", func(t *testing.T) {
		rep := verifyDoc(t, p, signed, true, clock.Now().AddDate(3, 0, 0))
		wantSig(t, rep, 0, Indeterminate, OutOfBoundsNoPOE)
	})
	t.Run("expired with POE (B-LTA)", func(t *testing.T) {
		doc, _, err := Sign(ctx, base, SignOptions{Signer: key, Chain: chain, Level: LevelBLTA, TimeStamper: p.timeStamper(),
			Revocation: &HTTPRevocationSource{}, ExtraCerts: []*x509.Certificate{p.root}})
		if err != nil {
			t.Fatal(err)
		}
		rep := verifyDoc(t, p, doc, false, clock.Now().AddDate(3, 0, 0))
		wantSig(t, rep, 0, TotalPassed, "")
	})
	t.Run("page content changed after signing", func(t *testing.T) {
		r, err := pdf.Open(signed)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := pdf.NewUpdate(r)
		pages, _ := r.Pages()
		pd, _ := r.Dict(pages[0])
		np := pd.Clone()
		np["Contents"] = u.Add(&pdf.Stream{Dict: pdf.Dict{}, Data: []byte("BT /F1 40 Tf 100 400 Td (DA SUA) Tj ET")})
		u.Set(pages[0], np)
		app, err := u.Write()
		if err != nil {
			t.Fatal(err)
		}
		rep := verifyDoc(t, p, append(append([]byte(nil), signed...), app...), true, time.Time{})
		wantSig(t, rep, 0, Indeterminate, SigConstraintsFailure)
		found := false
		for _, c := range rep.Signatures[0].LaterChanges {
			if c.Kind == "page-content" && !c.Allowed {
				found = true
			}
		}
		if !found {
			t.Errorf("no disallowed page-content change:\n%s", rep.Text())
		}
	})
	t.Run("revoked before signing (B-T)", func(t *testing.T) {
		rc, rk := p.signer("Sẽ Bị Thu Hồi", nil, nil)
		doc, _, err := Sign(ctx, base, SignOptions{Signer: rk, Chain: rc, Level: LevelBT, TimeStamper: p.timeStamper()})
		if err != nil {
			t.Fatal(err)
		}
		p.revoke(rc[0], clock.Now().Add(-time.Hour))
		rep := verifyDoc(t, p, doc, true, time.Time{})
		wantSig(t, rep, 0, TotalFailed, Revoked)
	})
	t.Run("revoked, no POE (B-B)", func(t *testing.T) {
		rc, rk := p.signer("Thu Hồi Không POE", nil, nil)
		doc, _, err := Sign(ctx, base, SignOptions{Signer: rk, Chain: rc})
		if err != nil {
			t.Fatal(err)
		}
		p.revoke(rc[0], clock.Now().Add(-time.Minute))
		rep := verifyDoc(t, p, doc, true, time.Time{})
		wantSig(t, rep, 0, Indeterminate, RevokedNoPOE)
	})
	t.Run("revoked after the time-stamp", func(t *testing.T) {
		rc, rk := p.signer("Thu Hồi Sau", nil, nil)
		doc, _, err := Sign(ctx, base, SignOptions{Signer: rk, Chain: rc, Level: LevelBT, TimeStamper: p.timeStamper()})
		if err != nil {
			t.Fatal(err)
		}
		p.revoke(rc[0], clock.Now().Add(time.Minute))
		rep := verifyDoc(t, p, doc, true, clock.Now().Add(2*time.Minute))
		wantSig(t, rep, 0, TotalPassed, "")
		if len(rep.Signatures[0].Warnings) == 0 {
			t.Error("no warning about the later revocation")
		}
	})
}

func TestVerifyWorkflowAndOtherTool(t *testing.T) {
	p := pki(t)
	ctx := context.Background()
	otherChain, otherKey := p.signer("Công Cụ Khác", nil, nil)
	leaderChain, leaderKey := p.signer("Lãnh Đạo", nil, nil)
	sealChain, sealKey := p.signer("Cơ Quan", nil, nil)
	doc := signWithDigitorus(t, pdftest.New(pdftest.Options{Pages: 2}), otherKey, otherChain)
	doc, _, err := Sign(ctx, doc, SignOptions{Signer: leaderKey, Chain: leaderChain, Level: LevelBT, TimeStamper: p.timeStamper(),
		Appearance: LeaderAppearance(2, [4]float64{300, 100, 450, 160}, signatureImage())})
	if err != nil {
		t.Fatal(err)
	}
	doc, err = AddTextStamp(doc, StampOptions{Page: 1, X: 72, Y: 700, Text: "Số: 05/QĐ-UBND, ngày 25/11/2026"})
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err = Sign(ctx, doc, SignOptions{Signer: sealKey, Chain: sealChain, Level: LevelBLTA, TimeStamper: p.timeStamper(),
		Revocation: &HTTPRevocationSource{}, ExtraCerts: []*x509.Certificate{p.root},
		Appearance: SealAppearance(2, [4]float64{300, 100, 450, 160}, 90, sealImage(), "UBND TỈNH THỬ NGHIỆM", clock.Now())})
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyDoc(t, p, doc, true, time.Time{})
	if rep.Indication != TotalPassed || len(rep.Signatures) != 4 {
		t.Fatalf("overall %s, %d signatures\n%s", rep.Indication, len(rep.Signatures), rep.Text())
	}
	other := rep.Signatures[0]
	if other.SubFilter != "adbe.pkcs7.detached" || other.Level != "" || len(other.Warnings) == 0 {
		t.Errorf("other tool's signature: %+v", other)
	}
	leader := rep.Signatures[1]
	if leader.Level != "B-LTA" || leader.CoversWholeDocument {
		t.Errorf("leader level %s covers %v", leader.Level, leader.CoversWholeDocument)
	}
	kinds := map[string]bool{}
	for _, c := range leader.LaterChanges {
		if !c.Allowed {
			t.Errorf("disallowed change after the leader signed: %+v", c)
		}
		kinds[c.Kind] = true
	}
	for _, k := range []string{"annotation", "signature", "dss", "document-timestamp"} {
		if !kinds[k] {
			t.Errorf("change kind %q not reported after the leader's signature: %v", k, kinds)
		}
	}
	text := rep.Text()
	for _, want := range []string{"KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ", "HỢP LỆ", "PAdES B-LTA", "được phép"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyNoSignatureAndBadFiles(t *testing.T) {
	rep, err := Verify(context.Background(), readFixture(t, "table.pdf"), VerifyOptions{})
	if err != nil || len(rep.Signatures) != 0 || rep.Indication != "" {
		t.Fatalf("%+v %v", rep, err)
	}
	if !strings.Contains(rep.Text(), "không có chữ ký") {
		t.Error(rep.Text())
	}
	for _, f := range []string{"encrypted.pdf"} {
		if _, err := Verify(context.Background(), readFixture(t, f), VerifyOptions{}); err == nil {
			t.Errorf("%s: no error", f)
		}
	}
}

// TestReportGolden pins the JSON field names and the Vietnamese text.
func TestReportGolden(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	issued := at.Add(time.Minute)
	rep := &Report{
		ValidationTime: at.Add(time.Hour), DocumentSHA256: strings.Repeat("ab", 32), DocumentSize: 12345, Revisions: 4,
		Indication: Indeterminate,
		Signatures: []SignatureReport{{
			Index: 1, FieldName: "ChuKy1", Type: "signature", SubFilter: "ETSI.CAdES.detached", Level: "B-T",
			Indication: Indeterminate, SubIndication: SigConstraintsFailure,
			Signer:             &CertInfo{Subject: "CN=Nguyễn Văn A,O=UBND,C=VN", Issuer: "CN=CA", Serial: "3e9", NotBefore: at.AddDate(-1, 0, 0), NotAfter: at.AddDate(1, 0, 0), SHA256: "00"},
			ClaimedSigningTime: &at, BestSignatureTime: at.Add(2 * time.Second), DigestAlgorithm: "SHA-256",
			ByteRange: [4]int64{0, 100, 200, 300}, IntegrityValid: true, SigningCertificateMatch: true, SignedRevision: 2,
			LaterChanges: []Change{
				{Revision: 3, Object: 12, Kind: "annotation", Allowed: true, Description: "thêm chú thích /Stamp (ví dụ số, ngày văn bản)"},
				{Revision: 4, Object: 5, Kind: "page-content", Description: "thay đổi nội dung trang 1 ([Contents])"},
			},
			Timestamps: []TimestampReport{{Type: "signature-time-stamp", Time: at.Add(2 * time.Second), TSA: "TSA", Valid: true}},
			Revocation: []RevocationReport{{Certificate: "Nguyễn Văn A", Status: "GOOD", Source: "OCSP", Origin: "fetched", IssuedAt: &issued}},
			Errors:     []string{"Tài liệu đã bị sửa đổi sau khi ký: thay đổi nội dung trang 1 ([Contents])."},
		}},
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	golden(t, "report.golden.json", js)
	golden(t, "report.golden.txt", []byte(rep.Text()))
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n%s", name, got)
	}
}
