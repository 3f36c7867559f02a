package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// maxKeyFile bounds the key and certificate files the loaders accept.
const maxKeyFile = 1 << 20

// LoadPrivateKey parses a private key made by any CA or by openssl: PEM or
// DER, PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), PKCS#8
// ("PRIVATE KEY"), encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", PBES2 with
// PBKDF2 HMAC-SHA1/SHA-2 and AES-CBC or 3DES) and legacy encrypted PEM
// ("Proc-Type: 4,ENCRYPTED"). passphrase is used only for encrypted keys; the
// caller reads it from an environment variable or file, never a flag.
//
// The returned signer never prints its key material (fmt, slog). Errors are
// *apperr.Error: EINVALID wrapping ErrBadKey for unreadable or unsupported
// data, EUNAUTHORIZED wrapping ErrBadPassphrase for a missing or wrong
// passphrase.
func LoadPrivateKey(data, passphrase []byte) (crypto.Signer, error) {
	if len(data) > maxKeyFile {
		return nil, badKey(nil, "Tệp khóa bí mật quá lớn")
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		return parseDERKey(data, passphrase)
	}
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, badKey(nil, "Không tìm thấy khóa bí mật trong tệp PEM")
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue // openssl ecparam -genkey writes these before the key
		case "ENCRYPTED PRIVATE KEY":
			return decryptPKCS8Key(block.Bytes, passphrase)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			der := block.Bytes
			//lint:ignore SA1019 legacy encrypted PEM must stay readable for keys from older CAs.
			if x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck
				if len(passphrase) == 0 {
					return nil, needPassphrase()
				}
				//lint:ignore SA1019 see above.
				plain, err := x509.DecryptPEMBlock(block, passphrase) //nolint:staticcheck
				if err != nil {
					if errors.Is(err, x509.IncorrectPasswordError) {
						return nil, wrongPassphrase(err)
					}
					return nil, badKey(err, "Không giải mã được khóa bí mật PEM cũ (Proc-Type: 4,ENCRYPTED)")
				}
				der = plain
				defer clear(plain)
			}
			return parsePlainKey(block.Type, der)
		default:
			continue
		}
	}
}

func parseDERKey(der, passphrase []byte) (crypto.Signer, error) {
	for _, typ := range []string{"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"} {
		if k, err := parsePlainKey(typ, der); err == nil {
			return k, nil
		}
	}
	if _, err := DecryptPKCS8(der, nil); err == nil || !isNotPKCS8(err) {
		return decryptPKCS8Key(der, passphrase)
	}
	return nil, badKey(nil, "Tệp không phải khóa bí mật (PKCS#1, PKCS#8 hoặc SEC1)")
}

// isNotPKCS8 tells a structural failure (the data is something else) from a
// decryption failure (the data is an encrypted key).
func isNotPKCS8(err error) bool {
	return !errors.Is(err, errWrongPassphrase)
}

func decryptPKCS8Key(der, passphrase []byte) (crypto.Signer, error) {
	if len(passphrase) == 0 {
		return nil, needPassphrase()
	}
	plain, err := DecryptPKCS8(der, passphrase)
	if err != nil {
		if errors.Is(err, errWrongPassphrase) {
			return nil, wrongPassphrase(err)
		}
		return nil, badKey(err, "Không đọc được khóa bí mật PKCS#8 đã mã hóa")
	}
	defer clear(plain)
	k, err := parsePlainKey("PRIVATE KEY", plain)
	if err != nil {
		// A wrong passphrase can still leave valid padding (1 in 256):
		// garbage that does not parse means the same thing.
		return nil, wrongPassphrase(err)
	}
	return k, nil
}

func parsePlainKey(typ string, der []byte) (crypto.Signer, error) {
	var k any
	var err error
	switch typ {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(der)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(der)
	}
	if err != nil {
		return nil, badKey(err, "Không đọc được khóa bí mật %s", typ)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, badKey(nil, "Loại khóa bí mật không dùng để ký được")
	}
	if err := checkKeyStrength(s.Public()); err != nil {
		return nil, err
	}
	return redact(s, "file"), nil
}

// checkKeyStrength accepts RSA ≥ 2048 bits, ECDSA P-256/P-384/P-521 and
// Ed25519.
func checkKeyStrength(pub crypto.PublicKey) error {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N.BitLen() < 2048 {
			return badKey(nil, "Khóa RSA %d bit quá yếu (tối thiểu 2048 bit)", p.N.BitLen())
		}
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return badKey(nil, "Đường cong ECDSA không được hỗ trợ (chỉ P-256, P-384, P-521)")
		}
	case ed25519.PublicKey:
	default:
		return badKey(nil, "Loại khóa công khai %T không được hỗ trợ", pub)
	}
	return nil
}

func badKey(cause error, format string, args ...any) error {
	if cause == nil {
		cause = ErrBadKey
	} else {
		cause = fmt.Errorf("%w: %w", ErrBadKey, cause)
	}
	return apperr.Wrap(cause, apperr.Invalid, format, args...)
}

func needPassphrase() error {
	return apperr.Wrap(ErrBadPassphrase, apperr.Unauthorized,
		"Khóa bí mật được mã hóa: cần cung cấp mật khẩu của khóa (qua biến môi trường hoặc tệp)")
}

func wrongPassphrase(cause error) error {
	return apperr.Wrap(fmt.Errorf("%w: %w", ErrBadPassphrase, cause), apperr.Unauthorized,
		"Mật khẩu của khóa bí mật không đúng")
}

// LoadCertificates parses one or more certificates: PEM ("CERTIFICATE"
// blocks, other blocks skipped) or DER (one certificate or several
// concatenated). It returns EINVALID wrapping ErrBadCertificate when nothing
// usable is found.
func LoadCertificates(data []byte) ([]*x509.Certificate, error) {
	if len(data) > maxKeyFile {
		return nil, apperr.Wrap(ErrBadCertificate, apperr.Invalid, "Tệp chứng thư số quá lớn")
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		certs, err := x509.ParseCertificates(data)
		if err != nil || len(certs) == 0 {
			return nil, apperr.Wrap(fmt.Errorf("%w: %v", ErrBadCertificate, err), apperr.Invalid,
				"Không đọc được chứng thư số (cần PEM hoặc DER)")
		}
		return certs, nil
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrBadCertificate, err), apperr.Invalid,
				"Chứng thư số thứ %d trong tệp PEM bị hỏng", len(certs)+1)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, apperr.Wrap(ErrBadCertificate, apperr.Invalid, "Không tìm thấy chứng thư số trong tệp PEM")
	}
	return certs, nil
}

// KeyPair is a signing key with its certificate and the rest of its chain
// (issuer first, root last if present), as the `pdf sign` command needs.
type KeyPair struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
}

// LoadKeyPair loads a private key and a PEM/DER certificate file holding the
// signer's certificate and optionally its chain. The certificate that
// matches the key is the signer's, whatever its position. It returns
// EINVALID wrapping ErrBadKey when no certificate matches the key.
func LoadKeyPair(keyData, certData, passphrase []byte) (*KeyPair, error) {
	key, err := LoadPrivateKey(keyData, passphrase)
	if err != nil {
		return nil, err
	}
	certs, err := LoadCertificates(certData)
	if err != nil {
		return nil, err
	}
	for i, c := range certs {
		if publicKeysEqual(c.PublicKey, key.Public()) {
			chain := append(append([]*x509.Certificate{}, certs[:i]...), certs[i+1:]...)
			return &KeyPair{Signer: key, Certificate: c, Chain: chain}, nil
		}
	}
	return nil, badKey(nil, "Không có chứng thư số nào trong tệp khớp với khóa bí mật")
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// redactedSigner hides a software key behind crypto.Signer so that printing
// or logging it (by mistake) never shows key material.
type redactedSigner struct {
	s    crypto.Signer
	desc string
}

func redact(s crypto.Signer, desc string) crypto.Signer {
	if _, ok := s.(*redactedSigner); ok {
		return s
	}
	return &redactedSigner{s: s, desc: desc}
}

func (r *redactedSigner) Public() crypto.PublicKey { return r.s.Public() }

func (r *redactedSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return r.s.Sign(rand, digest, opts)
}

// String, GoString, Format and LogValue print only a description.
func (r *redactedSigner) String() string             { return "private key (" + r.desc + ", hidden)" }
func (r *redactedSigner) GoString() string           { return r.String() }
func (r *redactedSigner) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }
func (r *redactedSigner) LogValue() slog.Value       { return slog.StringValue(r.String()) }
