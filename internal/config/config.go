// Package config reads the program's settings from flags, each defaulting
// from a CHINHQUYEN_* environment variable; secrets may also come from a file
// named by CHINHQUYEN_*_FILE (Miniflux's convention), so they stay out of the
// process list and of shell history.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// EnvPrefix starts every environment variable the program reads.
const EnvPrefix = "CHINHQUYEN_"

// Env maps a flag name to its environment variable: "data" → CHINHQUYEN_DATA,
// "tsa-url" → CHINHQUYEN_TSA_URL.
func Env(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Binder registers flags on a FlagSet with defaults from the environment and
// remembers environment errors (a bad number in CHINHQUYEN_X) to report them
// after parsing, with the variable's name.
type Binder struct {
	FS   *flag.FlagSet
	errs []error
}

// NewBinder returns a Binder for fs.
func NewBinder(fs *flag.FlagSet) *Binder { return &Binder{FS: fs} }

// String binds a string flag.
func (b *Binder) String(p *string, name, def, usage string) {
	if v, ok := os.LookupEnv(Env(name)); ok {
		def = v
	}
	b.FS.StringVar(p, name, def, usage+" (env "+Env(name)+")")
}

// Secret binds a string flag whose value may also come from the file named by
// CHINHQUYEN_<NAME>_FILE. A trailing newline in the file is ignored.
func (b *Binder) Secret(p *string, name, usage string) {
	def := os.Getenv(Env(name))
	if path := os.Getenv(Env(name) + "_FILE"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s_FILE: %w", Env(name), err))
		} else {
			def = strings.TrimRight(string(data), "\r\n")
		}
	}
	*p = def
	b.FS.Var(secretValue{p}, name, usage+" (env "+Env(name)+" or "+Env(name)+"_FILE)")
}

// secretValue is a string flag that never shows its value: --help would
// otherwise print a secret taken from the environment as the default.
type secretValue struct{ p *string }

func (s secretValue) String() string { return "" }

func (s secretValue) Set(v string) error {
	*s.p = v
	return nil
}

// Bool binds a boolean flag.
func (b *Binder) Bool(p *bool, name string, def bool, usage string) {
	if v, ok := os.LookupEnv(Env(name)); ok {
		parsed, err := strconv.ParseBool(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s=%q: not a boolean", Env(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.BoolVar(p, name, def, usage+" (env "+Env(name)+")")
}

// Int binds an integer flag.
func (b *Binder) Int(p *int, name string, def int, usage string) {
	if v, ok := os.LookupEnv(Env(name)); ok {
		parsed, err := strconv.Atoi(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s=%q: not an integer", Env(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.IntVar(p, name, def, usage+" (env "+Env(name)+")")
}

// Duration binds a duration flag ("30m", "12h").
func (b *Binder) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	if v, ok := os.LookupEnv(Env(name)); ok {
		parsed, err := time.ParseDuration(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s=%q: not a duration", Env(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.DurationVar(p, name, def, usage+" (env "+Env(name)+")")
}

// Parse parses args. A bad flag returns the flag package's error (already
// printed with the usage); bad environment values return an EINVALID error
// naming each variable.
func (b *Binder) Parse(args []string) error {
	if err := b.FS.Parse(args); err != nil {
		return err
	}
	if len(b.errs) > 0 {
		return apperr.Wrap(errors.Join(b.errs...), apperr.Invalid, "Biến môi trường không hợp lệ: %v", errors.Join(b.errs...))
	}
	return nil
}
