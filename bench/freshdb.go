package main

import (
	"context"
	"os"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

// freshDB opens cfg's engine on a new data folder named for the suite and
// migrates the given modules; done closes the database and removes the
// folder.
func freshDB(ctx context.Context, o *opts, cfg db.Config, suite string, modules ...db.Migrations) (d *db.DB, dir string, done func(), err error) {
	dir, err = os.MkdirTemp("", "cqbench-"+suite+"-")
	if err != nil {
		return nil, "", nil, err
	}
	cfg.DataDir = dir
	if d, err = db.Open(ctx, cfg); err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	done = func() { d.Close(); os.RemoveAll(dir) }
	if err := d.Migrate(ctx, o.log, modules...); err != nil {
		done()
		return nil, "", nil, err
	}
	return d, dir, done, nil
}
