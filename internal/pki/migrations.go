package pki

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the pki module's schema. Main applies it after audit.
var Migrations = db.Embedded("pki", migrationFiles)
