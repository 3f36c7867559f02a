package onestop

import (
	"embed"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the one-stop module's schema: the procedure catalogue
// (00001) and the dossiers (00002 and later).
var Migrations = db.Embedded("onestop", migrationFiles)
