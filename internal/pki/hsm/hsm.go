// Package hsm keeps the platform's private keys in a PKCS#11 token (an HSM,
// a USB token, or SoftHSM2 in tests) through github.com/ThalesGroup/crypto11.
// *Store implements pki.KeyStore: keys are generated inside the token, are
// not extractable, and are used through crypto.Signer.
package hsm

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/ThalesGroup/crypto11"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// Config names the token. PIN comes from CHINHQUYEN_PKCS11_PIN or its _FILE,
// never from a flag.
type Config struct {
	Module      string // path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so (--pkcs11-module)
	TokenLabel  string // token label (--pkcs11-label)
	PIN         string // user PIN
	MaxSessions int    // 0 = crypto11's default
}

// Errors wrapped by Open's *apperr.Error values.
var (
	ErrWrongPIN      = errors.New("hsm: wrong PIN")
	ErrPINLocked     = errors.New("hsm: PIN locked")
	ErrTokenNotFound = errors.New("hsm: token not found")
	ErrModule        = errors.New("hsm: PKCS#11 module cannot be loaded")
)

// Store is a PKCS#11 key store. Safe for concurrent use.
type Store struct {
	p11   *crypto11.Context
	label string

	mu    sync.Mutex
	cache map[string]crypto.Signer
}

// Open logs into the token. Errors (Vietnamese, no panic):
// EUNAUTHORIZED wrapping ErrWrongPIN; EFORBIDDEN wrapping ErrPINLocked;
// EUNAVAILABLE wrapping ErrTokenNotFound or ErrModule; EINVALID for an
// incomplete configuration.
func Open(cfg Config) (*Store, error) {
	if cfg.Module == "" || cfg.TokenLabel == "" {
		return nil, apperr.New(apperr.Invalid, "Cần đường dẫn mô-đun PKCS#11 (--pkcs11-module) và nhãn token (--pkcs11-label)")
	}
	if cfg.PIN == "" {
		return nil, apperr.Wrap(ErrWrongPIN, apperr.Unauthorized, "Chưa có mã PIN của token PKCS#11 (CHINHQUYEN_PKCS11_PIN hoặc CHINHQUYEN_PKCS11_PIN_FILE)")
	}
	if _, err := os.Stat(cfg.Module); err != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrModule, err), apperr.Unavailable,
			"Không tìm thấy mô-đun PKCS#11 %s: kiểm tra đường dẫn (SoftHSM2 trên Debian: /usr/lib/softhsm/libsofthsm2.so)", cfg.Module)
	}
	ctx, err := configure(cfg)
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "CKR_PIN_INCORRECT"):
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrWrongPIN, err), apperr.Unauthorized,
				"Mã PIN của token PKCS#11 %q không đúng (token có thể bị khóa sau vài lần nhập sai)", cfg.TokenLabel)
		case strings.Contains(msg, "CKR_PIN_LOCKED"):
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrPINLocked, err), apperr.Forbidden,
				"Token PKCS#11 %q đã bị khóa PIN: cần mở khóa bằng SO PIN", cfg.TokenLabel)
		case strings.Contains(msg, "could not find PKCS#11 token"):
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrTokenNotFound, err), apperr.Unavailable,
				"Không tìm thấy token PKCS#11 có nhãn %q: kiểm tra thiết bị đã cắm và đã khởi tạo", cfg.TokenLabel)
		case strings.Contains(msg, "module"):
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrModule, err), apperr.Unavailable,
				"Không nạp được mô-đun PKCS#11 %s", cfg.Module)
		}
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không mở được token PKCS#11 %q", cfg.TokenLabel)
	}
	return &Store{p11: ctx, label: cfg.TokenLabel, cache: map[string]crypto.Signer{}}, nil
}

// configure calls crypto11 and turns a panic inside the cgo wrapper (a
// broken module) into an error.
func configure(cfg Config) (ctx *crypto11.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PKCS#11 module %s: %v", cfg.Module, p)
		}
	}()
	return crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN, MaxSessions: cfg.MaxSessions})
}

// Close logs out and unloads the module.
func (s *Store) Close() error { return s.p11.Close() }

// Kind implements pki.KeyStore.
func (s *Store) Kind() string { return "pkcs11" }

// Generate implements pki.KeyStore: the key pair is made inside the token
// with a random CKA_ID (the reference, hex) and label.
func (s *Store) Generate(ctx context.Context, alg pki.KeyAlgorithm, label string) (string, crypto.Signer, error) {
	if err := alg.Validate(); err != nil {
		return "", nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", nil, err
	}
	if len(label) > 64 {
		label = label[:64]
	}
	var signer crypto.Signer
	var err error
	switch alg {
	case pki.ECDSAP256:
		signer, err = s.p11.GenerateECDSAKeyPairWithLabel(id, []byte(label), elliptic.P256())
	case pki.ECDSAP384:
		signer, err = s.p11.GenerateECDSAKeyPairWithLabel(id, []byte(label), elliptic.P384())
	case pki.RSA2048:
		signer, err = s.p11.GenerateRSAKeyPairWithLabel(id, []byte(label), 2048)
	case pki.RSA3072:
		signer, err = s.p11.GenerateRSAKeyPairWithLabel(id, []byte(label), 3072)
	}
	if err != nil {
		return "", nil, apperr.Wrap(fmt.Errorf("%w: %w", pki.ErrKeyStore, err), apperr.Unavailable,
			"Token PKCS#11 %q không tạo được khóa %s", s.label, alg)
	}
	ref := hex.EncodeToString(id)
	s.mu.Lock()
	s.cache[ref] = signer
	s.mu.Unlock()
	return ref, signer, nil
}

// Signer implements pki.KeyStore.
func (s *Store) Signer(ctx context.Context, ref string) (crypto.Signer, error) {
	s.mu.Lock()
	c, ok := s.cache[ref]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	id, err := hex.DecodeString(ref)
	if err != nil || len(id) == 0 {
		return nil, apperr.Wrap(pki.ErrKeyStore, apperr.NotFound, "Mã khóa PKCS#11 %q không hợp lệ", ref)
	}
	signer, err := s.p11.FindKeyPair(id, nil)
	if err != nil && strings.Contains(err.Error(), "not found") {
		signer, err = nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", pki.ErrKeyStore, err), apperr.Unavailable, "Không đọc được khóa %s trên token PKCS#11 %q", ref, s.label)
	}
	if signer == nil {
		return nil, apperr.Wrap(pki.ErrKeyStore, apperr.NotFound,
			"Token PKCS#11 %q không có khóa %s: token không khớp với cơ sở dữ liệu", s.label, ref)
	}
	s.mu.Lock()
	s.cache[ref] = signer
	s.mu.Unlock()
	return signer, nil
}

// Delete implements pki.KeyStore.
func (s *Store) Delete(ctx context.Context, ref string) error {
	s.mu.Lock()
	delete(s.cache, ref)
	s.mu.Unlock()
	id, err := hex.DecodeString(ref)
	if err != nil {
		return nil
	}
	signer, err := s.p11.FindKeyPair(id, nil)
	if err != nil && strings.Contains(err.Error(), "not found") {
		return nil
	}
	if err != nil || signer == nil {
		return err
	}
	return signer.Delete()
}

var _ pki.KeyStore = (*Store)(nil)
