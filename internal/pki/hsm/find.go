package hsm

import (
	"crypto"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// SignerFor returns the token's key pair whose public key is pub — the key
// of a certificate issued elsewhere (any CA), as the command line's
// `pdf sign --pkcs11-…` needs. Errors: ENOTFOUND wrapping pki.ErrKeyStore
// when no key of the token matches, EUNAVAILABLE when the token fails.
func (s *Store) SignerFor(pub crypto.PublicKey) (crypto.Signer, error) {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	want, ok := pub.(equaler)
	if !ok {
		return nil, apperr.Wrap(pki.ErrBadKey, apperr.Invalid, "Loại khóa công khai của chứng thư không được hỗ trợ")
	}
	pairs, err := s.p11.FindAllKeyPairs()
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", pki.ErrKeyStore, err), apperr.Unavailable, "Không đọc được các khóa trên token PKCS#11 %q", s.label)
	}
	for _, p := range pairs {
		if want.Equal(p.Public()) {
			return p, nil
		}
	}
	return nil, apperr.Wrap(pki.ErrKeyStore, apperr.NotFound,
		"Token PKCS#11 %q không có khóa bí mật khớp với chứng thư đã cho (%d khóa trên token)", s.label, len(pairs))
}
