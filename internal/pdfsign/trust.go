package pdfsign

import "crypto/x509"

// TrustStore is what the validator trusts: root certificates (trust
// anchors) and intermediates that may help build chains. The pki package
// can fill it from the national root and our own CA.
type TrustStore struct {
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
}
