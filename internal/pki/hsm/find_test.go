package hsm_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/hsm"
)

// SignerFor finds a token key by the public key of a certificate made
// elsewhere, and says clearly when the token has none.
func TestSignerForFindsTheKeyOfACertificate(t *testing.T) {
	softHSM(t)
	st, err := hsm.Open(hsm.Config{Module: module, TokenLabel: "cq-test", PIN: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, made, err := st.Generate(context.Background(), pki.ECDSAP256, "leader")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Generate(context.Background(), pki.ECDSAP256, "other"); err != nil {
		t.Fatal(err)
	}
	got, err := st.SignerFor(made.Public())
	if err != nil || !got.Public().(*ecdsa.PublicKey).Equal(made.Public()) {
		t.Fatalf("SignerFor: %v", err)
	}
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := st.SignerFor(stranger.Public()); apperr.CodeOf(err) != apperr.NotFound || !errors.Is(err, pki.ErrKeyStore) {
		t.Fatalf("a key the token does not hold: %v", err)
	}
}
