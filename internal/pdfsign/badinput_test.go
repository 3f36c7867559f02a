package pdfsign

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

func TestSignBadInput(t *testing.T) {
	p := pki(t)
	ctx := context.Background()
	chain, key := p.signer("Người Ký", nil, nil)
	table := readFixture(t, "table.pdf")
	signed, _, err := Sign(ctx, table, SignOptions{Signer: key, Chain: chain})
	if err != nil {
		t.Fatal(err)
	}
	broken := append([]byte(nil), signed...)
	broken[bytes.Index(broken, []byte("/Count"))+1] ^= 0x20 // inside the signed range

	expiredChain, expiredKey := p.signer("Hết Hạn", nil, func(c *x509.Certificate) {
		c.NotBefore = clock.Now().AddDate(-3, 0, 0)
		c.NotAfter = clock.Now().AddDate(-1, 0, 0)
	})
	revokedChain, revokedKey := p.signer("Đã Thu Hồi", nil, nil)
	p.revoke(revokedChain[0], clock.Now().Add(-time.Hour))
	_, otherKey := p.signer("Khóa Khác", nil, nil)
	noUsageChain, noUsageKey := p.signer("Không Được Ký", nil, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment })

	tests := []struct {
		name  string
		in    []byte
		opts  SignOptions
		code  apperr.Code
		cause error
	}{
		{"empty file", nil, SignOptions{Signer: key, Chain: chain}, apperr.Invalid, pdf.ErrCorrupt},
		{"not a PDF", []byte("<html>"), SignOptions{Signer: key, Chain: chain}, apperr.Invalid, pdf.ErrCorrupt},
		{"truncated (no xref)", table[:bytes.LastIndex(table, []byte("xref"))], SignOptions{Signer: key, Chain: chain}, apperr.Invalid, pdf.ErrCorrupt},
		{"truncated in the middle", table[:len(table)/2], SignOptions{Signer: key, Chain: chain}, apperr.Invalid, nil},
		{"encrypted", readFixture(t, "encrypted.pdf"), SignOptions{Signer: key, Chain: chain}, apperr.Invalid, pdf.ErrEncrypted},
		{"existing signature broken", broken, SignOptions{Signer: key, Chain: chain}, apperr.Conflict, errHash},
		{"expired signer", table, SignOptions{Signer: expiredKey, Chain: expiredChain}, apperr.Invalid, nil},
		{"revoked signer", table, SignOptions{Signer: revokedKey, Chain: revokedChain, Revocation: &HTTPRevocationSource{}}, apperr.Invalid, nil},
		{"key does not match certificate", table, SignOptions{Signer: otherKey, Chain: chain}, apperr.Invalid, nil},
		{"certificate not for signing", table, SignOptions{Signer: noUsageKey, Chain: noUsageChain}, apperr.Invalid, nil},
		{"no signer", table, SignOptions{}, apperr.Invalid, nil},
		{"B-T without TSA", table, SignOptions{Signer: key, Chain: chain, Level: LevelBT}, apperr.Invalid, nil},
		{"B-LT without revocation source", table, SignOptions{Signer: key, Chain: chain, Level: LevelBLT, TimeStamper: p.timeStamper()}, apperr.Invalid, nil},
		{"placeholder overflow", table, SignOptions{Signer: key, Chain: chain, ContentsSize: 200}, apperr.Internal, errOverflow},
		{"duplicate field name", signed, SignOptions{Signer: key, Chain: chain, FieldName: "ChuKy1"}, apperr.Invalid, nil},
		{"page out of range", table, SignOptions{Signer: key, Chain: chain, Appearance: &Appearance{Page: 9, Rect: [4]float64{0, 0, 10, 10}, Lines: []string{"x"}}}, apperr.Invalid, nil},
		{"bad PNG", table, SignOptions{Signer: key, Chain: chain, Appearance: &Appearance{Rect: [4]float64{0, 0, 10, 10}, Image: []byte("not png")}}, apperr.Invalid, nil},
		{"empty rect", table, SignOptions{Signer: key, Chain: chain, Appearance: &Appearance{Lines: []string{"x"}}}, apperr.Invalid, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, res, err := Sign(ctx, tc.in, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if out != nil || res != nil {
				t.Error("partial output returned with an error")
			}
			if apperr.CodeOf(err) != tc.code {
				t.Errorf("code %s, want %s: %v", apperr.CodeOf(err), tc.code, err)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("cause: %v, want %v", err, tc.cause)
			}
			if msg := apperr.MessageOf(err); msg == "" || msg == apperr.MessageOf(errors.New("x")) {
				t.Errorf("no Vietnamese message: %v", err)
			}
		})
	}

	t.Run("broken existing signature allowed on request", func(t *testing.T) {
		out, res, err := Sign(ctx, broken, SignOptions{Signer: key, Chain: chain, AllowBrokenSignatures: true})
		if err != nil || len(res.Warnings) == 0 {
			t.Fatalf("%v %+v", err, res)
		}
		rep := verifyDoc(t, p, out, true, time.Time{})
		wantSig(t, rep, 0, TotalFailed, HashFailure)
		wantSig(t, rep, 1, TotalPassed, "")
	})
	t.Run("context cancelled while time-stamping", func(t *testing.T) {
		p.tsaMode.Store(2)
		defer p.tsaMode.Store(0)
		c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		ts := p.timeStamper()
		ts.Timeout = time.Minute
		out, _, err := Sign(c, table, SignOptions{Signer: key, Chain: chain, Level: LevelBT, TimeStamper: ts})
		if err == nil || out != nil || apperr.CodeOf(err) != apperr.Unavailable {
			t.Fatalf("%v", err)
		}
	})
}
