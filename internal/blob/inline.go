package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"io"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// DefaultInlineMax is the largest upload kept in the database rather than
// the file store (Options.InlineMax). A scanned page or a filled-in form
// fits. Such an upload costs one durable write, the transaction that
// records it, where a file costs its own fsync, its folder's and the
// transaction's; and SQLite reads blobs of this size faster from the
// database than from files ("Internal Versus External BLOBs in SQLite",
// sqlite.org, 4 KB pages). Larger files stream to the store as before, so
// a request never holds more than this in memory.
const DefaultInlineMax = 256 << 10

// inlineMax is the effective threshold: 0 when inline objects are off.
func (s *Service) inlineMax() int64 {
	if s.opts.InlineMax < 0 {
		return 0
	}
	return min(s.opts.InlineMax, s.opts.MaxSize)
}

// readHead reads up to limit+1 bytes of r: the whole content when it is
// at most limit bytes long (whole is then true), else its start.
func readHead(ctx context.Context, r io.Reader, limit int64) (head []byte, whole bool, err error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(ctxReader{ctx, clientReader{r}}, limit+1))
	if err != nil {
		return nil, false, err
	}
	return buf.Bytes(), n <= limit, nil
}

// uploadInline records a whole clear upload with its bytes in one
// transaction: nothing is stored when anything fails, so no orphan.
func (s *Service) uploadInline(ctx context.Context, a *actor.Actor, data []byte, req Request, u Upload) (Upload, error) {
	var err error
	size := int64(len(data))
	if u.MediaType, u.Name, err = checkContent(bytes.NewReader(data), size, req.Name); err != nil {
		return Upload{}, err
	}
	u.stored, u.storedSize = sha256.Sum256(data), size
	u.SHA256, u.Size = u.stored.String(), size
	u.inline = data
	if err := s.record(ctx, a, u); err != nil {
		return Upload{}, err
	}
	u.inline = nil
	return u, nil
}

// storeInline writes an inline object's bytes in the recording
// transaction; its object row was written just before.
func storeInline(ctx context.Context, tx *sql.Tx, h Hash, data []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO blob_inline (stored_sha256, data) VALUES ($1, $2) ON CONFLICT (stored_sha256) DO NOTHING`, h.String(), data)
	return err
}

// openStored reads a stored object from the database when it is kept
// there, else from the store.
func openStored(ctx context.Context, q db.Querier, store Store, h Hash) (io.ReadCloser, error) {
	var data []byte
	err := q.QueryRowContext(ctx, `SELECT data FROM blob_inline WHERE stored_sha256 = $1`, h.String()).Scan(&data)
	switch {
	case err == nil:
		return io.NopCloser(bytes.NewReader(data)), nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	return store.Open(ctx, h)
}
