package documents

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the documents module's schema.
var Migrations = db.Embedded("documents", migrationFiles)
