package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// filled returns a log with n entries, integrated with a checkpoint every
// 5 entries, and its data dir.
func filled(t *testing.T, d *db.DB, n int) (*audit.Log, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	l, err := audit.New(d, audit.Options{Now: fixedClock(), DataDir: dir, CheckpointEvery: 5, Origin: "test.chinhquyen/audit"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		a := &actor.Actor{AccountID: int64(i%3 + 1), Kind: actor.Official, AgencyID: 10, IP: "10.0.0.1", SessionID: "sess"}
		e := audit.Entry{Actor: a, Action: "org.units.rename", ObjectType: "unit", ObjectID: fmt.Sprint(i),
			Before: map[string]any{"name": "Xã A"}, After: map[string]any{"name": fmt.Sprintf("Xã Đông %d", i)},
			Summary: map[string]any{"changed": []string{"name"}}, Reason: "quyết định 12/QĐ-UBND"}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return l.Record(ctx, tx, e) }); err != nil {
			t.Fatal(err)
		}
		if (i+1)%5 == 0 {
			if _, err := l.Integrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	return l, dir
}

func idAt(t *testing.T, d *db.DB, idx int) int64 {
	t.Helper()
	var id int64
	if err := d.Reader().QueryRowContext(context.Background(), "SELECT id FROM audit_entries WHERE leaf_index = $1", idx).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Writer().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestVerifyIntactLog(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		l, dir := filled(t, d, 23)
		rep, err := audit.Verify(context.Background(), d, audit.VerifyOptions{DataDir: dir})
		if err != nil {
			t.Fatalf("Verify: %v (%+v)", err, rep.Problem)
		}
		if !rep.OK || rep.TreeSize != 23 || rep.Covered != 23 || rep.Checkpoints != 5 || rep.KeysFromDatabase {
			t.Fatalf("report = %+v", rep)
		}
		rep, err = audit.Verify(context.Background(), d, audit.VerifyOptions{VerifierKeys: []string{l.VerifierKey()}, Workers: 1})
		if err != nil || !rep.OK {
			t.Fatalf("Verify with the key: %v", err)
		}
		// Without any key it trusts the database's and says so.
		rep, err = audit.Verify(context.Background(), d, audit.VerifyOptions{})
		if err != nil || !rep.KeysFromDatabase {
			t.Fatalf("Verify without key: %v, %+v", err, rep)
		}
	})
}

func TestVerifyEmptyLog(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		rep, err := audit.Verify(context.Background(), d, audit.VerifyOptions{})
		if err != nil || !rep.OK || rep.TreeSize != 0 {
			t.Fatalf("Verify(empty) = %+v, %v", rep, err)
		}
	})
}

// columns of audit_entries and a tampered value for each.
var tamperColumns = []struct {
	col string
	set string // SQL expression
}{
	{"at", "at + 1"},
	{"actor_kind", "'citizen'"},
	{"actor_account", "actor_account + 1"},
	{"actor_agency", "0"},
	{"actor_ip", "'10.9.9.9'"},
	{"actor_session", "'other'"},
	{"action", "'org.units.delete'"},
	{"object_type", "'account'"},
	{"object_id", "'999'"},
	{"before_digest", "NULL"},
	{"after_digest", "before_digest"},
	{"summary", "''"},
	{"outcome", "'denied'"},
	{"reason", "'khác'"},
	{"leaf_hash", "before_digest"},
}

func TestVerifyFindsEditedColumn(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		for _, tc := range tamperColumns {
			t.Run(tc.col, func(t *testing.T) {
				// A fresh log per column: tampering is not undone.
				d := dbtest.Open(t, d.Dialect, audit.Migrations)
				_, dir := filled(t, d, 12)
				id := idAt(t, d, 7)
				exec(t, d, "UPDATE audit_entries SET "+tc.col+" = "+tc.set+" WHERE id = $1", id)
				expectProblem(t, d, dir, audit.ProblemChanged, 7, id)
			})
		}
	})
}

func expectProblem(t *testing.T, d *db.DB, dir, kind string, idx, id int64) *audit.Problem {
	t.Helper()
	rep, err := audit.Verify(context.Background(), d, audit.VerifyOptions{DataDir: dir})
	if err == nil {
		t.Fatalf("Verify passed a tampered log: %+v", rep)
	}
	if !errors.Is(err, audit.ErrTampered) || !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("Verify error = %v, want ErrTampered/ECONFLICT", err)
	}
	p := rep.Problem
	if p == nil || p.Kind != kind || p.LeafIndex != idx || (id != 0 && p.EntryID != id) {
		t.Fatalf("problem = %+v, want kind %s at index %d entry %d", p, kind, idx, id)
	}
	if p.Message == "" || p.MessageEN == "" {
		t.Fatalf("problem without messages: %+v", p)
	}
	return p
}

func TestVerifyFindsTampering(t *testing.T) {
	type setup func(t *testing.T, d *db.DB) (kind string, idx, id int64)
	tests := []struct {
		name string
		do   setup
	}{
		{"delete a row", func(t *testing.T, d *db.DB) (string, int64, int64) {
			id := idAt(t, d, 4)
			exec(t, d, "DELETE FROM audit_entries WHERE id = $1", id)
			return audit.ProblemRemoved, 4, id
		}},
		{"delete a row and its leaf", func(t *testing.T, d *db.DB) (string, int64, int64) {
			id := idAt(t, d, 4)
			exec(t, d, "DELETE FROM audit_entries WHERE id = $1", id)
			exec(t, d, "DELETE FROM audit_leaves WHERE entry_id = $1", id)
			return audit.ProblemRemoved, 4, 0
		}},
		{"delete the last rows and rewind the tree", func(t *testing.T, d *db.DB) (string, int64, int64) {
			exec(t, d, "DELETE FROM audit_entries WHERE leaf_index >= 10")
			exec(t, d, "DELETE FROM audit_leaves WHERE leaf_index >= 10")
			exec(t, d, "UPDATE audit_tree SET size = 10")
			return audit.ProblemRemoved, 10, 0
		}},
		{"insert a forged row beyond the tree", func(t *testing.T, d *db.DB) (string, int64, int64) {
			exec(t, d, `INSERT INTO audit_entries (id, at, actor_kind, action, outcome, leaf_hash, leaf_index)
 SELECT 5000, at, actor_kind, action, outcome, leaf_hash, 40 FROM audit_entries WHERE leaf_index = 0`)
			return audit.ProblemInserted, 40, 5000
		}},
		{"insert a forged row in the middle", func(t *testing.T, d *db.DB) (string, int64, int64) {
			exec(t, d, "UPDATE audit_entries SET leaf_index = -leaf_index - 1 WHERE leaf_index >= 6")
			exec(t, d, "UPDATE audit_entries SET leaf_index = -leaf_index WHERE leaf_index < 0")
			exec(t, d, `INSERT INTO audit_entries (id, at, actor_kind, action, outcome, leaf_hash, leaf_index)
 SELECT 5000, at, actor_kind, action, outcome, leaf_hash, 6 FROM audit_entries WHERE leaf_index = 0`)
			return audit.ProblemInserted, 6, 5000
		}},
		{"swap the positions of two rows", func(t *testing.T, d *db.DB) (string, int64, int64) {
			a, b := idAt(t, d, 3), idAt(t, d, 8)
			exec(t, d, "UPDATE audit_entries SET leaf_index = -1 WHERE id = $1", a)
			exec(t, d, "UPDATE audit_entries SET leaf_index = 3 WHERE id = $1", b)
			exec(t, d, "UPDATE audit_entries SET leaf_index = 8 WHERE id = $1", a)
			return audit.ProblemReordered, 3, b
		}},
		{"swap the contents of two rows", func(t *testing.T, d *db.DB) (string, int64, int64) {
			a, b := idAt(t, d, 3), idAt(t, d, 8)
			exec(t, d, `UPDATE audit_entries SET object_id = CASE WHEN id = $1 THEN (SELECT object_id FROM audit_entries WHERE id = $2)
 ELSE (SELECT object_id FROM audit_entries WHERE id = $1) END WHERE id IN ($1, $2)`, a, b)
			return audit.ProblemChanged, 3, a
		}},
		{"rewrite a row with its hashes", func(t *testing.T, d *db.DB) (string, int64, int64) {
			// The forger recomputes the leaf hash (copying another row's
			// content and hash): the stored tree node over leaves 16–31
			// still disagrees.
			a, b := idAt(t, d, 22), idAt(t, d, 9)
			copyRow(t, d, a, b)
			exec(t, d, `UPDATE audit_leaves SET leaf_hash = (SELECT leaf_hash FROM audit_entries WHERE id = $1) WHERE entry_id = $1`, a)
			return audit.ProblemTree, 16, 0
		}},
		{"rewrite a row, its hashes and the tree nodes", func(t *testing.T, d *db.DB) (string, int64, int64) {
			a, b := idAt(t, d, 6), idAt(t, d, 9)
			copyRow(t, d, a, b)
			exec(t, d, `UPDATE audit_leaves SET leaf_hash = (SELECT leaf_hash FROM audit_entries WHERE id = $1) WHERE entry_id = $1`, a)
			rebuildTree(t, d)
			// Only the signed checkpoints are left as evidence: the first
			// one covering index 6 (size 10) fails; entries 5..9 are suspect.
			return audit.ProblemCheckpoint, 5, 0
		}},
		{"edit a checkpoint's signed text", func(t *testing.T, d *db.DB) (string, int64, int64) {
			exec(t, d, "UPDATE audit_checkpoints SET note = replace(note, '\n10\n', '\n11\n') WHERE size = 10")
			return audit.ProblemCheckpoint, 10, 0
		}},
		{"edit a checkpoint's root column", func(t *testing.T, d *db.DB) (string, int64, int64) {
			exec(t, d, "UPDATE audit_checkpoints SET root = (SELECT root FROM audit_checkpoints WHERE size = 5) WHERE size = 10")
			return audit.ProblemCheckpoint, 10, 0
		}},
		{"edit the stored tree root", func(t *testing.T, d *db.DB) (string, int64, int64) {
			exec(t, d, "UPDATE audit_tree SET root = (SELECT root FROM audit_checkpoints WHERE size = 5)")
			return audit.ProblemTree, -1, 0
		}},
	}
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				d := dbtest.Open(t, d.Dialect, audit.Migrations)
				_, dir := filled(t, d, 40)
				kind, idx, id := tc.do(t, d)
				p := expectProblem(t, d, dir, kind, idx, id)
				if strings.Contains(p.Message, "%!") {
					t.Fatalf("bad message %q", p.Message)
				}
			})
		}
	})
}

func TestVerifyChecksOutsideCheckpoints(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l, dir := filled(t, d, 12)
		cp, err := audit.LatestCheckpoint(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		// The forger deletes the tail, the checkpoints and rewinds the tree;
		// the checkpoint a witness kept still shows it.
		exec(t, d, "DELETE FROM audit_entries WHERE leaf_index >= 8")
		exec(t, d, "DELETE FROM audit_leaves WHERE leaf_index >= 8")
		exec(t, d, "DELETE FROM audit_checkpoints WHERE size > 8")
		exec(t, d, "UPDATE audit_tree SET size = 8")
		_ = l
		rep, err := audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dir, Checkpoints: []string{cp.Note}})
		if err == nil || rep.Problem.Kind != audit.ProblemRemoved || rep.Problem.LeafIndex != 8 {
			t.Fatalf("Verify = %+v, %v", rep.Problem, err)
		}
	})
}

// copyRow overwrites every hashed column of entry dst, and its leaf hash,
// with those of src: a forger who knows the canonical encoding.
func copyRow(t *testing.T, d *db.DB, dst, src int64) {
	t.Helper()
	var sets []string
	for _, c := range tamperColumns {
		sets = append(sets, c.col+" = (SELECT "+c.col+" FROM audit_entries WHERE id = $2)")
	}
	exec(t, d, "UPDATE audit_entries SET "+strings.Join(sets, ", ")+" WHERE id = $1", dst, src)
}

// rebuildTree recomputes every stored tree node and the root from the
// (forged) leaves, as a forger with the merkle library would.
func rebuildTree(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Reader().QueryContext(ctx, "SELECT leaf_hash FROM audit_leaves ORDER BY leaf_index")
	if err != nil {
		t.Fatal(err)
	}
	var leaves [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, h)
	}
	rows.Close()
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	for _, h := range leaves {
		if err := r.Append(h, func(id compact.NodeID, h []byte) {
			if id.Level > 0 { // levels not stored update nothing
				exec(t, d, "UPDATE audit_nodes SET hash = $1 WHERE level = $2 AND idx = $3", h, int(id.Level), int64(id.Index))
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, d, "UPDATE audit_tree SET root = $1", root)
}
