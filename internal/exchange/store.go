package exchange

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
)

// Packages are kept whole as evidence. With Options.Store they are files
// of the store, named by their SHA-256 (the row's digest), and the row's
// package column is empty: a package is hundreds of kilobytes, and written
// into the row it went through the one SQLite writer twice (the log, then
// the checkpoint), so every other transaction of the node queued behind
// its copy. A file is written and synced by the goroutine that received
// or built it, beside the others.

// Stage makes pkg durable in the package store before the transaction that
// enqueues it, so that Enqueue's row only names it. Without a store it
// does nothing and Enqueue keeps the bytes in the row.
func (s *Service) Stage(ctx context.Context, pkg []byte) error {
	_, err := s.keep(ctx, pkg)
	return err
}

// keep writes raw to the store and returns what the row's package column
// holds: nothing when the store has it, the bytes without a store.
func (s *Service) keep(ctx context.Context, raw []byte) ([]byte, error) {
	if s.opts.Store == nil {
		return raw, nil
	}
	if _, err := s.opts.Store.Put(ctx, bytes.NewReader(raw), blob.PutOptions{MediaType: "multipart/related"}); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không lưu được gói tin vào kho tệp, vui lòng thử lại")
	}
	return []byte{}, nil
}

// column is Enqueue's choice for a package built by the caller: the bytes
// in the row unless Stage already put them in the store. It runs inside
// the caller's transaction, so it only looks (a stat), never writes a file.
func (s *Service) column(ctx context.Context, raw []byte, sum string) ([]byte, error) {
	if s.opts.Store == nil {
		return raw, nil
	}
	h, err := blob.ParseHash(sum)
	if err != nil {
		return nil, err
	}
	if _, err := s.opts.Store.Stat(ctx, h); err != nil {
		return raw, nil
	}
	return []byte{}, nil
}

// packageOf returns a row's package: its column, or the store's file
// named by the digest, checked against it (the evidence handed out).
func (s *Service) packageOf(ctx context.Context, col []byte, sum string) ([]byte, error) {
	return s.readPackage(ctx, col, sum, true)
}

// readPackage is packageOf, checking the file's bytes against the digest
// when verify; a delivery does not, since the receiver checks the
// package's signature and the digests of its files.
func (s *Service) readPackage(ctx context.Context, col []byte, sum string, verify bool) ([]byte, error) {
	if len(col) > 0 || s.opts.Store == nil {
		return col, nil
	}
	h, err := blob.ParseHash(sum)
	if err != nil {
		return nil, err
	}
	rc, err := s.opts.Store.Open(ctx, h)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được gói tin %s từ kho tệp", sum)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, s.opts.MaxPackage+1))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được gói tin %s từ kho tệp", sum)
	}
	if verify && blob.Hash(sha256.Sum256(raw)) != h {
		return nil, apperr.Wrap(fmt.Errorf("package %s: stored bytes differ", sum), apperr.Internal, "Gói tin %s trong kho tệp đã bị thay đổi", sum)
	}
	return raw, nil
}
