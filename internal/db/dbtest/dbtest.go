// Package dbtest gives tests real, migrated databases: SQLite always, and
// PostgreSQL when CHINHQUYEN_TEST_POSTGRES names a server (a fresh database
// is created per test and dropped afterwards). Storage is never mocked.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

// EnvPostgres names the environment variable with the PostgreSQL server URL
// used by tests, e.g. postgres://postgres@127.0.0.1:5432/postgres.
const EnvPostgres = "CHINHQUYEN_TEST_POSTGRES"

// Engines returns the engines tests should cover in this run.
func Engines() []db.Dialect {
	if os.Getenv(EnvPostgres) != "" {
		return []db.Dialect{db.SQLite, db.Postgres}
	}
	return []db.Dialect{db.SQLite}
}

// Each runs fn as a subtest once per engine, each with a fresh database
// migrated with modules. Without CHINHQUYEN_TEST_POSTGRES the PostgreSQL
// subtest is skipped with a message saying what to set.
func Each(t *testing.T, modules []db.Migrations, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, Open(t, dialect, modules...))
		})
	}
}

// SQLite returns a fresh migrated SQLite database in a temp dir.
func SQLite(t testing.TB, modules ...db.Migrations) *db.DB {
	t.Helper()
	return Open(t, db.SQLite, modules...)
}

// Open returns a fresh migrated database of the given engine, closed (and for
// PostgreSQL dropped) when the test ends.
func Open(t testing.TB, dialect db.Dialect, modules ...db.Migrations) *db.DB {
	t.Helper()
	ctx := context.Background()
	cfg := db.Config{DataDir: t.TempDir()}
	if dialect == db.Postgres {
		cfg.URL = NewPostgresDatabase(t)
	}
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s test database: %v", dialect, err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), modules...); err != nil {
		t.Fatalf("migrate %s test database: %v", dialect, err)
	}
	return d
}

// NewPostgresDatabase creates an empty database on the test server and
// returns its URL; it is dropped when the test ends. It skips the test when
// CHINHQUYEN_TEST_POSTGRES is unset and fails it when the server does not
// answer (in CI a missing database is a failure, not a skip).
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		t.Skipf("PostgreSQL not configured: start PostgreSQL and set %s=postgres://postgres@127.0.0.1:5432/postgres", EnvPostgres)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	ctx := context.Background()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s does not answer (start it: pg_ctlcluster <version> main start): %v", EnvPostgres, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "cqtest_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return strings.TrimSuffix(u.String(), "?")
}
