package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

func init() {
	register(&command{name: "serve", summary: "chạy máy chủ web (run the platform)", run: serve})
}

func serve(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "serve", ""))
	cfg.BindServe(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, b.FS.Arg(0))
	}
	log := cfg.NewLogger(os.Stderr)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	srv, err := a.Listen(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "chinhquyen đang chạy tại / is running at %s\n", srv.URL)
	log.Info("serving", "url", srv.URL, "database", a.DB.Location)
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
		return srv.Shutdown()
	case err := <-srv.Done():
		return err
	}
}
