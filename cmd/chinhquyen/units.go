package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func init() {
	register(&command{name: "units import", summary: "nạp danh mục đơn vị hành chính mới (import a newer official unit list)", run: unitsImport})
}

// unitsImport loads a newer official list of administrative units (the
// shipped CSV's columns, optional successor_code) valid from a date, and
// prints the units added, renamed, moved and retired. The import is all or
// nothing: a file with a bad row writes nothing and names every bad line.
func unitsImport(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var validFrom string
	var dryRun bool
	b := config.NewBinder(newFlags(e, "units import", "FILE.csv"))
	cfg.BindDatabase(b)
	b.FS.StringVar(&validFrom, "valid-from", "", "first day the new list is valid, YYYY-MM-DD (required)")
	b.FS.BoolVar(&dryRun, "dry-run", false, "check the file and report the changes without writing them")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() != 1 {
		b.FS.Usage()
		return fmt.Errorf("%w: one CSV file expected", errUsage)
	}
	if validFrom == "" {
		b.FS.Usage()
		return fmt.Errorf("%w: --valid-from is required", errUsage)
	}
	from, err := org.ParseDate(validFrom)
	if err != nil {
		return err
	}
	f, err := os.Open(b.FS.Arg(0))
	if err != nil {
		return fmt.Errorf("không mở được tệp %s: %w", b.FS.Arg(0), err)
	}
	defer f.Close()
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Org.Seed(ctx); err != nil {
		return err
	}
	var report *org.ImportReport
	if dryRun {
		report, err = a.Org.PreviewImport(ctx, f, from)
	} else {
		report, err = a.Org.ImportUnits(ctx, operator, f, from)
	}
	if report != nil {
		fmt.Fprint(e.stdout, report.Text())
	}
	return err
}
