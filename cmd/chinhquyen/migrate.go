package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

func init() {
	register(&command{name: "migrate", summary: "nâng cấp lược đồ CSDL; --status để xem (migrate the database)", run: migrate})
}

func migrate(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var status bool
	b := config.NewBinder(newFlags(e, "migrate", ""))
	cfg.BindDatabase(b)
	b.FS.BoolVar(&status, "status", false, "only show each module's schema version")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, SQLiteSync: cfg.SQLiteSync})
	if err != nil {
		return err
	}
	defer d.Close()
	if !status {
		if err := d.Migrate(ctx, cfg.NewLogger(os.Stderr), app.Modules()...); err != nil {
			return err
		}
	}
	st, err := d.Status(ctx, app.Modules()...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%-12s %8s %8s\n", "module", "current", "known")
	for _, s := range st {
		fmt.Fprintf(e.stdout, "%-12s %8d %8d\n", s.Module, s.Current, s.Target)
	}
	return nil
}
