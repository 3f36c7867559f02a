package tasks

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the tasks module's schema.
var Migrations = db.Embedded("tasks", migrationFiles)
