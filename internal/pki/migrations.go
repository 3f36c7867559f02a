package pki

import (
	"embed"
	"io/fs"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the pki module's schema. Main applies it after audit.
var Migrations = db.Migrations{
	Name:     "pki",
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
