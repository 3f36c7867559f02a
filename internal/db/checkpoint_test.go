package db

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The writer no longer copies the log into the database file inside a
// commit (its automatic checkpoint only at checkpointPages), and the
// checkpointer does it beside the commits: after 8 MB committed the
// database file holds them without any checkpoint asked for.
func TestCheckpointerCopiesTheLogOffTheWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var pages int
	if err := d.write.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != checkpointPages {
		t.Fatalf("writer's automatic checkpoint at %d pages (%v), want %d", pages, err, checkpointPages)
	}
	if _, err := d.Writer().ExecContext(ctx, "CREATE TABLE t (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	row := []byte(strings.Repeat("x", 64<<10))
	for range 128 {
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES ($1)", row)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	for waited := time.Duration(0); ; waited += 20 * time.Millisecond {
		st, err := os.Stat(filepath.Join(dir, SQLiteFile))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= 8<<20 {
			return
		}
		if waited > 10*time.Second {
			t.Fatalf("database file %d bytes after 8 MB committed: the log was not checkpointed", st.Size())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
