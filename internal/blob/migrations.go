package blob

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the blob module's schema (uploads and stored objects).
var Migrations = db.Embedded("blob", migrationFiles)
