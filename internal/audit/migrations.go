package audit

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the audit module's schema; Main applies it before the modules
// that record into the log.
var Migrations = db.Embedded("audit", migrationFiles)
