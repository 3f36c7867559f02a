package db_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func module(t testing.TB, dir string) db.Migrations {
	t.Helper()
	sub := func(d string) fs.FS {
		f, err := fs.Sub(os.DirFS("testdata"), filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	return db.Migrations{Name: "notes", SQLite: sub("sqlite"), Postgres: sub("postgres")}
}

func TestTxCommitsAndRollsBackOnBothEngines(t *testing.T) {
	dbtest.Each(t, []db.Migrations{module(t, "m1")}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 30, 0, 123456000, time.UTC)
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO notes (id, body, at) VALUES ($1, $2, $3)", 1, "Đà Nẵng", db.Micros(now))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO notes (id, body, at) VALUES ($1, $2, $3)", 2, "Huế", 0); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx error = %v, want boom", err)
		}
		var n int
		var body string
		var at int64
		if err := d.Reader().QueryRowContext(ctx, "SELECT count(*), min(body), min(at) FROM notes").Scan(&n, &body, &at); err != nil {
			t.Fatal(err)
		}
		if n != 1 || body != "Đà Nẵng" || !db.FromMicros(at).Equal(now) {
			t.Fatalf("after commit+rollback: n=%d body=%q at=%v", n, body, db.FromMicros(at))
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO notes (id, body, at) VALUES ($1, $2, $3)", 3, "Đà Nẵng", 0)
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate insert: IsUniqueViolation(%v) = false", err)
		}
	})
}

func TestPlaceholdersBindByNumberOnBothEngines(t *testing.T) {
	dbtest.Each(t, nil, func(t *testing.T, d *db.DB) {
		var a, b string
		if err := d.Reader().QueryRowContext(context.Background(), "SELECT $2, $1", "một", "hai").Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if a != "hai" || b != "một" {
			t.Fatalf("SELECT $2, $1 = %q, %q", a, b)
		}
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	for _, dialect := range dbtest.Engines() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.Open(t, dialect, module(t, "m2"))
			st, err := d.Status(ctx, module(t, "m2"))
			if err != nil || len(st) != 1 || st[0].Current != 2 || st[0].Target != 2 {
				t.Fatalf("status = %+v, %v", st, err)
			}
			err = d.Migrate(ctx, quiet, module(t, "m1"))
			if !errors.Is(err, db.ErrSchemaNewer) || apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("old program on newer schema: err = %v", err)
			}
		})
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	corrupt := t.TempDir()
	if err := os.WriteFile(filepath.Join(corrupt, "chinhquyen.db"), []byte("this is not a database, just text padding padding padding padding padding padding padding padding padding padding"), 0o600); err != nil {
		t.Fatal(err)
	}
	fileAsDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(fileAsDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  db.Config
		code apperr.Code
	}{
		{"corrupt sqlite file", db.Config{DataDir: corrupt}, apperr.Unavailable},
		{"data folder is a file", db.Config{DataDir: fileAsDir}, apperr.Unavailable},
		{"postgres that does not answer", db.Config{URL: "postgres://postgres@127.0.0.1:1/x?connect_timeout=2"}, apperr.Unavailable},
		{"unknown scheme", db.Config{URL: "mysql://root@localhost/x"}, apperr.Invalid},
		{"bad sync mode", db.Config{DataDir: t.TempDir(), SQLiteSync: "OFF"}, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := db.Open(ctx, tt.cfg)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("code = %s, want %s (%v)", apperr.CodeOf(err), tt.code, err)
			}
			if apperr.MessageOf(err) == "" {
				t.Fatal("no message for people")
			}
		})
	}
}
