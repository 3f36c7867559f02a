package pdfsign

import (
	"context"
	"crypto/x509"
	"testing"
)

// Two signatures by the same certificate (a leader signing two places).
func TestSameSignerTwice(t *testing.T) {
	p := pki(t)
	for _, aia := range []bool{false, true} {
		chain, key := p.signer("Cùng Người Ký", nil, func(c *x509.Certificate) {
			if !aia {
				c.OCSPServer = nil
				c.CRLDistributionPoints = nil
			}
		})
		doc, _, err := Sign(context.Background(), readFixture(t, "table.pdf"), SignOptions{Signer: key, Chain: chain})
		if err != nil {
			t.Fatal(err)
		}
		doc, _, err = Sign(context.Background(), doc, SignOptions{Signer: key, Chain: chain})
		if err != nil {
			t.Fatal(err)
		}
		t.Run(map[bool]string{false: "no-aia", true: "aia"}[aia], func(t *testing.T) {
			externalProof(t, p, doc, "cades", "cades-repeat")
		})
	}
}
