// Package blob keeps the platform's files: a content-addressed store (a
// file is kept once under the SHA-256 of its stored bytes) with two drivers,
// the local data folder and S3-compatible storage; uploads with their
// metadata, type sniffing and clean names; encryption at rest for
// restricted files and personal-data attachments.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Hash is the SHA-256 of a stored object's bytes: its address.
type Hash [sha256.Size]byte

// String is the lower-case hex form used in keys, paths and the database.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads the hex form.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, apperr.New(apperr.Invalid, "Mã băm SHA-256 %q không hợp lệ", s)
	}
	copy(h[:], b)
	return h, nil
}

// Info describes a stored object.
type Info struct {
	Hash Hash
	Size int64
}

// PutOptions bound and describe a Put.
type PutOptions struct {
	// Limit is the most bytes accepted; a longer stream fails with
	// ErrTooLarge and leaves nothing stored. Zero means no limit.
	Limit int64
	// MediaType is recorded where the driver can keep it (S3
	// Content-Type); the metadata table is the authority.
	MediaType string
	// Check, when set, sees the complete bytes before they take their
	// name; its error leaves nothing stored and is returned as is. A
	// media type it returns replaces MediaType.
	Check func(r io.ReaderAt, size int64) (mediaType string, err error)
	// Placed, when set, runs once the object is readable under its
	// address, while the driver makes that address durable (the local
	// store's folder fsync), so a caller's database commit and the
	// folder's sync cost the disk one wait instead of two in a row. Put
	// returns when both are done: Placed's error as is, else the
	// driver's. Drivers whose store is durable at once (S3) call it last.
	Placed func(Info) error
}

// Store is a content-addressed object store. Every driver passes the
// conformance suite in blobtest.
type Store interface {
	// Put stores the bytes of r and returns their hash and size. Storing
	// bytes already present keeps one copy. When Put returns nil the
	// object is durable.
	Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error)
	// Open reads an object; ErrNotFound when absent.
	Open(ctx context.Context, h Hash) (io.ReadCloser, error)
	// Stat reports an object's size; ErrNotFound when absent.
	Stat(ctx context.Context, h Hash) (Info, error)
	// Delete removes an object; deleting an absent one is not an error.
	Delete(ctx context.Context, h Hash) error
	// Walk calls fn for every stored object, in no particular order.
	Walk(ctx context.Context, fn func(Info) error) error
	// Describe names the store for people and logs ("local /srv/data/files").
	Describe() string
}

// ErrNotFound is returned (wrapped) for an absent object.
var ErrNotFound = errors.New("blob: object not found")

// ErrTooLarge is returned (wrapped) by Put when the stream exceeds the limit.
var ErrTooLarge = errors.New("blob: object exceeds the size limit")

// limitedHash reads src, hashing and counting, and fails with ErrTooLarge
// past limit bytes.
type limitedHash struct {
	src   io.Reader
	h     hashWriter
	n     int64
	limit int64
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func newLimitedHash(src io.Reader, limit int64) *limitedHash {
	return &limitedHash{src: src, h: sha256.New(), limit: limit}
}

func (l *limitedHash) Read(p []byte) (int, error) {
	n, err := l.src.Read(p)
	l.h.Write(p[:n])
	l.n += int64(n)
	if l.limit > 0 && l.n > l.limit {
		return n, ErrTooLarge
	}
	return n, err
}

func (l *limitedHash) info() Info {
	var h Hash
	copy(h[:], l.h.Sum(nil))
	return Info{Hash: h, Size: l.n}
}
