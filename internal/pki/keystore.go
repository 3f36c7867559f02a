package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// KeyAlgorithm names a key type the platform generates.
type KeyAlgorithm string

// The key algorithms. ECDSA P-256 is the default: fast to sign and verify
// (`go run ./bench -only pki` measures it beside RSA); RSA for relying
// parties that need it.
const (
	ECDSAP256 KeyAlgorithm = "ecdsa-p256"
	ECDSAP384 KeyAlgorithm = "ecdsa-p384"
	RSA2048   KeyAlgorithm = "rsa-2048"
	RSA3072   KeyAlgorithm = "rsa-3072"
)

// Validate reports whether a is a supported algorithm (EINVALID otherwise).
func (a KeyAlgorithm) Validate() error {
	switch a {
	case ECDSAP256, ECDSAP384, RSA2048, RSA3072:
		return nil
	}
	return apperr.Wrap(ErrBadKey, apperr.Invalid,
		"Thuật toán khóa %q không được hỗ trợ (ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072)", string(a))
}

// GenerateSoftwareKey makes a new in-memory key of algorithm a.
func GenerateSoftwareKey(a KeyAlgorithm) (crypto.Signer, error) {
	switch a {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	}
	return nil, a.Validate()
}

// KeyStore keeps the platform's private keys: CA keys, the TSA and OCSP
// responder keys, and the keys it generates for officials and agencies.
// Private keys never leave a KeyStore in clear; callers get a crypto.Signer.
// Implementations: FileKeyStore (encrypted PKCS#8 files) and hsm.Store
// (PKCS#11). They must be safe for concurrent use.
type KeyStore interface {
	// Kind names the store in the database ("file", "pkcs11").
	Kind() string
	// Generate creates a key of algorithm alg and returns its reference
	// (stable, printable, at most 64 bytes) and a signer for it. label is a
	// human hint (e.g. "ca-root") that stores may record.
	Generate(ctx context.Context, alg KeyAlgorithm, label string) (ref string, s crypto.Signer, err error)
	// Signer returns the signer for ref, or an error wrapping ErrKeyStore.
	Signer(ctx context.Context, ref string) (crypto.Signer, error)
	// Delete removes a key whose certificate was never issued (a rolled back
	// transaction). Deleting an unknown ref is not an error.
	Delete(ctx context.Context, ref string) error
}

// FileKeyStore keeps each key as an encrypted PKCS#8 PEM file
// (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC) named <ref>.key in Dir, readable
// with `openssl pkey -in <ref>.key -passin env:VAR`. Decrypted signers are
// cached in memory, so the PBKDF2 cost is paid once per key and process.
type FileKeyStore struct {
	dir        string
	passphrase []byte
	iterations int

	mu    sync.Mutex
	cache map[string]crypto.Signer
}

// NewFileKeyStore returns the store in dir (created 0700 if missing), whose
// keys are protected by passphrase (from CHINHQUYEN_KEY_PASSPHRASE or its
// _FILE). iterations <= 0 means DefaultPBKDF2Iterations.
func NewFileKeyStore(dir string, passphrase []byte, iterations int) (*FileKeyStore, error) {
	if len(passphrase) < 8 {
		return nil, apperr.Wrap(ErrKeyStore, apperr.Invalid,
			"Mật khẩu bảo vệ kho khóa phải có ít nhất 8 ký tự (CHINHQUYEN_KEY_PASSPHRASE hoặc CHINHQUYEN_KEY_PASSPHRASE_FILE)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrKeyStore, err), apperr.Unavailable,
			"Không tạo được thư mục kho khóa %s", dir)
	}
	return &FileKeyStore{dir: dir, passphrase: append([]byte(nil), passphrase...), iterations: iterations,
		cache: map[string]crypto.Signer{}}, nil
}

// Kind implements KeyStore.
func (s *FileKeyStore) Kind() string { return "file" }

func (s *FileKeyStore) path(ref string) (string, error) {
	if len(ref) != 32 || strings.Trim(ref, "0123456789abcdef") != "" {
		return "", apperr.Wrap(ErrKeyStore, apperr.NotFound, "Mã khóa %q không hợp lệ", ref)
	}
	return filepath.Join(s.dir, ref+".key"), nil
}

// Generate implements KeyStore.
func (s *FileKeyStore) Generate(ctx context.Context, alg KeyAlgorithm, label string) (string, crypto.Signer, error) {
	key, err := GenerateSoftwareKey(alg)
	if err != nil {
		return "", nil, err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", nil, err
	}
	ref := hex.EncodeToString(id[:])
	der, err := EncryptPKCS8(key, s.passphrase, s.iterations)
	if err != nil {
		return "", nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrKeyStore, err), apperr.Internal, "Không mã hóa được khóa bí mật mới")
	}
	path, _ := s.path(ref)
	data := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Headers: nil, Bytes: der})
	if err := writeFileAtomic(path, data); err != nil {
		return "", nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrKeyStore, err), apperr.Unavailable,
			"Không ghi được tệp khóa bí mật vào %s", s.dir)
	}
	signer := redact(key, "file "+ref)
	s.mu.Lock()
	s.cache[ref] = signer
	s.mu.Unlock()
	return ref, signer, nil
}

// Signer implements KeyStore.
func (s *FileKeyStore) Signer(ctx context.Context, ref string) (crypto.Signer, error) {
	s.mu.Lock()
	c, ok := s.cache[ref]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	path, err := s.path(ref)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrKeyStore, err), apperr.NotFound,
				"Không tìm thấy tệp khóa bí mật %s: kho khóa không khớp với cơ sở dữ liệu", path)
		}
		return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrKeyStore, err), apperr.Unavailable, "Không đọc được tệp khóa bí mật %s", path)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "ENCRYPTED PRIVATE KEY" {
		return nil, apperr.Wrap(ErrKeyStore, apperr.Internal, "Tệp khóa bí mật %s bị hỏng", path)
	}
	key, err := decryptPKCS8Key(block.Bytes, s.passphrase)
	if err != nil {
		if errors.Is(err, ErrBadPassphrase) {
			return nil, apperr.Wrap(fmt.Errorf("%w: %w", ErrKeyStore, err), apperr.Unauthorized,
				"Mật khẩu kho khóa không mở được khóa %s: kiểm tra CHINHQUYEN_KEY_PASSPHRASE", ref)
		}
		return nil, err
	}
	key = redact(key.(*redactedSigner).s, "file "+ref)
	s.mu.Lock()
	s.cache[ref] = key
	s.mu.Unlock()
	return key, nil
}

// Delete implements KeyStore.
func (s *FileKeyStore) Delete(ctx context.Context, ref string) error {
	path, err := s.path(ref)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	delete(s.cache, ref)
	s.mu.Unlock()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
