package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"golang.org/x/mod/sumdb/note"
)

// auditFolder is a data folder (and, on PostgreSQL, a database) as serve
// leaves it: every module migrated, the signing key in the folder, ten
// audited changes, a checkpoint after the seventh and one after the tenth.
type auditFolder struct {
	args []string // --data, --database for the command
	dir  string
	d    *db.DB // a second handle, for tampering in SQL
	ids  []int64
}

func newAuditFolder(t *testing.T, engine db.Dialect) *auditFolder {
	t.Helper()
	ctx := context.Background()
	f := &auditFolder{dir: t.TempDir()}
	cfg := db.Config{DataDir: f.dir, SQLiteSync: "NORMAL"}
	if engine == db.Postgres {
		cfg.URL = dbtest.NewPostgresDatabase(t)
	}
	f.args = []string{"--data", f.dir, "--database", cfg.URL, "--log-level", "error"}
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Modules()...); err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, audit.Options{DataDir: f.dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	clerk := &actor.Actor{AccountID: 7, Kind: actor.Official, AgencyID: 3, IP: "192.0.2.7", SessionID: "s7"}
	for i := 1; i <= 10; i++ {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			return l.Record(ctx, tx, audit.Entry{Actor: clerk, Action: "documents.incoming.register", ObjectType: "document",
				ObjectID: strconv.Itoa(i), After: map[string]any{"number": i, "summary": "Công văn số " + strconv.Itoa(i)}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 7 || i == 10 {
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows, err := d.Reader().QueryContext(ctx, "SELECT id FROM audit_entries ORDER BY leaf_index")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
	}
	f.d = d
	return f
}

func (f *auditFolder) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.d.Writer().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f *auditFolder) verify(t *testing.T, extra ...string) (int, string, string) {
	t.Helper()
	return calRun(t, append(append([]string{"audit", "verify"}, f.args...), extra...)...)
}

// TestAuditVerifyFindsEveryKindOfTampering edits, deletes, inserts and
// swaps audit rows directly in SQL, as someone with access to the database
// would, and expects `audit verify` to fail naming the first entry touched.
func TestAuditVerifyFindsEveryKindOfTampering(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Run("intact", func(t *testing.T) {
				f := newAuditFolder(t, engine)
				code, out, errOut := f.verify(t)
				if code != 0 {
					t.Fatalf("exit %d on an intact log:\n%s\n%s", code, out, errOut)
				}
				for _, want := range []string{"nguyên vẹn", "audit log intact", "tree size:              10", "checkpoints checked:   2 (0 ", "covered by signature:  10", "duration"} {
					if !strings.Contains(out, want) {
						t.Errorf("summary lacks %q:\n%s", want, out)
					}
				}
				if strings.Contains(out, "Cảnh báo") {
					t.Errorf("the verifier key of the data folder was not used:\n%s", out)
				}
			})
			cases := []struct {
				name   string
				tamper func(t *testing.T, f *auditFolder) int64 // returns the entry to be named
				want   []string
			}{
				{"changed", func(t *testing.T, f *auditFolder) int64 {
					f.exec(t, "UPDATE audit_entries SET reason = 'đã sửa' WHERE id = $1", f.ids[3])
					return f.ids[3]
				}, []string{"đã bị sửa", "was changed", "vị trí 3"}},
				{"removed", func(t *testing.T, f *auditFolder) int64 {
					f.exec(t, "DELETE FROM audit_entries WHERE id = $1", f.ids[5])
					return f.ids[5]
				}, []string{"đã bị xóa", "was removed"}},
				{"inserted", func(t *testing.T, f *auditFolder) int64 {
					f.exec(t, `INSERT INTO audit_entries (at, actor_kind, actor_account, actor_agency, action, object_type, object_id, outcome, leaf_hash, leaf_index)
 SELECT at, actor_kind, actor_account, actor_agency, action, object_type, '99', outcome, leaf_hash, 10 FROM audit_entries WHERE id = $1`, f.ids[9])
					var id int64
					if err := f.d.Reader().QueryRowContext(context.Background(), "SELECT id FROM audit_entries WHERE leaf_index = 10").Scan(&id); err != nil {
						t.Fatal(err)
					}
					return id
				}, []string{"bị chèn", "inserted"}},
				{"reordered", func(t *testing.T, f *auditFolder) int64 {
					f.exec(t, "UPDATE audit_entries SET leaf_index = 1000 WHERE id = $1", f.ids[2])
					f.exec(t, "UPDATE audit_entries SET leaf_index = 2 WHERE id = $1", f.ids[4])
					f.exec(t, "UPDATE audit_entries SET leaf_index = 4 WHERE id = $1", f.ids[2])
					return f.ids[4]
				}, []string{"thứ tự đã bị đảo", "reordered"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					f := newAuditFolder(t, engine)
					id := c.tamper(t, f)
					code, out, errOut := f.verify(t)
					if code == 0 {
						t.Fatalf("exit 0 on a tampered log:\n%s", out)
					}
					named := fmt.Sprintf("Bản ghi %d ", id)
					if !strings.Contains(errOut, named) || !strings.Contains(out, fmt.Sprintf("entry %d", id)) {
						t.Errorf("entry %d not named:\nstdout:\n%s\nstderr:\n%s", id, out, errOut)
					}
					for _, want := range append(c.want, "Lỗi: Nhật ký kiểm toán đã bị sửa đổi") {
						if !strings.Contains(out+errOut, want) {
							t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", want, out, errOut)
						}
					}
				})
			}
		})
	}
}

// A forger who deletes the newest entries, their leaves and the newest
// checkpoint leaves a log that is consistent in itself: only a checkpoint
// kept outside the database (`audit checkpoint` printed it earlier) shows
// the truncation. A checkpoint or key from elsewhere is refused.
func TestAuditVerifyWithCheckpointsAndKeysKeptOutside(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			f := newAuditFolder(t, engine)
			code, saved, errOut := calRun(t, append([]string{"audit", "checkpoint"}, f.args...)...)
			if code != 0 || !strings.Contains(saved, "\n10\n") {
				t.Fatalf("audit checkpoint: exit %d\n%s\n%s", code, saved, errOut)
			}
			cpFile := filepath.Join(t.TempDir(), "checkpoint-10.txt")
			if err := os.WriteFile(cpFile, []byte(saved), 0o600); err != nil {
				t.Fatal(err)
			}
			pub := filepath.Join(f.dir, audit.VerifierKeyFile)
			code, out, errOut := f.verify(t, "--checkpoint", cpFile, "--verifier-key", pub)
			if code != 0 || !strings.Contains(out, "checkpoints checked:   3 (1 ") {
				t.Fatalf("with the kept checkpoint: exit %d\n%s\n%s", code, out, errOut)
			}

			// A key that did not sign the log: every checkpoint is refused.
			_, other, err := note.GenerateKey(rand.Reader, "chinhquyen/audit")
			if err != nil {
				t.Fatal(err)
			}
			code, out, errOut = f.verify(t, "--verifier-key", other)
			if code == 0 || !strings.Contains(errOut, "không do khóa tin cậy ký") {
				t.Fatalf("foreign verifier key: exit %d\n%s\n%s", code, out, errOut)
			}
			code, _, errOut = f.verify(t, "--verifier-key", "not-a-key")
			if code != 1 || !strings.Contains(errOut, "không phải khóa kiểm tra hợp lệ") {
				t.Fatalf("malformed verifier key: exit %d\n%s", code, errOut)
			}

			// Truncate the tail back to the checkpoint of 7 entries.
			var root []byte
			if err := f.d.Reader().QueryRowContext(context.Background(), "SELECT root FROM audit_checkpoints WHERE size = 7").Scan(&root); err != nil {
				t.Fatal(err)
			}
			f.exec(t, "DELETE FROM audit_entries WHERE leaf_index >= 7")
			f.exec(t, "DELETE FROM audit_leaves WHERE leaf_index >= 7")
			f.exec(t, "DELETE FROM audit_checkpoints WHERE size > 7")
			f.exec(t, "UPDATE audit_tree SET size = 7, root = $1 WHERE id = 1", root)
			if code, out, errOut := f.verify(t); code != 0 {
				t.Fatalf("the truncated log should look intact without outside checkpoints: exit %d\n%s\n%s", code, out, errOut)
			}
			code, out, errOut = f.verify(t, "--checkpoint", cpFile)
			if code != 1 || !strings.Contains(errOut, "cây chỉ còn 7") || !strings.Contains(out, "entries from index 7 were removed") {
				t.Fatalf("the kept checkpoint did not reveal the truncation: exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

func TestAuditVerifyRefusals(t *testing.T) {
	empty := t.TempDir()
	runCalCases(t, []calCase{
		{name: "group help", args: []string{"audit"}, has: []string{"audit verify", "audit checkpoint"}},
		{name: "unknown subcommand", args: []string{"audit", "frob"}, code: 2, errHas: `không có lệnh audit "frob"`},
		{name: "no database in the folder", args: []string{"audit", "verify", "--data", empty, "--database", ""}, code: 1, errHas: "Không có cơ sở dữ liệu"},
		{name: "missing checkpoint file", args: []string{"audit", "verify", "--data", empty, "--database", "", "--checkpoint", filepath.Join(empty, "none.txt")}, code: 1, errHas: "Không đọc được tệp điểm kiểm tra"},
		{name: "stray argument", args: []string{"audit", "verify", "--data", empty, "extra"}, code: 2},
	})
	if _, err := os.Stat(filepath.Join(empty, db.SQLiteFile)); !os.IsNotExist(err) {
		t.Fatalf("audit verify created a database: %v", err)
	}
}
