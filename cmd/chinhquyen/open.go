package main

import (
	"context"
	"os"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// openOperator opens the platform as serve does (creating and migrating the
// database) for a change made at the shell. The operator at the shell acts
// as the system: access allows it, and every change is audited.
func openOperator(ctx context.Context, cfg *app.Config) (*app.App, context.Context, *actor.Actor, error) {
	a, err := app.Open(ctx, *cfg, cfg.NewLogger(os.Stderr))
	if err != nil {
		return nil, nil, nil, err
	}
	return a, access.WithGuard(ctx, a.Guard), actor.SystemActor("cli"), nil
}

// operatorChange runs a command that takes only the database flags and
// makes one change as the operator.
func operatorChange(ctx context.Context, e *env, name string, args []string, change func(context.Context, *app.App, *actor.Actor) error) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, name, ""))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return change(ctx, a, operator)
}

// errNoDatabase says the data folder holds no database yet.
func errNoDatabase(cfg *app.Config) error {
	return apperr.New(apperr.NotFound, "Không có cơ sở dữ liệu trong thư mục %s: hãy chỉ đúng --data (hoặc --database cho PostgreSQL)", cfg.DataDir)
}

// openExisting opens the configured database for a command that only reads
// (or verifies) and so must create or migrate nothing. It fails with
// errNoDatabase when there is no database, and returns module's schema
// position so the caller can decide what a missing or older schema means;
// a schema newer than this program is refused here.
func openExisting(ctx context.Context, cfg *app.Config, module db.Migrations) (*db.DB, db.ModuleStatus, error) {
	dbc := db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, SQLiteSync: cfg.SQLiteSync}
	if !dbc.Exists() {
		return nil, db.ModuleStatus{}, errNoDatabase(cfg)
	}
	if err := cfg.Validate(); err != nil {
		return nil, db.ModuleStatus{}, err
	}
	d, err := db.Open(ctx, dbc)
	if err != nil {
		return nil, db.ModuleStatus{}, err
	}
	st, err := d.Status(ctx, module)
	if err != nil {
		d.Close()
		return nil, db.ModuleStatus{}, apperr.Wrap(err, apperr.Unavailable, "Không đọc được phiên bản lược đồ của cơ sở dữ liệu %s", d.Location)
	}
	if st[0].Current > st[0].Target {
		d.Close()
		return nil, db.ModuleStatus{}, apperr.New(apperr.Conflict,
			"Cơ sở dữ liệu %s đã được nâng cấp bởi phiên bản chinhquyen mới hơn (phân hệ %s, lược đồ %d > %d): hãy dùng bản chương trình mới hơn",
			d.Location, module.Name, st[0].Current, st[0].Target)
	}
	return d, st[0], nil
}
