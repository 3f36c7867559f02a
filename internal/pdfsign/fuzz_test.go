package pdfsign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

func fuzzSeeds(f *testing.F) (doc []byte, cms, token []byte) {
	p := pki(f)
	chain, key := p.signer("Fuzz", nil, nil)
	doc, _, err := Sign(context.Background(), readFixture(f, "table.pdf"), SignOptions{Signer: key, Chain: chain, Level: LevelBT, TimeStamper: p.timeStamper()})
	if err != nil {
		f.Fatal(err)
	}
	_, cms, _ = extractSig(doc, 0)
	m, err := parseCMS(cms)
	if err != nil {
		f.Fatal(err)
	}
	token = m.unsigned[oidAttrSignatureTimeStamp.String()][0].FullBytes
	return doc, cms, token
}

func FuzzParseCMS(f *testing.F) {
	_, cms, token := fuzzSeeds(f)
	f.Add(cms)
	f.Add(token)
	f.Add([]byte{0x30, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseCMS(b); err == nil {
			if c, err := m.signerCert(); err == nil {
				m.signingCertMatches(c)
				m.verifySignature(c)
			}
			m.checkDigest([]byte{1})
		}
		if ti, err := parseTimestampToken(b); err == nil {
			ti.verify()
		}
		trimDER(b)
	})
}

func FuzzVerify(f *testing.F) {
	doc, _, _ := fuzzSeeds(f)
	f.Add(doc)
	// The small crafted files: mutations of them probe the budget's edges.
	for _, tc := range pdftest.Hostile() {
		if len(tc.Data) < 4<<10 {
			f.Add(tc.Data)
		}
	}
	trust := pki(f).trust()
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rep, err := Verify(ctx, b, VerifyOptions{Trust: trust})
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error is not apperr Invalid: %v", err)
			}
			if errors.Is(err, pdf.ErrTooComplex) && !strings.Contains(apperr.MessageOf(err), "quá phức tạp") {
				t.Fatalf("budget error without its message: %v", err)
			}
			return
		}
		rep.Text()
	})
}
