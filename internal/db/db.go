// Package db opens the platform's database — embedded SQLite by default,
// PostgreSQL at scale — and runs each module's embedded migrations.
//
// The same SQL text runs on both engines: `$1, $2` placeholders, RETURNING and
// ON CONFLICT work on modernc SQLite and on pgx. Where dialects differ, callers
// branch on DB.Dialect in one small place.
//
// Storage conventions shared by every module:
//   - moments are BIGINT unix microseconds in UTC (see Micros, FromMicros):
//     portable, comparable and free of time-zone text;
//   - civil dates (valid_from, holidays) are TEXT 'YYYY-MM-DD';
//   - booleans are INTEGER 0/1 on SQLite and BOOLEAN on PostgreSQL; database/sql
//     converts both to Go bool.
//
// Writes go through Tx. On SQLite, which has one writer connection and
// fsyncs every commit (synchronous=FULL), concurrent Tx calls are grouped:
// the calls already waiting share one transaction, each in its own
// savepoint, and each caller returns only after the shared commit (group
// commit: one fsync for the group instead of one per call, several times the
// durable transactions per second under load, with the same guarantees: a
// failing call undoes only its own writes; a failed commit fails every call
// of its group; nothing acknowledged can be lost). A lone call never waits
// for others. See group.go.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database: a writer pool and a reader pool. On SQLite the
// writer has exactly one connection, so writes queue in Go instead of failing
// with SQLITE_BUSY; on PostgreSQL both point to the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	group   *groupCommit  // SQLite: Tx calls queued together share a transaction (group.go)
	ckpt    *checkpointer // SQLite: copies the log into the file off the writer (checkpoint.go)
	// Location describes the database for logs and messages without secrets:
	// a file path or a host/database pair.
	Location string
}

// SQLiteFile is the name of the SQLite database inside the data folder.
const SQLiteFile = "chinhquyen.db"

// Exists reports whether cfg names a database that may already hold data:
// always for PostgreSQL, and for SQLite when the file is in the data
// folder. Commands that only read use it to avoid creating an empty one.
func (cfg Config) Exists() bool {
	if cfg.URL != "" {
		return true
	}
	_, err := os.Stat(filepath.Join(cfg.DataDir, SQLiteFile))
	return err == nil
}

// Config says which database to open.
type Config struct {
	// URL is empty for SQLite in DataDir, or a postgres:// URL.
	URL string
	// DataDir holds chinhquyen.db when URL is empty.
	DataDir string
	// SQLiteSync is the SQLite synchronous pragma: "FULL" (default: an
	// acknowledged commit survives power loss) or "NORMAL" (survives a process
	// crash but may lose the last commits on power loss; faster).
	SQLiteSync string
}

// Open opens and checks the database named by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var d *DB
	var err error
	switch {
	case cfg.URL == "":
		d, err = openSQLite(cfg)
	case strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://"):
		d, err = openPostgres(cfg.URL)
	default:
		return nil, apperr.New(apperr.Invalid,
			"Địa chỉ cơ sở dữ liệu không hợp lệ: chỉ hỗ trợ để trống (SQLite) hoặc postgres://…")
	}
	if err != nil {
		return nil, err
	}
	if err := d.check(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func openPostgres(url string) (*DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Địa chỉ PostgreSQL không hợp lệ")
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Dialect: Postgres, write: pool, read: pool, Location: redactURL(url)}, nil
}

func openSQLite(cfg Config) (*DB, error) {
	if cfg.DataDir == "" {
		return nil, apperr.New(apperr.Invalid, "Chưa chỉ định thư mục dữ liệu")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable,
			"Không tạo được thư mục dữ liệu %s", cfg.DataDir)
	}
	path := filepath.Join(cfg.DataDir, SQLiteFile)
	sync := strings.ToUpper(cfg.SQLiteSync)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, apperr.New(apperr.Invalid, "Chế độ đồng bộ SQLite %q không hợp lệ (FULL hoặc NORMAL)", cfg.SQLiteSync)
	}
	write, err := openCached("sqlite", sqliteDSN(path, sync, false))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "Không mở được cơ sở dữ liệu SQLite")
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	read, err := openCached("sqlite", sqliteDSN(path, sync, true))
	if err != nil {
		write.Close()
		return nil, apperr.Wrap(err, apperr.Internal, "Không mở được cơ sở dữ liệu SQLite")
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxIdleTime(0)
	ckpt, err := openCached("sqlite", sqliteDSN(path, sync, false))
	if err != nil {
		write.Close()
		read.Close()
		return nil, apperr.Wrap(err, apperr.Internal, "Không mở được cơ sở dữ liệu SQLite")
	}
	ckpt.SetMaxOpenConns(1)
	return &DB{Dialect: SQLite, write: write, read: read, group: newGroupCommit(write), ckpt: startCheckpointer(ckpt), Location: path}, nil
}

// check proves the database answers and, for SQLite, that the file really is
// a database we can write.
func (d *DB) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if d.Dialect == Postgres {
		if err := d.write.PingContext(ctx); err != nil {
			return apperr.Wrap(err, apperr.Unavailable,
				"Không kết nối được PostgreSQL tại %s: hãy kiểm tra máy chủ đang chạy và địa chỉ đúng", d.Location)
		}
		return nil
	}
	var mode string
	if err := d.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return sqliteOpenError(d.Location, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return apperr.New(apperr.Unavailable, "SQLite tại %s không bật được chế độ WAL (đang là %q)", d.Location, mode)
	}
	// A read of the schema catches files that are not databases (SQLITE_NOTADB)
	// on the reader pool too.
	var n int
	if err := d.read.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		return sqliteOpenError(d.Location, err)
	}
	return nil
}

func sqliteOpenError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") || strings.Contains(msg, "(26)") || strings.Contains(msg, "(11)"):
		return apperr.Wrap(err, apperr.Unavailable,
			"Tệp cơ sở dữ liệu %s bị hỏng hoặc không phải cơ sở dữ liệu SQLite: hãy khôi phục từ bản sao lưu", path)
	case strings.Contains(msg, "readonly") || strings.Contains(msg, "permission denied") || strings.Contains(msg, "unable to open"):
		return apperr.Wrap(err, apperr.Unavailable,
			"Không đọc/ghi được tệp cơ sở dữ liệu %s: hãy kiểm tra quyền truy cập thư mục dữ liệu", path)
	}
	return apperr.Wrap(err, apperr.Unavailable, "Không mở được cơ sở dữ liệu %s", path)
}

// Close closes both pools (on SQLite after the group being committed).
func (d *DB) Close() error {
	if d.group != nil {
		d.group.close()
	}
	var err error
	if d.ckpt != nil {
		err = d.ckpt.close()
	}
	err = errors.Join(err, d.write.Close())
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Ping reports whether the database answers (for /readyz).
func (d *DB) Ping(ctx context.Context) error {
	if err := d.write.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Querier is what both *sql.DB and *sql.Tx offer; store helpers accept it so
// they compose inside a transaction or run alone.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Reader returns the pool for queries outside a transaction. On SQLite it sees
// every committed write (WAL readers read the latest snapshot at query start).
func (d *DB) Reader() Querier { return d.read }

// Writer returns the writer pool; prefer Tx for changes.
func (d *DB) Writer() *sql.DB { return d.write }

// Tx runs fn in one write transaction: committed if fn returns nil, rolled back
// otherwise (and on panic, which goes on). Every state change of the
// platform goes through here together with its audit entry. Tx returns
// only after the commit (durable with SQLite's FULL sync and on PostgreSQL).
//
// On SQLite, calls queued at the same moment share one transaction and one
// fsync (group commit, see group.go): each fn runs on its caller's goroutine
// in its own savepoint, so a failing fn undoes only its own writes, sees the
// writes of the fns committed with it before it, and each caller returns
// after the shared COMMIT — a commit failure fails every call of the group.
// fn must not call Tx itself, nor keep tx after it returns. On PostgreSQL
// each call is its own transaction.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if d.group != nil {
		return d.group.tx(ctx, fn)
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// ReadTx runs fn in a read-only snapshot (consistent multi-query reads).
func (d *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: d.Dialect == Postgres})
	if err != nil {
		return fmt.Errorf("begin read transaction: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// Micros converts a moment to the stored form: unix microseconds, UTC.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts a stored moment back to time.Time (UTC).
func FromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine, so stores can turn it into a clear ECONFLICT.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // SQLite
		strings.Contains(s, "SQLSTATE 23505") // PostgreSQL
}

func redactURL(u string) string {
	// postgres://user:secret@host/db → postgres://user:***@host/db
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	cred := u[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return u[:scheme+3] + cred[:i] + ":***" + u[at:]
	}
	return u
}
