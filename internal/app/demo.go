package app

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/identity/orgdir"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

//go:embed migrations
var migrationFiles embed.FS

// platformMigrations holds the installation's own settings table.
var platformMigrations = db.Embedded("platform", migrationFiles)

// DemoLogin is one demo account printed on first start.
type DemoLogin struct {
	Role, Username, Password string
}

// FirstStart seeds what every installation needs (the administrative unit
// list) and, on the very first start of an installation only, loads the
// demo province unless NoDemo is set. "First" is recorded in the database,
// so a production database started once with --no-demo never receives demo
// data later. It returns the demo logins to print (nil when none).
func (a *App) FirstStart(ctx context.Context) ([]DemoLogin, error) {
	if _, err := a.Org.Seed(ctx); err != nil {
		return nil, fmt.Errorf("load administrative units: %w", err)
	}
	first, err := a.claimFirstStart(ctx)
	if err != nil || !first || a.Config.NoDemo {
		return nil, err
	}
	demo, err := a.Org.LoadDemoProvince(ctx, actor.SystemActor("first-start"), a.demoProvince(ctx))
	if err != nil {
		return nil, fmt.Errorf("load the demo province: %w", err)
	}
	a.Log.Info("demo province loaded", "province", demo.Province.Name, "communes", demo.CommuneCount, "officials", len(demo.Officials))
	seeded, err := a.Identity.SeedDemo(access.WithGuard(ctx, a.Guard), orgdir.DemoOfficials(demo))
	if err != nil {
		return nil, fmt.Errorf("create the demo logins: %w", err)
	}
	if err := a.seedDemoPKI(ctx, demo); err != nil {
		return nil, fmt.Errorf("create the demo certificates: %w", err)
	}
	// A year of incoming and outgoing documents in the demo registers.
	if err := a.seedDemoDocuments(ctx, demo); err != nil {
		return nil, fmt.Errorf("create the demo documents: %w", err)
	}
	// Directions and tasks on the demo documents: keep this after every
	// step that seeds documents.
	if err := a.seedDemoTasks(ctx); err != nil {
		return nil, fmt.Errorf("create the demo tasks: %w", err)
	}
	if err := a.seedDemoCatalogue(ctx); err != nil {
		return nil, fmt.Errorf("create the demo procedures: %w", err)
	}
	if err := a.seedDemoOutreach(ctx, demo); err != nil {
		return nil, fmt.Errorf("create the demo bulletin: %w", err)
	}
	logins := make([]DemoLogin, len(seeded))
	for i, l := range seeded {
		logins[i] = DemoLogin{Role: string(l.Role), Username: l.Username, Password: l.Password}
	}
	return logins, nil
}

// demoProvince is the installation's demo province: the one recorded on
// its first start, else --demo-province.
func (a *App) demoProvince(ctx context.Context) string {
	var code string
	err := a.DB.Reader().QueryRowContext(ctx, "SELECT value FROM platform_settings WHERE key = 'demo_province'").Scan(&code)
	if err != nil || code == "" {
		return a.Config.DemoProvince
	}
	if _, err := org.LookupDemoProvince(code); err != nil {
		return a.Config.DemoProvince
	}
	return code
}

// WarnDemoAccounts logs a warning while demo accounts exist, so an operator
// who took a demo instance into production knows to delete them
// (`chinhquyen user delete-demo`).
func (a *App) WarnDemoAccounts(ctx context.Context) {
	n, err := a.Identity.DemoAccounts(ctx)
	if err == nil && n > 0 {
		a.Log.Warn("demo accounts exist: delete them before real use with `chinhquyen user delete-demo`", "count", n)
	}
}

// claimFirstStart records the installation's first start and reports
// whether this call was it. Replicas starting together agree: exactly one
// insert wins.
func (a *App) claimFirstStart(ctx context.Context) (bool, error) {
	first := false
	err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO platform_settings (key, value, updated_at) VALUES ('initialized', $1, $2)
			ON CONFLICT (key) DO NOTHING`, fmt.Sprint(!a.Config.NoDemo), db.Micros(a.Now()))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if first = n == 1; !first {
			return nil
		}
		if !a.Config.NoDemo {
			// Later starts (and other commands) find the installation's
			// demo province here, whatever their --demo-province says.
			spec, err := org.LookupDemoProvince(a.Config.DemoProvince)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO platform_settings (key, value, updated_at) VALUES ('demo_province', $1, $2)
				ON CONFLICT (key) DO NOTHING`, spec.Code, db.Micros(a.Now())); err != nil {
				return err
			}
		}
		return a.Audit.Record(ctx, tx, audit.Entry{Actor: actor.SystemActor("first-start"), Action: "platform.initialize",
			ObjectType: "platform", ObjectID: "settings", After: map[string]bool{"demo": !a.Config.NoDemo}})
	})
	if err != nil {
		return false, errors.Join(errors.New("record first start"), err)
	}
	return first, nil
}
