package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations is one module's schema history: numbered goose SQL files
// (00001_name.sql …) for each dialect, with identical numbering. Each module
// keeps its own version table (schema_<Name>), so modules evolve
// independently; Main applies them in dependency order.
type Migrations struct {
	Name     string // module name, e.g. "org"
	SQLite   fs.FS  // directory holding the SQLite files
	Postgres fs.FS  // directory holding the PostgreSQL files
}

func (m Migrations) table() string { return "schema_" + m.Name }

func (m Migrations) provider(d *DB) (*goose.Provider, error) {
	dialect, fsys := goose.DialectSQLite3, m.SQLite
	var opts []goose.ProviderOption
	opts = append(opts, goose.WithTableName(m.table()), goose.WithDisableGlobalRegistry(true))
	if d.Dialect == Postgres {
		dialect, fsys = goose.DialectPostgres, m.Postgres
		// Several replicas may start at once: one migrates, the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, d.write, fsys, opts...)
}

// Migrate brings every module's schema up to date, in the order given. It
// refuses to touch a database whose schema is newer than this program knows:
// an older binary must not run against a newer schema.
func (d *DB) Migrate(ctx context.Context, log *slog.Logger, modules ...Migrations) error {
	for _, m := range modules {
		p, err := m.provider(d)
		if err != nil {
			return fmt.Errorf("migrations of %s: %w", m.Name, err)
		}
		if err := checkNotNewer(ctx, p, m.Name); err != nil {
			return err
		}
		results, err := p.Up(ctx)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		for _, r := range results {
			log.Info("migration applied", "module", m.Name, "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// ModuleStatus is one module's schema position.
type ModuleStatus struct {
	Module  string
	Current int64 // version recorded in the database
	Target  int64 // newest version this program knows
}

// Status reports, per module, the version in the database and the newest known.
func (d *DB) Status(ctx context.Context, modules ...Migrations) ([]ModuleStatus, error) {
	var out []ModuleStatus
	for _, m := range modules {
		p, err := m.provider(d)
		if err != nil {
			return nil, err
		}
		cur, target, err := p.GetVersions(ctx)
		if err != nil {
			return nil, fmt.Errorf("status of %s: %w", m.Name, err)
		}
		out = append(out, ModuleStatus{Module: m.Name, Current: cur, Target: target})
	}
	return out, nil
}

// ErrSchemaNewer is returned (wrapped) when the database was migrated by a
// newer program.
var ErrSchemaNewer = errors.New("database schema is newer than this program")

func checkNotNewer(ctx context.Context, p *goose.Provider, module string) error {
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("schema version of %s: %w", module, err)
	}
	var known int64
	for _, s := range p.ListSources() {
		known = max(known, s.Version)
	}
	if cur > known {
		return apperr.Wrap(fmt.Errorf("%w: module %s at version %d, program knows up to %d", ErrSchemaNewer, module, cur, known),
			apperr.Conflict,
			"Cơ sở dữ liệu đã được nâng cấp bởi phiên bản chinhquyen mới hơn (phân hệ %s, lược đồ %d > %d): hãy dùng bản chương trình mới hơn",
			module, cur, known)
	}
	return nil
}

// Embedded returns a module's migrations from files embedding the module's
// migrations/sqlite/*.sql and migrations/postgres/*.sql:
//
//	//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
//	var migrationFiles embed.FS
//	var Migrations = db.Embedded("org", migrationFiles)
func Embedded(name string, files fs.FS) Migrations {
	sub := func(dir string) fs.FS {
		f, err := fs.Sub(files, "migrations/"+dir)
		if err != nil {
			panic(fmt.Sprintf("migrations of %s: %v", name, err))
		}
		return f
	}
	return Migrations{Name: name, SQLite: sub("sqlite"), Postgres: sub("postgres")}
}
