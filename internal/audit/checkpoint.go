package audit

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a signed statement of the tree: its origin, size and root.
type Checkpoint struct {
	Origin string    `json:"origin"`
	Size   uint64    `json:"tree_size"`
	Root   []byte    `json:"root_hash"` // base64 in JSON, as in the note
	At     time.Time `json:"signed_at"`
	// Note is the signed note text exactly as stored: the body (origin,
	// size, root) followed by a blank line and the signature line(s).
	Note string `json:"note"`
}

// ParseCheckpointBody parses the unsigned body of a checkpoint note: origin,
// decimal tree size and base64 SHA-256 root hash, each on its own line
// (C2SP tlog-checkpoint; further extension lines are allowed and ignored).
func ParseCheckpointBody(text string) (origin string, size uint64, root []byte, err error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || !strings.HasSuffix(text, "\n") {
		return "", 0, nil, errors.New("checkpoint: need origin, size and root lines")
	}
	origin = lines[0]
	if origin == "" {
		return "", 0, nil, errors.New("checkpoint: empty origin")
	}
	if lines[1] == "" || (len(lines[1]) > 1 && lines[1][0] == '0') || lines[1][0] == '+' {
		return "", 0, nil, fmt.Errorf("checkpoint: malformed size %q", lines[1])
	}
	size, err = strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return "", 0, nil, fmt.Errorf("checkpoint: malformed size %q", lines[1])
	}
	root, err = base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return "", 0, nil, fmt.Errorf("checkpoint: malformed root hash %q", lines[2])
	}
	return origin, size, root, nil
}

// OpenCheckpoint verifies a signed checkpoint note with the given verifier
// keys ("name+hash+base64", e.g. the content of audit-verifier.pub) and
// returns its fields. It needs no database: third parties use it (or the same
// calls on golang.org/x/mod/sumdb/note) to check checkpoints they were given.
func OpenCheckpoint(signed string, verifierKeys ...string) (*Checkpoint, error) {
	var vs []note.Verifier
	for _, k := range verifierKeys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Khóa kiểm tra nhật ký kiểm toán không hợp lệ")
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(signed), note.VerifierList(vs...))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Chữ ký điểm kiểm tra nhật ký kiểm toán không hợp lệ")
	}
	origin, size, root, err := ParseCheckpointBody(n.Text)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Điểm kiểm tra nhật ký kiểm toán sai định dạng")
	}
	return &Checkpoint{Origin: origin, Size: size, Root: root, Note: signed}, nil
}

// LatestCheckpoint returns the newest stored checkpoint (not verified: use
// OpenCheckpoint or Verify), or ENOTFOUND when none was signed yet.
func LatestCheckpoint(ctx context.Context, d *db.DB) (*Checkpoint, error) {
	return checkpointWhere(ctx, d.Reader(), "ORDER BY size DESC LIMIT 1")
}

// checkpointCovering returns the oldest checkpoint whose tree includes leaf
// index i.
func checkpointCovering(ctx context.Context, q db.Querier, i uint64) (*Checkpoint, error) {
	return checkpointWhere(ctx, q, "WHERE size > $1 ORDER BY size LIMIT 1", int64(i))
}

func checkpointWhere(ctx context.Context, q db.Querier, where string, args ...any) (*Checkpoint, error) {
	var size, at int64
	var root []byte
	var text string
	err := q.QueryRowContext(ctx, "SELECT size, root, at, note FROM audit_checkpoints "+where, args...).Scan(&size, &root, &at, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "Chưa có điểm kiểm tra nào của nhật ký kiểm toán")
	}
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	origin := text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		origin = text[:i]
	}
	return &Checkpoint{Origin: origin, Size: uint64(size), Root: root, At: db.FromMicros(at).In(time.UTC), Note: text}, nil
}
