// Command chinhquyen is the whole platform in one binary: the web server and
// the administration commands.
//
// Each subcommand lives in its own file (serve.go, migrate.go, …) and
// registers itself in commands; every flag defaults from a CHINHQUYEN_*
// environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

// command is one subcommand. run receives the arguments after its name (and
// after the group word for grouped commands such as "units import").
type command struct {
	name    string // "serve", or "units import" for grouped commands
	summary string // one line, shown by --help
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// group is the command of a group of subcommands (`chinhquyen audit`):
// it lists them, on stdout when asked for help, on stderr with an error
// (exit 2) when the subcommand named does not exist.
func group(name string, subs ...string) func(context.Context, *env, []string) error {
	return func(_ context.Context, e *env, args []string) error {
		w := e.stdout
		if len(args) > 0 && args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
			fmt.Fprintf(e.stderr, "Lỗi: không có lệnh %s %q.\n\n", name, clipArg(args[0]))
			w = e.stderr
		}
		fmt.Fprintf(w, "Cách dùng / usage: chinhquyen %s <lệnh> …\n", name)
		for _, n := range subs {
			if c := commands[name+" "+n]; c != nil {
				fmt.Fprintf(w, "  %-20s %s\n", name+" "+n, c.summary)
			}
		}
		if w == e.stderr {
			return errUsage
		}
		return nil
	}
}

// env is the process environment a command sees; tests give their own.
type env struct {
	stdout, stderr io.Writer
}

// exitUsage marks an error as a usage problem (exit 2, like flag).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

// run dispatches args to a command and turns its error into an exit code and
// a clear message: Vietnamese for people, with the cause for operators.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "Lỗi: thiếu tên lệnh (missing command)")
		usage(e.stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		return 0
	}
	c, rest := lookup(args)
	if c == nil {
		fmt.Fprintf(e.stderr, "Lỗi: không có lệnh %q (unknown command)\n\n", strings.Join(args[:min(2, len(args))], " "))
		usage(e.stderr)
		return 2
	}
	err := c.run(ctx, e, rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err == errUsage:
		// The command printed what was wrong and how to call it.
		return 2
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "Lỗi: cách gọi lệnh không đúng (%v); xem chinhquyen %s --help\n", errors.Unwrap(err), c.name)
		return 2
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		fmt.Fprintf(e.stderr, "Lỗi: %s\n", ae.Message)
		if ae.Err != nil {
			fmt.Fprintf(e.stderr, "  (chi tiết: %v)\n", ae.Err)
		}
	} else {
		fmt.Fprintf(e.stderr, "Lỗi: %v\n", err)
	}
	return 1
}

// lookup finds the longest command name matching the start of args.
func lookup(args []string) (*command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "chinhquyen — nền tảng chính quyền điện tử (e-government platform)")
	fmt.Fprintln(w, "\nCách dùng / usage: chinhquyen <lệnh> [cờ]   (chinhquyen <lệnh> --help for flags)")
	fmt.Fprintln(w, "\nLệnh / commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
}

// newFlags returns a FlagSet whose errors and help go to the command's
// stderr, with a usage line naming the command.
func newFlags(e *env, name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Cách dùng / usage: chinhquyen %s [cờ/flags] %s\n\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with b and maps flag errors (already printed by the
// flag package with the usage) to a usage exit.
func parseFlags(b *config.Binder, args []string) error {
	err := b.Parse(args)
	var ae *apperr.Error
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp), errors.As(err, &ae):
		return err
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
