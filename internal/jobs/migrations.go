package jobs

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the job queue's schema; modules that enqueue jobs come
// after it in the application's order.
var Migrations = db.Embedded("jobs", migrationFiles)
