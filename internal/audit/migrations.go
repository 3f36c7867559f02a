package audit

import (
	"embed"
	"io/fs"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the audit module's schema; Main applies it before the modules
// that record into the log.
var Migrations = db.Migrations{
	Name:     "audit",
	SQLite:   mustSub("migrations/sqlite"),
	Postgres: mustSub("migrations/postgres"),
}

func mustSub(dir string) fs.FS {
	f, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		panic(err)
	}
	return f
}
