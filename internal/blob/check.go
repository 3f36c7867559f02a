package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Problem is one stored object that failed the check.
type Problem struct {
	Hash Hash
	Kind string // "missing" or "corrupt"
	// Size is the recorded size; Got what the store holds (corrupt only).
	Size, Got int64
}

// CheckReport is the outcome of Check.
type CheckReport struct {
	Objects  int   // objects recorded
	Bytes    int64 // bytes recorded
	Problems []Problem
}

// Check re-reads every object the metadata records and hashes its stored
// bytes (the ciphertext of encrypted uploads, which is what the object is
// addressed by: no key is needed and any flipped byte shows). progress,
// when not nil, receives the bytes read so far and the total.
func Check(ctx context.Context, q db.Querier, store Store, progress func(done, total int64)) (CheckReport, error) {
	var rep CheckReport
	rows, err := q.QueryContext(ctx, `SELECT stored_sha256, stored_size FROM blob_objects ORDER BY stored_sha256`)
	if err != nil {
		return rep, err
	}
	type object struct {
		h    Hash
		size int64
	}
	var objs []object
	for rows.Next() {
		var s string
		var o object
		if err := rows.Scan(&s, &o.size); err != nil {
			rows.Close()
			return rep, err
		}
		if o.h, err = ParseHash(s); err != nil {
			rows.Close()
			return rep, err
		}
		objs = append(objs, o)
		rep.Bytes += o.size
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}
	rep.Objects = len(objs)
	var done int64
	report := func() {
		if progress != nil {
			progress(done, rep.Bytes)
		}
	}
	report()
	for _, o := range objs {
		n, sum, err := hashObject(ctx, q, store, o.h)
		switch {
		case errors.Is(err, ErrNotFound):
			rep.Problems = append(rep.Problems, Problem{Hash: o.h, Kind: "missing", Size: o.size})
		case err != nil:
			return rep, err
		case sum != o.h || n != o.size:
			rep.Problems = append(rep.Problems, Problem{Hash: o.h, Kind: "corrupt", Size: o.size, Got: n})
		}
		done += o.size
		report()
	}
	return rep, nil
}

func hashObject(ctx context.Context, q db.Querier, store Store, h Hash) (int64, Hash, error) {
	rc, err := openStored(ctx, q, store, h)
	if err != nil {
		return 0, Hash{}, err
	}
	defer rc.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, ctxReader{ctx, rc})
	if err != nil {
		return n, Hash{}, err
	}
	return n, Hash(sum.Sum(nil)), nil
}
