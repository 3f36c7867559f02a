package pki

import "crypto"

// UnwrapForTest returns the software key behind a redacted signer, so tests
// can check that logs never contain it. It exists only in test builds.
func UnwrapForTest(s crypto.Signer) crypto.Signer {
	if r, ok := s.(*redactedSigner); ok {
		return r.s
	}
	return s
}
