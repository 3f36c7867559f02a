package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
)

// TestTSAAcross2050 runs a TSA whose clock (the CA's too, so that its
// certificates are valid then) stands just before 1 January 2050 and moves
// past it. The signing-time attribute was a UTCTime, which cannot hold
// 2050: every time stamp from that day on panicked. Now it turns into a
// GeneralizedTime (RFC 5652 §11.3) and the tokens still parse and verify.
func TestTSAAcross2050(t *testing.T) {
	// signing-time attribute: its OID, then SET { Time }.
	signingTime := func(tv string) []byte {
		return append([]byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05, 0x31, byte(len(tv))}, tv...)
	}
	stamps := []struct {
		at          time.Time
		signingTime []byte // the attribute with its encoded time
	}{
		{time.Date(2049, 12, 31, 23, 59, 59, 500e6, time.UTC), signingTime("\x17\x0d491231235959Z")},
		{time.Date(2050, 1, 1, 0, 0, 0, 250e6, time.UTC), signingTime("\x18\x0f20500101000000Z")},
		{time.Date(2050, 1, 1, 0, 0, 0, 250e6, time.FixedZone("ICT", 7*3600)).Add(24 * time.Hour), signingTime("\x18\x0f20500101170000Z")},
	}
	for _, alg := range []pki.KeyAlgorithm{pki.ECDSAP256, pki.ECDSAP384, pki.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			dbtest.Each(t, nil, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				now := time.Date(2049, 12, 31, 23, 0, 0, 0, time.UTC)
				clk := func() time.Time { return now }
				f, err := pkitest.Setup(ctx, d, t.TempDir(), "https://cq.example.gov.vn", pkitest.Options{Algorithm: alg, Now: clk})
				if err != nil {
					t.Fatal(err)
				}
				// The same CA behind a TSA with a short policy OID: Go's
				// encoding/asn1, which digitorus/timestamp parses with, cannot
				// read an arc as long as DefaultTSAPolicy's UUID.
				tsa, err := pki.New(ctx, d, pki.Config{BaseURL: "https://cq.example.gov.vn", Keys: f.Keys, Audit: f.Audit, Now: clk,
					Logger: slog.New(slog.DiscardHandler), TSAPolicy: "1.3.6.1.4.1.32473.1"})
				if err != nil {
					t.Fatal(err)
				}
				tokens := make([][]byte, len(stamps))
				sums := make([][]byte, len(stamps))
				for i, st := range stamps {
					now = st.at
					digest := crypto.SHA256.New()
					digest.Write([]byte("Quyết định số 01/QĐ-UBND ngày " + st.at.Format("02/01/2006")))
					sum := digest.Sum(nil)
					token, err := tsa.Stamp(ctx, crypto.SHA256, sum)
					if err != nil {
						t.Fatalf("%v: %v", st.at, err)
					}
					tokens[i], sums[i] = token, sum
					if !bytes.Contains(token, st.signingTime) {
						t.Errorf("%v: signing-time is not %q", st.at, st.signingTime[13:])
					}
					// digitorus/timestamp checks the CMS signature, and the
					// signing time against the TSA certificate's validity.
					ts, err := timestamp.Parse(token)
					if err != nil {
						t.Fatalf("%v: digitorus/timestamp: %v", st.at, err)
					}
					if !ts.Time.Equal(st.at.Truncate(time.Millisecond)) || !bytes.Equal(ts.HashedMessage, sum) || ts.HashAlgorithm != crypto.SHA256 ||
						len(ts.Certificates) == 0 || !ts.Certificates[0].Equal(f.Init.TSA.X509) {
						t.Errorf("%v: token says genTime %v, digest %x, %v, %d certificates", st.at, ts.Time, ts.HashedMessage, ts.HashAlgorithm, len(ts.Certificates))
					}
				}

				needTool(t, "openssl", "openssl")
				dir := t.TempDir()
				writePEM(t, filepath.Join(dir, "root.pem"), f.Init.Root.Certificate)
				writePEM(t, filepath.Join(dir, "chain.pem"), f.Init.TSA.X509, f.Init.Issuing.Certificate)
				for i, st := range stamps {
					if err := os.WriteFile(filepath.Join(dir, "token.der"), tokens[i], 0o644); err != nil {
						t.Fatal(err)
					}
					// -attime: openssl judges the chain at the stamp's time,
					// not at the machine's.
					out, err := run(t, dir, "openssl", "ts", "-verify", "-token_in", "-in", "token.der", "-digest", hex.EncodeToString(sums[i]),
						"-CAfile", "root.pem", "-untrusted", "chain.pem", "-attime", strconv.FormatInt(st.at.Unix(), 10))
					if err != nil || !strings.Contains(out, "Verification: OK") {
						t.Errorf("%v: openssl ts -verify: %v\n%s", st.at, err, out)
					}
				}
			})
		})
	}
}
