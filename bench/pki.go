package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	dpdf "github.com/digitorus/pdf"
	dsign "github.com/digitorus/pdfsign/sign"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkitest"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

func init() {
	suites = append(suites, suite{name: "pki", run: benchPKI})
}

// rate runs op for about d (at least once) with workers goroutines and
// returns operations per second.
func rate(d time.Duration, workers int, op func() error) (float64, error) {
	var n atomic.Int64
	var firstErr error
	var mu sync.Mutex
	deadline := clock.Now().Add(d)
	start := clock.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if err := op(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				n.Add(1)
				if clock.Now().After(deadline) {
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// benchPKI measures PAdES signing (ours and github.com/digitorus/pdfsign on
// the same files, beside SHA-256 + one P-256 signature over the same
// bytes), validation of a 1 MB PDF with two signatures, OCSP answers
// through the platform's HTTP stack on loopback, and time-stamp tokens.
func benchPKI(o *opts) ([]row, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cqbench-pki-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	d, err := db.Open(ctx, db.Config{DataDir: dir, SQLiteSync: "NORMAL"})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	f, err := pkitest.Setup(ctx, d, dir, "http://127.0.0.1:1", pkitest.Options{Logger: o.log})
	if err != nil {
		return nil, err
	}
	leader, err := f.IssueOfficial(ctx, "Người Ký Đo Hiệu Năng", "CCCD:001090000001")
	if err != nil {
		return nil, err
	}
	key, cert, chain, err := f.Service.Signer(ctx, f.Holder, leader.Serial)
	if err != nil {
		return nil, err
	}
	full := append([]*x509.Certificate{cert}, chain...)
	var rows []row

	// Signing: ours at B-B and B-T, the peer at B-B, the limit.
	sizes := []int{100 << 10, 1 << 20, 10 << 20}
	if o.short {
		sizes = sizes[:2]
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	for _, size := range sizes {
		doc := pdftest.New(pdftest.Options{Pages: 3, Size: size})
		label := fmt.Sprintf("%d KB", size>>10)
		if size >= 1<<20 {
			label = fmt.Sprintf("%d MB", size>>20)
		}
		limit, err := rate(o.duration, 1, func() error {
			sum := sha256.Sum256(doc)
			_, err := ecdsa.SignASN1(rand.Reader, p256, sum[:])
			return err
		})
		if err != nil {
			return nil, err
		}
		bb, err := rate(o.duration, 1, func() error {
			_, _, err := pdfsign.Sign(ctx, doc, pdfsign.SignOptions{Signer: key, Chain: full, Level: pdfsign.LevelBB})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("sign B-B %s: %w", label, err)
		}
		bt, err := rate(o.duration, 1, func() error {
			_, _, err := pdfsign.Sign(ctx, doc, pdfsign.SignOptions{Signer: key, Chain: full, Level: pdfsign.LevelBT, TimeStamper: f.Service})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("sign B-T %s: %w", label, err)
		}
		peer, err := rate(o.duration, 1, func() error { return peerSign(doc, key, full) })
		if err != nil {
			return nil, fmt.Errorf("peer sign %s: %w", label, err)
		}
		limitName := "SHA-256 of the file + 1 P-256 signature"
		faster := "no"
		if bb > peer {
			faster = "yes"
		}
		rows = append(rows,
			row{Name: "sign " + label + " PAdES B-B (1 core)", Value: bb, Unit: "sig/s", Limit: limitName, LimitV: limit,
				Goal: fmt.Sprintf("≥ 0.25 of limit and > peer (peer %.2f of limit; faster: %s)", peer/limit, faster)},
			row{Name: "sign " + label + " PAdES B-T, in-process TSA (1 core)", Value: bt, Unit: "sig/s", Limit: limitName, LimitV: limit, Goal: "≥ 0.25 of limit"},
			row{Name: "peer digitorus/pdfsign " + label + " B-B (adbe.pkcs7.detached, 1 core)", Value: peer, Unit: "sig/s", Limit: limitName, LimitV: limit,
				Goal: fmt.Sprintf("ours at B-B: %.2f of limit", bb/limit)},
		)
	}

	// Validation of a 1 MB PDF with two B-LT signatures (leader, seal),
	// through the signature service as /verify and the API use it.
	svc, err := signing.New(signing.Config{DB: d, PKI: f.Service, Audit: f.Audit, Logger: o.log})
	if err != nil {
		return nil, err
	}
	seal, err := f.Service.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "seal", AgencyID: 1})
	if err != nil {
		return nil, err
	}
	doc := pdftest.New(pdftest.Options{Pages: 3, Size: 1 << 20})
	sys := actor.SystemActor("bench")
	for _, serial := range []string{leader.Serial, seal.Serial} {
		s, err := svc.Sign(ctx, sys, signing.SignRequest{PDF: doc, Serial: serial, Level: pdfsign.LevelBLT})
		if err != nil {
			return nil, fmt.Errorf("sign the validation sample: %w", err)
		}
		doc = s.PDF
	}
	if rep, err := svc.Verify(ctx, nil, doc); err != nil || rep.Indication != pdfsign.TotalPassed {
		return nil, fmt.Errorf("validation sample: %v %v", err, rep)
	}
	workers := runtime.NumCPU()
	// The least any validator must do: hash the file once (both byte
	// ranges start at 0, so their common prefix need not be hashed twice)
	// and check four ECDSA signatures (two CMS, two time-stamp tokens).
	verifyLimit, err := rate(o.duration, workers, func() error {
		sha256.Sum256(doc)
		sum := sha256.Sum256(doc[:64])
		sig, _ := ecdsa.SignASN1(rand.Reader, p256, sum[:])
		for range 4 {
			ecdsa.VerifyASN1(&p256.PublicKey, sum[:], sig)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	verify, err := rate(o.duration, workers, func() error {
		rep, err := svc.Verify(ctx, nil, doc)
		if err == nil && rep.Indication != pdfsign.TotalPassed {
			err = fmt.Errorf("indication %s", rep.Indication)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	rows = append(rows, row{Name: fmt.Sprintf("validate 1 MB PDF, 2 B-LT signatures (%d workers)", workers), Value: verify, Unit: "validations/s",
		Limit: "SHA-256 of the file + 4 P-256 verifications", LimitV: verifyLimit, Goal: "≥ 500 validations/s"})

	// OCSP through the whole HTTP stack (middleware, sessions, pkihttp) on
	// loopback, GET per RFC 5019, pre-signed answers.
	ocspRate, helloRate, err := benchOCSP(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("ocsp: %w", err)
	}
	rows = append(rows, row{Name: "OCSP GET through the platform's HTTP stack (loopback, 16 clients)", Value: ocspRate, Unit: "responses/s",
		Limit: "hello-world handler, same load", LimitV: helloRate, Goal: "≥ 5,000 responses/s"})

	// Time-stamp tokens, in process (the PDF signer's path).
	digest := sha256.Sum256([]byte("document"))
	tsaLimit, err := rate(o.duration, workers, func() error {
		_, err := ecdsa.SignASN1(rand.Reader, p256, digest[:])
		return err
	})
	if err != nil {
		return nil, err
	}
	tsa, err := rate(o.duration, workers, func() error {
		_, err := f.Service.Timestamp(ctx, digest[:], crypto.SHA256)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	rows = append(rows, row{Name: fmt.Sprintf("RFC 3161 tokens, in process (%d workers)", workers), Value: tsa, Unit: "tokens/s",
		Limit: "1 P-256 signature", LimitV: tsaLimit})
	return rows, nil
}

// peerSign signs in with github.com/digitorus/pdfsign (bench-only): an
// approval signature, SHA-256, no TSA, no revocation — the same work as
// our B-B.
func peerSign(in []byte, key crypto.Signer, chain []*x509.Certificate) error {
	rdr, err := dpdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return err
	}
	var out bytes.Buffer
	return dsign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), dsign.SignData{
		Signature: dsign.SignDataSignature{
			CertType: dsign.ApprovalSignature,
			Info:     dsign.SignDataSignatureInfo{Name: "Peer", Reason: "bench", Date: clock.Now()},
		},
		Signer:            key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       chain[0],
		CertificateChains: [][]*x509.Certificate{chain},
	})
}

// benchOCSP opens the platform (no demo), initialises its CA, issues one
// certificate and loads GET /pki/ocsp/{request} through a.Handler().
func benchOCSP(ctx context.Context, o *opts) (ocspRate, helloRate float64, err error) {
	dir, err := os.MkdirTemp("", "cqbench-ocsp-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	a, err := app.Open(ctx, app.Config{DataDir: dir, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error", NoDemo: true,
		PKI: app.PKIConfig{KeyPassphrase: "mật-khẩu-đo-hiệu-năng"}}, o.log)
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	sys := actor.SystemActor("bench")
	res, err := a.PKI.Init(ctx, sys, pki.InitRequest{Organization: "UBND tỉnh Đo Hiệu Năng"})
	if err != nil {
		return 0, 0, err
	}
	// Without a demo there is no official to issue to: the TSA's
	// certificate, pre-signed like any other, is asked about instead.
	c := res.TSA
	h, err := a.Handler()
	if err != nil {
		return 0, 0, err
	}
	req := pkitest.OCSPRequest(c.X509, res.Issuing.Certificate, false)
	path := "/pki/ocsp/" + url.PathEscape(base64.StdEncoding.EncodeToString(req))
	if ocspRate, err = loadTest(h, path, o.duration); err != nil {
		return 0, 0, err
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	if helloRate, err = loadTest(hello, "/", o.duration); err != nil {
		return 0, 0, err
	}
	return ocspRate, helloRate, nil
}
