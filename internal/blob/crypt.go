package blob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// Keyring seals the per-file keys of encrypted uploads.
//
// Each encrypted file is an age file (the age-encryption.org/v1 format:
// ChaCha20-Poly1305 in 64 KiB authenticated chunks) addressed to an X25519
// identity generated for that file alone. The identity is sealed with
// AES-256-GCM under the key-encryption key (KEK) and kept in the database
// row, never beside the object. The KEK is derived (HKDF-SHA256) from the
// platform secret key rather than taken from the CA's key store: the
// secret key exists in every configuration (a PKCS#11 token has no
// passphrase to derive from, and its keys do not leave it), replicas must
// already share it, and it is the key that seals second-factor secrets
// under the same threat. A stolen bucket holds ciphertext only; a stolen
// data folder or database dump reveals nothing of these files as long as
// the secret key is supplied from outside them (CHINHQUYEN_SECRET_KEY_FILE,
// as a production install does).
type Keyring struct {
	aead cipher.AEAD
	id   string
}

// NewKeyring derives the KEK from the platform secret key.
func NewKeyring(secretKey []byte) (*Keyring, error) {
	if len(secretKey) < 32 {
		return nil, errors.New("blob: the platform secret key is shorter than 32 bytes")
	}
	kek, err := hkdf.Key(sha256.New, secretKey, nil, "chinhquyen blob key-encryption key v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("chinhquyen/blob-kek-id\x00"), kek...))
	return &Keyring{aead: aead, id: hex.EncodeToString(sum[:8])}, nil
}

// ID is the KEK's public fingerprint, recorded with every sealed key so a
// server given another secret key says so instead of failing to decrypt.
func (k *Keyring) ID() string { return k.id }

// seal encrypts a file's identity, bound by aad to its object and upload.
func (k *Keyring) seal(identity string, aad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, []byte(identity), aad), nil
}

// open recovers a file's identity.
func (k *Keyring) open(sealed, aad []byte) (*age.X25519Identity, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("blob: sealed key too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("blob: unseal file key: %w", err)
	}
	return age.ParseX25519Identity(string(plain))
}

// encrypter returns a writer encrypting to a new identity, and that
// identity's text for sealing.
func encrypter(dst io.Writer) (io.WriteCloser, string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, "", err
	}
	w, err := age.Encrypt(dst, id.Recipient())
	if err != nil {
		return nil, "", err
	}
	return w, id.String(), nil
}

func sealAAD(uploadID string, stored Hash) []byte {
	return []byte("chinhquyen/blob-file-key\x00" + uploadID + "\x00" + stored.String())
}

// spool holds an upload on local disk while it is sniffed and stored,
// encrypted with AES-CTR under a key that exists only in memory: the
// bytes of a restricted file never reach a disk in clear, not even for
// the seconds of the upload. CTR allows the random access the ZIP
// check needs; integrity comes from re-hashing on the second read.
type spool struct {
	f interface {
		io.ReaderAt
		io.Writer
		io.Closer
		Name() string
	}
	block cipher.Block
	iv    [aes.BlockSize]byte
	w     cipher.Stream
	buf   []byte
}

func newSpool(f interface {
	io.ReaderAt
	io.Writer
	io.Closer
	Name() string
}) (*spool, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	s := &spool{f: f, block: block}
	if _, err := rand.Read(s.iv[:]); err != nil {
		return nil, err
	}
	s.w = newCTR(s)
	return s, nil
}

func newCTR(s *spool) cipher.Stream { return cipher.NewCTR(s.block, s.iv[:]) }

// Write appends (sequential writes only).
func (s *spool) Write(p []byte) (int, error) {
	if cap(s.buf) < len(p) {
		s.buf = make([]byte, len(p))
	}
	buf := s.buf[:len(p)]
	s.w.XORKeyStream(buf, p)
	return s.f.Write(buf)
}

// ReadAt decrypts from any offset.
func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.f.ReadAt(p, off)
	iv := s.iv
	ctr := uint64(off / aes.BlockSize)
	// Add the block index to the 128-bit big-endian counter.
	for i := len(iv) - 1; i >= 0 && ctr > 0; i-- {
		sum := uint64(iv[i]) + ctr&0xff
		iv[i] = byte(sum)
		ctr = ctr>>8 + sum>>8
	}
	st := cipher.NewCTR(s.block, iv[:])
	if skip := int(off % aes.BlockSize); skip > 0 {
		var junk [aes.BlockSize]byte
		st.XORKeyStream(junk[:skip], junk[:skip])
	}
	st.XORKeyStream(p[:n], p[:n])
	return n, err
}
