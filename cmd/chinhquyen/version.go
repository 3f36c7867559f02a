package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/chinhquyen/chinhquyen/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func init() {
	register(&command{name: "version", summary: "in phiên bản (print the version)", run: printVersion})
}

func printVersion(ctx context.Context, e *env, args []string) error {
	b := config.NewBinder(newFlags(e, "version", ""))
	if err := parseFlags(b, args); err != nil {
		return err
	}
	rev := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				rev = " " + s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "chinhquyen %s%s (%s %s/%s)\n", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
