package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// hasher is the RFC 6962 SHA-256 tree hasher.
var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// emptyRoot is the root of the empty tree, SHA-256 of nothing.
var emptyRoot = sha256.Sum256(nil)

// treeCache is the compact range of [0, size) with the root it gave, kept
// between integration runs so appending does not re-read the right border.
// It is used only when the tree row still says size and root (another
// replica may have integrated meanwhile).
type treeCache struct {
	rng  *compact.Range
	root []byte
}

// IntegrateResult says what one Integrate call did.
type IntegrateResult struct {
	Integrated int    // entries given a leaf index
	Size       uint64 // tree size afterwards
	Root       []byte // tree root afterwards
	Checkpoint bool   // a checkpoint was signed
}

// Integrate gives every committed, not yet integrated entry the next leaf
// index, appends it to the Merkle tree, and signs a checkpoint when the
// policy (Options.CheckpointEvery, Options.CheckpointInterval) says so. It
// works in transactions of at most Options.BatchSize entries and returns when
// nothing is pending. Concurrent calls, also from other replicas, are
// serialised by a lock on the tree row.
func (l *Log) Integrate(ctx context.Context) (IntegrateResult, error) {
	var res IntegrateResult
	for {
		n, cp, err := l.integrateBatch(ctx, false, &res)
		if err != nil {
			return res, err
		}
		res.Integrated += n
		res.Checkpoint = res.Checkpoint || cp
		if n < l.opts.BatchSize {
			return res, nil
		}
	}
}

// Checkpoint integrates every committed entry and returns a signed checkpoint
// of the whole tree, signing a new one unless the latest already covers it.
// It returns EUNAVAILABLE when the log has no signing key.
func (l *Log) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	if l.signer == nil {
		return nil, apperr.New(apperr.Unavailable, "Nhật ký kiểm toán chưa có khóa ký: không lập được điểm kiểm tra")
	}
	var res IntegrateResult
	for {
		n, _, err := l.integrateBatch(ctx, true, &res)
		if err != nil {
			return nil, err
		}
		if n < l.opts.BatchSize {
			break
		}
	}
	return LatestCheckpoint(ctx, l.db)
}

// Run integrates every Options.IntegrateInterval until ctx ends. Errors are
// logged and retried; it returns ctx.Err().
func (l *Log) Run(ctx context.Context) error {
	t := time.NewTicker(l.opts.IntegrateInterval)
	defer t.Stop()
	for {
		if res, err := l.Integrate(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l.log.Error("audit integration failed", "err", err)
		} else if res.Integrated > 0 {
			l.log.Debug("audit entries integrated", "n", res.Integrated, "size", res.Size, "checkpoint", res.Checkpoint)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

type pendingLeaf struct {
	id   int64
	hash []byte
}

// integrateBatch integrates up to BatchSize pending entries in one
// transaction and signs a checkpoint if due (or forced and the tree grew).
func (l *Log) integrateBatch(ctx context.Context, force bool, res *IntegrateResult) (n int, signed bool, err error) {
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		n, signed = 0, false
		lock := "SELECT size, root FROM audit_tree WHERE id = 1"
		if l.db.Dialect == db.Postgres {
			// One integrator at a time across replicas; it waits for the
			// previous one to commit and then sees its leaves.
			lock += " FOR UPDATE"
		}
		var size int64
		var root []byte
		if err := tx.QueryRowContext(ctx, lock).Scan(&size, &root); err != nil {
			return fmt.Errorf("lock audit tree: %w", err)
		}
		pending, err := l.pending(ctx, tx)
		if err != nil {
			return err
		}
		newSize, newRoot := uint64(size), root
		var rng *compact.Range
		if len(pending) > 0 {
			rng, err = l.rangeAt(ctx, tx, uint64(size), root)
			if err != nil {
				return err
			}
			if err := l.appendLeaves(ctx, tx, rng, pending); err != nil {
				return err
			}
			newSize = rng.End()
			if newRoot, err = rng.GetRootHash(nil); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE audit_tree SET size = $1, root = $2, updated = $3 WHERE id = 1",
				int64(newSize), newRoot, db.Micros(l.now())); err != nil {
				return fmt.Errorf("update audit tree: %w", err)
			}
			n = len(pending)
		}
		signed, err = l.maybeSign(ctx, tx, newSize, newRoot, force)
		if err != nil {
			return err
		}
		res.Size, res.Root = newSize, newRoot
		if rng != nil {
			l.mu.Lock()
			l.cache = &treeCache{rng: rng, root: newRoot}
			l.mu.Unlock()
		}
		return nil
	})
	if err != nil {
		l.mu.Lock()
		l.cache = nil // the transaction rolled back: the cached range may be ahead
		l.mu.Unlock()
	}
	return n, signed, err
}

func (l *Log) pending(ctx context.Context, tx *sql.Tx) ([]pendingLeaf, error) {
	rows, err := tx.QueryContext(ctx,
		"SELECT id, leaf_hash FROM audit_entries WHERE leaf_index IS NULL ORDER BY id LIMIT $1", l.opts.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("read pending audit entries: %w", err)
	}
	defer rows.Close()
	var out []pendingLeaf
	for rows.Next() {
		var p pendingLeaf
		if err := rows.Scan(&p.id, &p.hash); err != nil {
			return nil, err
		}
		if len(p.hash) != sha256.Size {
			return nil, fmt.Errorf("audit entry %d has a malformed leaf hash", p.id)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// rangeAt returns the compact range [0, size) of the stored tree, from the
// cache when it matches, else from the stored nodes.
func (l *Log) rangeAt(ctx context.Context, tx *sql.Tx, size uint64, root []byte) (*compact.Range, error) {
	l.mu.Lock()
	c := l.cache
	l.cache = nil // taken: it will be extended in place
	l.mu.Unlock()
	if c != nil && c.rng.End() == size && bytes.Equal(c.root, root) {
		return c.rng, nil
	}
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := nodeHash(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	rng, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, err
	}
	got, err := rng.GetRootHash(nil)
	if err != nil {
		return nil, err
	}
	if size == 0 {
		got = emptyRoot[:]
	}
	if !bytes.Equal(got, root) {
		return nil, apperr.New(apperr.Internal,
			"Cây Merkle của nhật ký kiểm toán không khớp gốc đã lưu (kích thước %d): hãy chạy `chinhquyen audit verify`", size)
	}
	return rng, nil
}

// minStoredLevel is the lowest tree level kept in audit_nodes. Nodes below
// it (covering at most 8 leaves) are recomputed from audit_leaves when a
// proof needs them: the table stays 16 times smaller than the log, which
// makes integration and Verify cheaper, for at most 15 extra leaf reads a
// proof.
const minStoredLevel = 4

// nodeHash reads a perfect-subtree hash: leaves from audit_leaves, levels
// from minStoredLevel up from audit_nodes, the levels between recomputed
// from their leaves.
func nodeHash(ctx context.Context, q db.Querier, id compact.NodeID) ([]byte, error) {
	if id.Level > 0 && id.Level < minStoredLevel {
		return lowNodeHash(ctx, q, id)
	}
	var h []byte
	var err error
	if id.Level == 0 {
		err = q.QueryRowContext(ctx, "SELECT leaf_hash FROM audit_leaves WHERE leaf_index = $1", int64(id.Index)).Scan(&h)
	} else {
		err = q.QueryRowContext(ctx, "SELECT hash FROM audit_nodes WHERE level = $1 AND idx = $2", int(id.Level), int64(id.Index)).Scan(&h)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missingNode(id)
	}
	if err != nil {
		return nil, fmt.Errorf("read audit tree node %d/%d: %w", id.Level, id.Index, err)
	}
	return h, nil
}

func missingNode(id compact.NodeID) error {
	return apperr.New(apperr.Internal,
		"Thiếu nút cây Merkle (mức %d, vị trí %d) của nhật ký kiểm toán: hãy chạy `chinhquyen audit verify`", id.Level, id.Index)
}

// lowNodeHash recomputes a node below minStoredLevel from its leaves.
func lowNodeHash(ctx context.Context, q db.Querier, id compact.NodeID) ([]byte, error) {
	begin, end := id.Coverage()
	rows, err := q.QueryContext(ctx, "SELECT leaf_hash FROM audit_leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
		int64(begin), int64(end))
	if err != nil {
		return nil, fmt.Errorf("read audit leaves %d–%d: %w", begin, end, err)
	}
	defer rows.Close()
	var hs [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if uint64(len(hs)) != end-begin {
		return nil, missingNode(id)
	}
	for len(hs) > 1 {
		for i := 0; i < len(hs)/2; i++ {
			hs[i] = hasher.HashChildren(hs[2*i], hs[2*i+1])
		}
		hs = hs[:len(hs)/2]
	}
	return hs[0], nil
}

// rowsPerInsert bounds multi-row statements: 3 parameters a row stays far
// below both engines' limits (SQLite 32766, PostgreSQL 65535).
const rowsPerInsert = 500

// appendLeaves gives pending entries the next indexes and stores the leaves
// and every completed tree node, in multi-row statements (one round trip per
// 500 rows on PostgreSQL).
func (l *Log) appendLeaves(ctx context.Context, tx *sql.Tx, rng *compact.Range, pending []pendingLeaf) error {
	first := rng.End()
	type node struct {
		level uint
		idx   uint64
		hash  []byte
	}
	var nodes []node
	visit := func(id compact.NodeID, h []byte) {
		if id.Level >= minStoredLevel {
			nodes = append(nodes, node{id.Level, id.Index, h})
		}
	}
	for _, p := range pending {
		if err := rng.Append(p.hash, visit); err != nil {
			return err
		}
	}
	leafRows := make([][]any, len(pending))
	for i, p := range pending {
		leafRows[i] = []any{int64(first) + int64(i), p.id, p.hash}
	}
	if err := l.insertRows(ctx, tx, "audit_leaves (leaf_index, entry_id, leaf_hash)", leafRows); err != nil {
		return fmt.Errorf("store audit leaves: %w", err)
	}
	nodeRows := make([][]any, len(nodes))
	for i, n := range nodes {
		nodeRows[i] = []any{int(n.level), int64(n.idx), n.hash}
	}
	if err := l.insertRows(ctx, tx, "audit_nodes (level, idx, hash)", nodeRows); err != nil {
		return fmt.Errorf("store audit tree nodes: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE audit_entries SET leaf_index =
 (SELECT leaf_index FROM audit_leaves WHERE audit_leaves.entry_id = audit_entries.id)
 WHERE leaf_index IS NULL AND id IN (SELECT entry_id FROM audit_leaves WHERE leaf_index >= $1)`, int64(first))
	if err != nil {
		return fmt.Errorf("mark integrated audit entries: %w", err)
	}
	if k, err := res.RowsAffected(); err == nil && k != int64(len(pending)) {
		return fmt.Errorf("integrate audit entries: marked %d of %d", k, len(pending))
	}
	return nil
}

// insertRows inserts rows of 3 values. PostgreSQL gets multi-row statements
// (one round trip per 500 rows); SQLite, where a statement costs no round
// trip but resolving many "$N" parameters is quadratic, one prepared
// single-row statement.
func (l *Log) insertRows(ctx context.Context, tx *sql.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if l.db.Dialect == db.SQLite {
		st, err := tx.PrepareContext(ctx, multiInsert(table, 1, 3))
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rows {
			if _, err := st.ExecContext(ctx, r...); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < len(rows); i += rowsPerInsert {
		chunk := rows[i:min(i+rowsPerInsert, len(rows))]
		args := make([]any, 0, 3*len(chunk))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, multiInsert(table, len(chunk), 3), args...); err != nil {
			return err
		}
	}
	return nil
}

// multiInsert returns "INSERT INTO table VALUES ($1, $2, $3), ($4, …)".
func multiInsert(table string, rows, cols int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" VALUES ")
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// maybeSign signs and stores a checkpoint of (size, root) when the policy
// says so; force signs whenever the tree grew since the latest checkpoint.
func (l *Log) maybeSign(ctx context.Context, tx *sql.Tx, size uint64, root []byte, force bool) (bool, error) {
	if l.signer == nil || size == 0 {
		return false, nil
	}
	var lastSize, lastAt int64
	err := tx.QueryRowContext(ctx, "SELECT size, at FROM audit_checkpoints ORDER BY size DESC LIMIT 1").Scan(&lastSize, &lastAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("read latest audit checkpoint: %w", err)
	}
	if uint64(lastSize) >= size {
		return false, nil
	}
	now := l.now()
	due := force || size-uint64(lastSize) >= uint64(l.opts.CheckpointEvery) ||
		now.Sub(db.FromMicros(lastAt)) >= l.opts.CheckpointInterval
	if !due {
		return false, nil
	}
	// The origin is the key's name: one name per log, whatever Options.Origin
	// says after the key was made.
	text := checkpointBody(l.signer.s.Name(), size, root)
	signed, err := note.Sign(&note.Note{Text: text}, l.signer.s)
	if err != nil {
		return false, fmt.Errorf("sign audit checkpoint: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO audit_checkpoints (size, root, at, note) VALUES ($1, $2, $3, $4)",
		int64(size), root, db.Micros(now), string(signed)); err != nil {
		return false, fmt.Errorf("store audit checkpoint: %w", err)
	}
	return true, nil
}

// checkpointBody is the checkpoint text (C2SP tlog-checkpoint): origin, tree
// size in decimal and the base64 root hash, one per line.
func checkpointBody(origin string, size uint64, root []byte) string {
	return origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root) + "\n"
}
