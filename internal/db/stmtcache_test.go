package db

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

func cachedStatements(t *testing.T, d *sql.DB) int {
	t.Helper()
	c, err := d.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := -1
	c.Raw(func(dc any) error {
		n = dc.(*cachingConn).lru.Len()
		return nil
	})
	return n
}

// The SQLite connections keep their statements prepared: a text runs again
// on its prepared statement, a text used again while its rows are still
// open runs on a statement of its own, the least recently used statements
// go past the bound, a schema change is followed, and scripts are not kept.
func TestSQLiteConnectionsKeepTheirStatements(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Config{DataDir: t.TempDir(), SQLiteSync: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := d.Writer()
	base := cachedStatements(t, w) // the checks of Open
	if _, err := w.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); CREATE TABLE u (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if n := cachedStatements(t, w); n != base {
		t.Fatalf("a script was kept: %d statements, %d before", n, base)
	}
	for i := range 50 {
		if _, err := w.ExecContext(ctx, "INSERT INTO t (v) VALUES ($1)", fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := cachedStatements(t, w); n != base+1 {
		t.Fatalf("50 runs of one INSERT kept %d statements, want 1", n-base)
	}

	// The same SELECT inside its own open rows (one transaction, one
	// connection).
	const q = "SELECT id, v FROM t WHERE id <= $1 ORDER BY id"
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, q, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no first row")
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+q+")", 50).Scan(&n); err != nil || n != 50 {
		t.Fatalf("query while the same text's rows are open: %d, %v", n, err)
	}
	var id int
	var v string
	if err := tx.QueryRowContext(ctx, q, 1).Scan(&id, &v); err != nil || v != "v0" {
		t.Fatalf("the same text while its rows are open: %q, %v", v, err)
	}
	var first string
	if err := rows.Scan(&id, &first); err != nil || first != "v0" || !rows.Next() {
		t.Fatalf("the outer rows after the inner queries: %q, %v", first, err)
	}
	if err := rows.Scan(&id, &first); err != nil || first != "v1" || rows.Next() {
		t.Fatalf("the outer rows' second row: %q, %v", first, err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	// A new column: the kept SELECT * sees it.
	const all = "SELECT * FROM t WHERE id = 1"
	cols := func() []string {
		r, err := w.QueryContext(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		c, _ := r.Columns()
		return c
	}
	if c := cols(); len(c) != 2 {
		t.Fatalf("columns %v", c)
	}
	if _, err := w.ExecContext(ctx, "ALTER TABLE t ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	if c := cols(); len(c) != 3 {
		t.Fatalf("after ALTER TABLE: columns %v", c)
	}

	// More texts than the bound: the oldest go, every text still runs.
	for i := range stmtCacheSize + 40 {
		var got int
		if err := w.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + $1", i), 1).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("text %d: %d, %v", i, got, err)
		}
	}
	if n := cachedStatements(t, w); n != stmtCacheSize {
		t.Fatalf("%d statements kept, want the bound %d", n, stmtCacheSize)
	}
	if err := w.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 50 {
		t.Fatalf("after eviction: %d, %v", n, err)
	}
	// A failing statement is dropped, and the text runs again once fixed.
	if _, err := w.ExecContext(ctx, "INSERT INTO u (id) VALUES ($1)", "not checked"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", 1, "duplicate"); err == nil {
		t.Fatal("a duplicate key was inserted")
	}
	if _, err := w.ExecContext(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", 1000, "fine"); err != nil {
		t.Fatalf("the same text after its error: %v", err)
	}
}
