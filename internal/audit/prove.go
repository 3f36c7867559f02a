package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/transparency-dev/merkle/proof"
)

// InclusionProof shows that one entry is in the tree a signed checkpoint
// commits to. It marshals to stable JSON (byte fields in base64):
//
//	{"entry_id":42,"leaf_index":41,"tree_size":1000,"leaf_hash":"…","entry":"…",
//	 "proof":["…","…"],"checkpoint":"chinhquyen/audit\n1000\n…\n\n— chinhquyen/audit …\n"}
//
// Check it offline (no database, see VerifyInclusion or doc.go):
//  1. open Checkpoint with the published verifier key (golang.org/x/mod/sumdb/note)
//     and read origin, tree size and root from its body;
//  2. leaf hash = SHA-256(0x00 || Entry) must equal LeafHash;
//  3. proof.VerifyInclusion(rfc6962.DefaultHasher, LeafIndex, TreeSize,
//     LeafHash, Proof, root) from github.com/transparency-dev/merkle must pass.
type InclusionProof struct {
	EntryID   int64    `json:"entry_id"`
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	LeafHash  []byte   `json:"leaf_hash"`
	Entry     []byte   `json:"entry"` // the canonical entry bytes (JSON text)
	Proof     [][]byte `json:"proof"`
	// Checkpoint is the signed note of a tree of TreeSize leaves.
	Checkpoint string `json:"checkpoint"`
}

// Prove returns the inclusion proof of entry id against the oldest stored
// checkpoint that covers it, first integrating and signing a checkpoint when
// none does yet. ENOTFOUND: no such entry; EUNAVAILABLE: the entry is not in
// a checkpoint and the log cannot sign one.
func (l *Log) Prove(ctx context.Context, entryID int64) (*InclusionProof, error) {
	return l.proveOrSign(ctx, entryID, false)
}

// ProveLatest is Prove against the newest stored checkpoint (the one
// LatestCheckpoint returns, so a proof and a published checkpoint agree),
// signing a new checkpoint first when the newest does not cover the entry.
func (l *Log) ProveLatest(ctx context.Context, entryID int64) (*InclusionProof, error) {
	return l.proveOrSign(ctx, entryID, true)
}

func (l *Log) proveOrSign(ctx context.Context, entryID int64, latest bool) (*InclusionProof, error) {
	p, err := l.prove(ctx, entryID, latest)
	if apperr.Is(err, apperr.Unavailable) && l.signer != nil {
		if _, err := l.Checkpoint(ctx); err != nil {
			return nil, err
		}
		p, err = l.prove(ctx, entryID, latest)
	}
	return p, err
}

func (l *Log) prove(ctx context.Context, entryID int64, latest bool) (*InclusionProof, error) {
	var p *InclusionProof
	err := l.db.ReadTx(ctx, func(tx *sql.Tx) error {
		e, idx, err := loadEntry(ctx, tx, entryID)
		if err != nil {
			return err
		}
		if idx < 0 {
			return apperr.New(apperr.Unavailable, "Bản ghi nhật ký %d chưa được đưa vào cây Merkle", entryID)
		}
		var cp *Checkpoint
		if latest {
			cp, err = checkpointWhere(ctx, tx, "ORDER BY size DESC LIMIT 1")
			if err == nil && cp.Size <= uint64(idx) {
				err = apperr.New(apperr.NotFound, "not covered")
			}
		} else {
			cp, err = checkpointCovering(ctx, tx, uint64(idx))
		}
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.Unavailable, "Bản ghi nhật ký %d chưa có điểm kiểm tra nào bao gồm", entryID)
		}
		if err != nil {
			return err
		}
		hashes, err := inclusionHashes(ctx, tx, uint64(idx), cp.Size)
		if err != nil {
			return err
		}
		h, buf := leafHashOf(nil, e)
		p = &InclusionProof{
			EntryID:    entryID,
			LeafIndex:  uint64(idx),
			TreeSize:   cp.Size,
			LeafHash:   h[:],
			Entry:      buf[1:], // without the 0x00 leaf prefix
			Proof:      hashes,
			Checkpoint: cp.Note,
		}
		return nil
	})
	return p, err
}

// inclusionHashes reads and combines the proof nodes for leaf index in a
// tree of size leaves.
func inclusionHashes(ctx context.Context, q db.Querier, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return fetchProof(ctx, q, nodes)
}

func fetchProof(ctx context.Context, q db.Querier, nodes proof.Nodes) ([][]byte, error) {
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := nodeHash(ctx, q, id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	out, err := nodes.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = [][]byte{}
	}
	return out, nil
}

// ConsistencyProof returns the RFC 6962 consistency proof between trees of
// size1 and size2 leaves (size1 <= size2 <= current size), e.g. for a witness
// holding an older checkpoint.
func (l *Log) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	var out [][]byte
	err := l.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var size int64
		if err := tx.QueryRowContext(ctx, "SELECT size FROM audit_tree WHERE id = 1").Scan(&size); err != nil {
			return fmt.Errorf("read audit tree: %w", err)
		}
		if size1 > size2 || size2 > uint64(size) {
			return apperr.New(apperr.Invalid, "Kích thước cây không hợp lệ: cần %d ≤ %d ≤ %d", size1, size2, size)
		}
		nodes, err := proof.Consistency(size1, size2)
		if err != nil {
			return err
		}
		out, err = fetchProof(ctx, tx, nodes)
		return err
	})
	return out, err
}

// VerifyInclusion checks p offline with the published verifier key: the
// checkpoint signature, the leaf hash of the entry bytes, and the Merkle path
// to the checkpoint's root. It uses no database.
func VerifyInclusion(p *InclusionProof, verifierKey string) error {
	cp, err := OpenCheckpoint(p.Checkpoint, verifierKey)
	if err != nil {
		return err
	}
	if cp.Size != p.TreeSize {
		return apperr.New(apperr.Invalid, "Kích thước cây trong bằng chứng (%d) khác điểm kiểm tra (%d)", p.TreeSize, cp.Size)
	}
	if got := hasher.HashLeaf(p.Entry); string(got) != string(p.LeafHash) {
		return apperr.New(apperr.Invalid, "Mã băm lá không khớp nội dung bản ghi")
	}
	if err := proof.VerifyInclusion(hasher, p.LeafIndex, p.TreeSize, p.LeafHash, p.Proof, cp.Root); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "Bằng chứng bao hàm không khớp gốc cây của điểm kiểm tra")
	}
	return nil
}

// entryColumns are the columns the leaf hash covers, in fields order.
const entryColumns = `at, actor_kind, actor_account, actor_agency, actor_ip, actor_session,
 action, object_type, object_id, before_digest, after_digest, summary, outcome, reason`

func loadEntry(ctx context.Context, q db.Querier, id int64) (*fields[string], int64, error) {
	var f fields[string]
	var idx sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT "+entryColumns+", leaf_index FROM audit_entries WHERE id = $1", id).Scan(
		&f.At, &f.ActorKind, &f.ActorAccount, &f.ActorAgency, &f.ActorIP, &f.ActorSession,
		&f.Action, &f.ObjectType, &f.ObjectID, &f.Before, &f.After, &f.Summary, &f.Outcome, &f.Reason, &idx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, apperr.New(apperr.NotFound, "Không có bản ghi nhật ký kiểm toán %d", id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read audit entry %d: %w", id, err)
	}
	if !idx.Valid {
		return &f, -1, nil
	}
	return &f, idx.Int64, nil
}
