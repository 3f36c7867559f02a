package outreach

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the outreach module's schema.
var Migrations = db.Embedded("outreach", migrationFiles)
