package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Kinds of problem Verify reports.
const (
	ProblemChanged    = "changed"    // an entry's stored fields no longer match its leaf hash
	ProblemRemoved    = "removed"    // an entry of the tree is missing
	ProblemInserted   = "inserted"   // a row that the integrator never sequenced
	ProblemReordered  = "reordered"  // an entry sits at another leaf index than it was given
	ProblemTree       = "tree"       // stored tree nodes or tree state disagree with the entries
	ProblemCheckpoint = "checkpoint" // a checkpoint is not validly signed or not a root of this tree
)

// Problem is the first inconsistency Verify found.
type Problem struct {
	Kind      string `json:"kind"`
	LeafIndex int64  `json:"leaf_index"` // -1 when not about one leaf
	EntryID   int64  `json:"entry_id"`   // 0 when unknown
	// CheckpointSize names the checkpoint at fault (ProblemCheckpoint).
	CheckpointSize int64  `json:"checkpoint_size,omitempty"`
	Message        string `json:"message"`    // Vietnamese
	MessageEN      string `json:"message_en"` // English

	level uint // tree problems: the node's level; the lowest mismatch is the most precise
}

func (p *Problem) String() string { return p.Message + " / " + p.MessageEN }

// VerifyReport is what Verify found.
type VerifyReport struct {
	OK       bool   `json:"ok"`
	TreeSize uint64 `json:"tree_size"` // leaves checked
	Root     []byte `json:"root_hash"` // recomputed root of those leaves
	Pending  int64  `json:"pending"`   // committed entries not integrated yet (not covered)
	// Checkpoints is how many signed checkpoints were checked; Covered is
	// the size of the largest valid one: entries below it are anchored by a
	// signature, the ones above only by the stored hashes.
	Checkpoints int    `json:"checkpoints"`
	Covered     uint64 `json:"covered"`
	// KeysFromDatabase is true when no verifier key was given and the keys
	// registered in the database were trusted: then someone able to rewrite
	// the database could also have replaced the key. Pass the published key.
	KeysFromDatabase bool          `json:"keys_from_database"`
	Duration         time.Duration `json:"duration_ns"`
	Problem          *Problem      `json:"problem,omitempty"`
}

// ErrTampered is wrapped by the error Verify returns when it found a problem.
var ErrTampered = errors.New("audit log tampered")

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// VerifierKeys are the trusted checkpoint verifier keys. When empty,
	// DataDir/audit-verifier.pub is used, and failing that the keys
	// registered in the database (see VerifyReport.KeysFromDatabase).
	VerifierKeys []string
	DataDir      string
	// Checkpoints are signed checkpoints kept outside the database (by a
	// witness or an operator); each must be a root of this tree too. They
	// catch a rewrite that also deleted the stored checkpoints.
	Checkpoints []string
	// Workers hash in parallel; default GOMAXPROCS (at most 4).
	Workers int
}

// chunkBits sets the verification unit: 2^16 leaves, a perfect subtree.
const chunkBits = 16

// Verify recomputes every integrated entry's leaf hash from its stored
// fields, the whole Merkle tree, and every stored checkpoint's root and
// signature, and reports the first inconsistency: an entry changed, removed,
// inserted or reordered (by leaf index and id), a tree node or checkpoint
// that does not match. It reads the database only; it may run while the
// platform serves. The returned error is nil only when the log is intact: it
// wraps ErrTampered (with code ECONFLICT) when a problem was found, so
// `chinhquyen audit verify` exits non-zero, and the report says what.
func Verify(ctx context.Context, d *db.DB, opts VerifyOptions) (*VerifyReport, error) {
	start := clock.Now()
	v := &verifier{d: d, rep: &VerifyReport{}}
	if err := v.loadKeys(ctx, opts); err != nil {
		return nil, err
	}
	if err := v.run(ctx, opts); err != nil {
		return nil, err
	}
	rep := v.rep
	rep.Duration = time.Since(start)
	rep.Problem = v.first()
	rep.OK = rep.Problem == nil
	if !rep.OK {
		return rep, apperr.Wrap(fmt.Errorf("%w: %s", ErrTampered, rep.Problem.MessageEN), apperr.Conflict,
			"Nhật ký kiểm toán đã bị sửa đổi: %s", rep.Problem.Message)
	}
	return rep, nil
}

type verifier struct {
	d         *db.DB
	rep       *VerifyReport
	verifiers note.Verifiers
	// Problems by priority: entry-level, tree nodes, checkpoints, other.
	entry, node, cp, other *Problem
}

func (v *verifier) first() *Problem {
	for _, p := range []*Problem{v.entry, v.node, v.cp, v.other} {
		if p != nil {
			return p
		}
	}
	return nil
}

// lower keeps the problem with the lower leaf index; for tree nodes, the one
// of the lower level first (every ancestor of a changed node differs too).
func lower(cur, p *Problem) *Problem {
	switch {
	case p == nil:
		return cur
	case cur == nil:
		return p
	case p.level != cur.level:
		if p.level < cur.level {
			return p
		}
		return cur
	case p.LeafIndex < cur.LeafIndex:
		return p
	}
	return cur
}

func (v *verifier) loadKeys(ctx context.Context, opts VerifyOptions) error {
	keys := opts.VerifierKeys
	if len(keys) == 0 && opts.DataDir != "" {
		b, err := os.ReadFile(filepath.Join(opts.DataDir, VerifierKeyFile))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return apperr.Wrap(err, apperr.Unavailable, "Không đọc được khóa kiểm tra %s", VerifierKeyFile)
		}
		if err == nil {
			keys = strings.Fields(string(b))
		}
	}
	if len(keys) == 0 {
		v.rep.KeysFromDatabase = true
		rows, err := v.d.Reader().QueryContext(ctx, "SELECT verifier FROM audit_keys ORDER BY created")
		if err != nil {
			return fmt.Errorf("read audit keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var vs []note.Verifier
	for _, k := range keys {
		nv, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Khóa kiểm tra nhật ký kiểm toán %q không hợp lệ", k)
		}
		vs = append(vs, nv)
	}
	v.verifiers = note.VerifierList(vs...)
	return nil
}

// storedCheckpoint is one checkpoint to check: from the table or outside.
type storedCheckpoint struct {
	size    int64
	root    []byte // the table column; nil for outside ones
	note    string
	outside bool
	body    struct {
		ok   bool
		size uint64
		root []byte
	}
}

func (v *verifier) run(ctx context.Context, opts VerifyOptions) error {
	r := v.d.Reader()
	var size int64
	var root []byte
	if err := r.QueryRowContext(ctx, "SELECT size, root FROM audit_tree WHERE id = 1").Scan(&size, &root); err != nil {
		return fmt.Errorf("read audit tree: %w", err)
	}
	if err := r.QueryRowContext(ctx, "SELECT count(*) FROM audit_entries WHERE leaf_index IS NULL").Scan(&v.rep.Pending); err != nil {
		return fmt.Errorf("count pending audit entries: %w", err)
	}
	S := uint64(size)
	v.rep.TreeSize = S

	cps, err := v.loadCheckpoints(ctx, opts, S)
	if err != nil {
		return err
	}
	upper, err := v.upperNodes(ctx, S)
	if err != nil {
		return err
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	nChunks := int((S + 1<<chunkBits - 1) >> chunkBits)
	results := make([]chan *chunk, nChunks)
	for i := range results {
		results[i] = make(chan *chunk, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Up to workers+1 chunks are in flight; the merger frees a slot when it
	// has consumed one, so memory stays bounded (about 4 MB a chunk).
	slots := make(chan struct{}, workers+1)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 0; i < nChunks; i++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		go func() {
			var scratch scanScratch
			for i := range next {
				a := uint64(i) << chunkBits
				b := min(a+1<<chunkBits, S)
				c := &chunk{a: a, b: b}
				c.err = v.checkChunk(ctx, c, &scratch)
				results[i] <- c
			}
		}()
	}

	rng := rangeFactory.NewEmptyRange(0)
	visit := func(id compact.NodeID, h []byte) {
		if id.Level <= chunkBits {
			return
		}
		want, ok := upper[id]
		if !ok || !bytes.Equal(want, h) {
			begin, _ := id.Coverage()
			v.node = lower(v.node, nodeProblem(id, begin, ok))
		}
		delete(upper, id)
	}
	ci := 0
	for i := 0; i < nChunks; i++ {
		var c *chunk
		select {
		case c = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-slots
		if c.err != nil {
			return c.err
		}
		v.entry = lower(v.entry, c.problem)
		v.node = lower(v.node, c.nodeProblem)
		// Roots at the checkpoints inside this chunk.
		for ; ci < len(cps) && uint64(cps[ci].size) <= c.b; ci++ {
			s := uint64(cps[ci].size)
			if s <= c.a {
				continue // size 0 or already handled
			}
			part, err := rangeFactory.NewRange(c.a, s, c.hashes(c.a, s))
			if err != nil {
				return err
			}
			whole, err := rangeFactory.NewRange(0, rng.End(), append([][]byte(nil), rng.Hashes()...))
			if err != nil {
				return err
			}
			if err := whole.AppendRange(part, nil); err != nil {
				return err
			}
			r, err := whole.GetRootHash(nil)
			if err != nil {
				return err
			}
			v.checkCheckpointRoot(cps[ci], r)
		}
		part, err := rangeFactory.NewRange(c.a, c.b, c.hashes(c.a, c.b))
		if err != nil {
			return err
		}
		if err := rng.AppendRange(part, visit); err != nil {
			return err
		}
		v.rep.TreeSize = c.b
	}
	v.rep.TreeSize = S
	computed := emptyRoot[:]
	if S > 0 {
		if computed, err = rng.GetRootHash(nil); err != nil {
			return err
		}
	}
	v.rep.Root = computed
	if len(upper) > 0 {
		for id := range upper {
			begin, _ := id.Coverage()
			v.other = lower(v.other, &Problem{Kind: ProblemTree, LeafIndex: int64(begin),
				Message:   fmt.Sprintf("Nút cây Merkle mức %d vị trí %d nằm ngoài cây %d lá", id.Level, id.Index, S),
				MessageEN: fmt.Sprintf("tree node level %d index %d lies outside the tree of %d leaves", id.Level, id.Index, S)})
		}
	}
	if !bytes.Equal(computed, root) && v.entry == nil {
		v.other = lower(v.other, &Problem{Kind: ProblemTree, LeafIndex: -1,
			Message:   fmt.Sprintf("Gốc cây đã lưu khác gốc tính lại từ %d bản ghi", S),
			MessageEN: fmt.Sprintf("stored tree root differs from the root recomputed over %d entries", S)})
	}
	for ; ci < len(cps); ci++ { // checkpoints beyond the tree
		c := cps[ci]
		if c.body.ok {
			v.cp = lower(v.cp, &Problem{Kind: ProblemRemoved, LeafIndex: int64(S), CheckpointSize: c.size,
				Message:   fmt.Sprintf("Điểm kiểm tra đã ký cho %d bản ghi nhưng cây chỉ còn %d: các bản ghi từ vị trí %d đã bị xóa", c.size, S, S),
				MessageEN: fmt.Sprintf("a signed checkpoint covers %d entries but the tree has only %d: entries from index %d were removed", c.size, S, S)})
		}
	}
	return v.strays(ctx)
}

// strays finds rows at or beyond the tree size, or below 0: never sequenced.
func (v *verifier) strays(ctx context.Context) error {
	r := v.d.Reader()
	var id, idx int64
	// Bounded by the tree size read in the same statement: the integrator
	// may have appended since Verify started, legitimately.
	err := r.QueryRowContext(ctx, `SELECT id, leaf_index FROM audit_entries
 WHERE leaf_index >= (SELECT size FROM audit_tree WHERE id = 1) OR leaf_index < 0
 ORDER BY leaf_index LIMIT 1`).Scan(&id, &idx)
	if err == nil {
		v.entry = lower(v.entry, &Problem{Kind: ProblemInserted, LeafIndex: idx, EntryID: id,
			Message:   fmt.Sprintf("Bản ghi %d mang vị trí %d nằm ngoài cây: bản ghi bị chèn thêm", id, idx),
			MessageEN: fmt.Sprintf("entry %d claims leaf index %d outside the tree: inserted", id, idx)})
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look for stray audit entries: %w", err)
	}
	var eid int64
	err = r.QueryRowContext(ctx, `SELECT leaf_index, entry_id FROM audit_leaves
 WHERE leaf_index >= (SELECT size FROM audit_tree WHERE id = 1) OR leaf_index < 0
 ORDER BY leaf_index LIMIT 1`).Scan(&idx, &eid)
	if err == nil {
		v.node = lower(v.node, &Problem{Kind: ProblemInserted, LeafIndex: idx, EntryID: eid,
			Message:   fmt.Sprintf("Lá %d (bản ghi %d) nằm ngoài cây", idx, eid),
			MessageEN: fmt.Sprintf("leaf %d (entry %d) lies outside the tree", idx, eid)})
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look for stray audit leaves: %w", err)
	}
	return nil
}

func (v *verifier) loadCheckpoints(ctx context.Context, opts VerifyOptions, S uint64) ([]*storedCheckpoint, error) {
	// The tree size is read in the same statement: checkpoints the
	// integrator signed since Verify read S are newer, not a truncation.
	rows, err := v.d.Reader().QueryContext(ctx,
		"SELECT c.size, c.root, c.note, (SELECT t.size FROM audit_tree t WHERE t.id = 1) FROM audit_checkpoints c ORDER BY c.size")
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoints: %w", err)
	}
	defer rows.Close()
	var cps []*storedCheckpoint
	now := int64(S)
	for rows.Next() {
		c := &storedCheckpoint{}
		if err := rows.Scan(&c.size, &c.root, &c.note, &now); err != nil {
			return nil, err
		}
		if uint64(c.size) > S && c.size <= now {
			continue // signed after Verify started
		}
		cps = append(cps, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range opts.Checkpoints {
		cps = append(cps, &storedCheckpoint{note: n, outside: true})
	}
	origin := ""
	var valid []*storedCheckpoint
	for _, c := range cps {
		what := fmt.Sprintf("điểm kiểm tra %d", c.size)
		whatEN := fmt.Sprintf("checkpoint %d", c.size)
		if c.outside {
			what, whatEN = "điểm kiểm tra lưu ngoài", "outside checkpoint"
		}
		bad := func(vi, en string) {
			v.cp = lower(v.cp, &Problem{Kind: ProblemCheckpoint, LeafIndex: c.size, CheckpointSize: c.size,
				Message: what + ": " + vi, MessageEN: whatEN + ": " + en})
		}
		n, err := note.Open([]byte(c.note), v.verifiers)
		if err != nil {
			bad("chữ ký không hợp lệ hoặc không do khóa tin cậy ký ("+err.Error()+")",
				"signature invalid or not by a trusted key ("+err.Error()+")")
			continue
		}
		o, s, r, err := ParseCheckpointBody(n.Text)
		if err != nil {
			bad("nội dung sai định dạng", "malformed body: "+err.Error())
			continue
		}
		if origin == "" {
			origin = o
		} else if o != origin {
			bad(fmt.Sprintf("tên nhật ký %q khác %q", o, origin), fmt.Sprintf("origin %q differs from %q", o, origin))
			continue
		}
		if c.outside {
			c.size = int64(s)
			if s > S && int64(s) <= now {
				continue // beyond what this run checked; run Verify again
			}
		} else if uint64(c.size) != s || !bytes.Equal(c.root, r) {
			bad("cột kích thước/gốc khác nội dung đã ký", "size/root columns differ from the signed body")
			continue
		}
		c.body.ok, c.body.size, c.body.root = true, s, r
		v.rep.Checkpoints++
		valid = append(valid, c)
	}
	sort.SliceStable(valid, func(i, j int) bool { return valid[i].size < valid[j].size })
	return valid, nil
}

// checkCheckpointRoot compares a validly signed checkpoint with the root
// recomputed at its size. A mismatch while every entry matched its stored
// hashes means entries below the checkpoint were rewritten together with
// their hashes: the signed roots are then the evidence.
func (v *verifier) checkCheckpointRoot(c *storedCheckpoint, root []byte) {
	if bytes.Equal(root, c.body.root) {
		v.rep.Covered = max(v.rep.Covered, c.body.size)
		return
	}
	from := v.rep.Covered
	v.cp = lower(v.cp, &Problem{Kind: ProblemCheckpoint, LeafIndex: int64(from), CheckpointSize: c.size,
		Message: fmt.Sprintf("Gốc cây tính lại cho %d bản ghi khác gốc đã ký trong điểm kiểm tra: có bản ghi trong khoảng vị trí %d–%d đã bị sửa cùng mã băm",
			c.size, from, c.size-1),
		MessageEN: fmt.Sprintf("the root recomputed over %d entries differs from the signed checkpoint: an entry with index in %d–%d was rewritten together with its hashes",
			c.size, from, c.size-1)})
}

func nodeProblem(id compact.NodeID, begin uint64, present bool) *Problem {
	if !present {
		return &Problem{Kind: ProblemTree, LeafIndex: int64(begin), level: id.Level,
			Message:   fmt.Sprintf("Thiếu nút cây Merkle mức %d vị trí %d (từ lá %d)", id.Level, id.Index, begin),
			MessageEN: fmt.Sprintf("tree node level %d index %d (from leaf %d) is missing", id.Level, id.Index, begin)}
	}
	return &Problem{Kind: ProblemTree, LeafIndex: int64(begin), level: id.Level,
		Message:   fmt.Sprintf("Nút cây Merkle mức %d vị trí %d (từ lá %d) khác giá trị tính lại", id.Level, id.Index, begin),
		MessageEN: fmt.Sprintf("tree node level %d index %d (from leaf %d) differs from the recomputed hash", id.Level, id.Index, begin)}
}

// upperNodes loads the stored nodes above the chunks (few: n / 2^16) that
// lie inside the first S leaves (later ones the integrator may be adding).
func (v *verifier) upperNodes(ctx context.Context, S uint64) (map[compact.NodeID][]byte, error) {
	rows, err := v.d.Reader().QueryContext(ctx, "SELECT level, idx, hash FROM audit_nodes WHERE level > $1", chunkBits)
	if err != nil {
		return nil, fmt.Errorf("read audit tree nodes: %w", err)
	}
	defer rows.Close()
	m := map[compact.NodeID][]byte{}
	for rows.Next() {
		var level int
		var idx int64
		var h []byte
		if err := rows.Scan(&level, &idx, &h); err != nil {
			return nil, err
		}
		id := compact.NewNodeID(uint(level), uint64(idx))
		if _, end := id.Coverage(); end > S {
			continue
		}
		m[id] = h
	}
	return m, rows.Err()
}

// chunk is the verification of leaves [a, b).
type chunk struct {
	a, b uint64
	// levels[k][j] is the recomputed hash of node (k, a>>k + j); only
	// complete nodes inside the chunk.
	levels      [][][32]byte
	problem     *Problem // first entry-level problem
	nodeProblem *Problem // first stored-node mismatch
	err         error
}

// hashes returns the compact range [from, to) of the chunk's nodes.
func (c *chunk) hashes(from, to uint64) [][]byte {
	ids := compact.RangeNodes(from, to, nil)
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h := c.levels[id.Level][id.Index-(c.a>>id.Level)]
		out[i] = h[:]
	}
	return out
}

// scanScratch is reused between chunks by one worker.
type scanScratch struct {
	buf []byte
}

type leafRow struct {
	id      int64
	hash    [32]byte
	present bool
}

func (v *verifier) checkChunk(ctx context.Context, c *chunk, s *scanScratch) error {
	n := int(c.b - c.a)
	r := v.d.Reader()
	leaves := make([]leafRow, n)
	rows, err := r.QueryContext(ctx, "SELECT leaf_index, entry_id, leaf_hash FROM audit_leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index",
		int64(c.a), int64(c.b))
	if err != nil {
		return fmt.Errorf("read audit leaves: %w", err)
	}
	for rows.Next() {
		var idx, id int64
		var h sql.RawBytes
		if err := rows.Scan(&idx, &id, &h); err != nil {
			rows.Close()
			return err
		}
		l := &leaves[idx-int64(c.a)]
		l.id, l.present = id, true
		copy(l.hash[:], h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit leaves: %w", err)
	}

	level0 := make([][32]byte, n)
	got := make([]bool, n)
	fail := func(p *Problem) { c.problem = lower(c.problem, p) }
	rows, err = r.QueryContext(ctx, "SELECT id, leaf_index, leaf_hash, "+entryColumns+
		" FROM audit_entries WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index", int64(c.a), int64(c.b))
	if err != nil {
		return fmt.Errorf("read audit entries: %w", err)
	}
	var f fields[sql.RawBytes]
	var id, idx int64
	var stored, before, after sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &idx, &stored, &f.At, &f.ActorKind, &f.ActorAccount, &f.ActorAgency, &f.ActorIP, &f.ActorSession,
			&f.Action, &f.ObjectType, &f.ObjectID, &before, &after, &f.Summary, &f.Outcome, &f.Reason); err != nil {
			rows.Close()
			return fmt.Errorf("read audit entries: %w", err)
		}
		f.Before, f.After = before, after
		i := int(idx - int64(c.a))
		var h [32]byte
		h, s.buf = leafHashOf(s.buf, &f)
		if got[i] {
			fail(&Problem{Kind: ProblemInserted, LeafIndex: idx, EntryID: id,
				Message:   fmt.Sprintf("Bản ghi %d trùng vị trí %d với bản ghi khác: bản ghi bị chèn thêm", id, idx),
				MessageEN: fmt.Sprintf("entry %d duplicates leaf index %d: inserted", id, idx)})
			continue
		}
		got[i] = true
		level0[i] = h
		l := &leaves[i]
		switch {
		case !l.present:
			fail(&Problem{Kind: ProblemTree, LeafIndex: idx, EntryID: id,
				Message:   fmt.Sprintf("Thiếu lá %d (bản ghi %d) trong bảng thứ tự của cây", idx, id),
				MessageEN: fmt.Sprintf("leaf %d (entry %d) is missing from the sequenced leaves", idx, id)})
		case l.id != id:
			fail(v.misplaced(ctx, idx, id, l.id))
		case h != l.hash || !bytes.Equal(stored, l.hash[:]):
			fail(&Problem{Kind: ProblemChanged, LeafIndex: idx, EntryID: id,
				Message:   fmt.Sprintf("Bản ghi %d (vị trí %d) đã bị sửa: nội dung không khớp mã băm đã niêm phong", id, idx),
				MessageEN: fmt.Sprintf("entry %d (leaf index %d) was changed: its fields no longer match the sealed hash", id, idx)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit entries: %w", err)
	}
	for i := range got {
		if got[i] {
			continue
		}
		l := &leaves[i]
		level0[i] = l.hash // keep the tree computable; the problem is reported
		idx := int64(c.a) + int64(i)
		if l.present {
			fail(&Problem{Kind: ProblemRemoved, LeafIndex: idx, EntryID: l.id,
				Message:   fmt.Sprintf("Bản ghi %d (vị trí %d) đã bị xóa", l.id, idx),
				MessageEN: fmt.Sprintf("entry %d (leaf index %d) was removed", l.id, idx)})
		} else {
			fail(&Problem{Kind: ProblemRemoved, LeafIndex: idx,
				Message:   fmt.Sprintf("Bản ghi ở vị trí %d đã bị xóa (cả lá của cây)", idx),
				MessageEN: fmt.Sprintf("the entry at leaf index %d was removed (with its leaf)", idx)})
		}
	}
	c.levels = buildLevels(level0)
	return v.checkChunkNodes(ctx, c)
}

// misplaced explains an entry found at index idx where entry want belongs.
func (v *verifier) misplaced(ctx context.Context, idx, id, want int64) *Problem {
	var at int64
	err := v.d.Reader().QueryRowContext(ctx, "SELECT leaf_index FROM audit_leaves WHERE entry_id = $1", id).Scan(&at)
	if err == nil {
		return &Problem{Kind: ProblemReordered, LeafIndex: idx, EntryID: id,
			Message:   fmt.Sprintf("Bản ghi %d nằm ở vị trí %d nhưng được xếp ở vị trí %d (chỗ của bản ghi %d): thứ tự đã bị đảo", id, idx, at, want),
			MessageEN: fmt.Sprintf("entry %d sits at leaf index %d but was sequenced at %d (index %d belongs to entry %d): reordered", id, idx, at, idx, want)}
	}
	return &Problem{Kind: ProblemInserted, LeafIndex: idx, EntryID: id,
		Message:   fmt.Sprintf("Bản ghi %d ở vị trí %d chưa từng được xếp vào cây (vị trí này thuộc bản ghi %d): bản ghi giả được chèn", id, idx, want),
		MessageEN: fmt.Sprintf("entry %d at leaf index %d was never sequenced (the index belongs to entry %d): forged row inserted", id, idx, want)}
}

// buildLevels computes the complete nodes above level0.
func buildLevels(level0 [][32]byte) [][][32]byte {
	levels := [][][32]byte{level0}
	var buf [1 + 2*sha256.Size]byte
	buf[0] = 1 // RFC 6962 node prefix
	for cur := level0; len(cur) >= 2; {
		up := make([][32]byte, len(cur)/2)
		for j := range up {
			copy(buf[1:33], cur[2*j][:])
			copy(buf[33:], cur[2*j+1][:])
			up[j] = sha256.Sum256(buf[:])
		}
		levels = append(levels, up)
		cur = up
	}
	return levels
}

// checkChunkNodes compares the stored nodes of levels
// minStoredLevel..chunkBits inside the chunk with the recomputed ones.
func (v *verifier) checkChunkNodes(ctx context.Context, c *chunk) error {
	r := v.d.Reader()
	for k := minStoredLevel; k < len(c.levels) && k <= chunkBits; k++ {
		want := c.levels[k]
		base := int64(c.a >> k)
		rows, err := r.QueryContext(ctx, "SELECT idx, hash FROM audit_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
			k, base, base+int64(len(want)))
		if err != nil {
			return fmt.Errorf("read audit tree nodes: %w", err)
		}
		next := int64(0)
		for rows.Next() {
			var idx int64
			var h sql.RawBytes
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return err
			}
			j := idx - base
			if j != next {
				id := compact.NewNodeID(uint(k), uint64(base+next))
				begin, _ := id.Coverage()
				c.nodeProblem = lower(c.nodeProblem, nodeProblem(id, begin, false))
			}
			next = j + 1
			if !bytes.Equal(h, want[j][:]) {
				id := compact.NewNodeID(uint(k), uint64(idx))
				begin, _ := id.Coverage()
				c.nodeProblem = lower(c.nodeProblem, nodeProblem(id, begin, true))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit tree nodes: %w", err)
		}
		if next != int64(len(want)) {
			id := compact.NewNodeID(uint(k), uint64(base+next))
			begin, _ := id.Coverage()
			c.nodeProblem = lower(c.nodeProblem, nodeProblem(id, begin, false))
		}
	}
	return nil
}
