// Command bench measures chinhquyen's performance and prints a markdown
// table: each figure beside the limit measured in the same run on the same
// machine, and our ratio to it. Timed assertions never live in tests; this is
// where performance is watched.
//
//	go run ./bench            # full run
//	go run ./bench -short     # smoke run (CI)
//	go run ./bench -only http # suites whose name matches
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// row is one line of the table.
type row struct {
	Suite  string
	Name   string  // what we measured
	Value  float64 // our figure
	Unit   string  // e.g. "req/s"
	Limit  string  // what the limit is
	LimitV float64 // the limit's figure, same unit, same run
	Goal   string  // the goal, if any
	Lower  bool    // true when lower is better (durations)
}

func (r row) ratio() string {
	if r.LimitV == 0 || r.Value == 0 {
		return "—"
	}
	if r.Lower {
		return fmt.Sprintf("%.2f×", r.LimitV/r.Value)
	}
	return fmt.Sprintf("%.2f", r.Value/r.LimitV)
}

// suite measures something and returns its rows.
type suite struct {
	name string
	run  func(o *opts) ([]row, error)
}

// opts are the knobs every suite sees.
type opts struct {
	short    bool
	duration time.Duration // per load measurement
	// searchDocs overrides how many documents the search suite indexes.
	searchDocs int
	log        *slog.Logger
}

var suites []suite

func main() {
	short := flag.Bool("short", false, "smoke run: tiny durations and sizes (CI)")
	only := flag.String("only", "", "run only suites whose name matches this regular expression")
	dur := flag.Duration("duration", 3*time.Second, "duration of each load measurement")
	searchDocs := flag.Int("search-docs", 0, "documents the search suite indexes (0: 1,000,000, or 20,000 with -short)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	blockProfile := flag.String("blockprofile", "", "write a profile of where goroutines waited (channels, locks, the database pool) to this file")
	flag.Parse()
	if *blockProfile != "" {
		runtime.SetBlockProfileRate(10_000) // one sample per 10 µs waited
		defer func() {
			f, err := os.Create(*blockProfile)
			if err == nil {
				pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	o := &opts{short: *short, duration: *dur, searchDocs: *searchDocs, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if o.short {
		o.duration = 300 * time.Millisecond
	}
	var re *regexp.Regexp
	if *only != "" {
		re = regexp.MustCompile(*only)
	}
	fmt.Printf("# chinhquyen bench — %s, %s/%s, %d CPU, %s\n\n", clock.Now().Format("2006-01-02 15:04"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Println("| suite | figure | ours | limit (same run) | limit | ratio | goal |")
	fmt.Println("|---|---|---:|---|---:|---:|---|")
	failed := false
	for _, s := range suites {
		if re != nil && !re.MatchString(s.name) {
			continue
		}
		rows, err := s.run(o)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", s.name, err)
			failed = true
			continue
		}
		for _, r := range rows {
			fmt.Printf("| %s | %s | %s %s | %s | %s | %s | %s |\n", s.name, r.Name, num(r.Value), r.Unit,
				r.Limit, num(r.LimitV), r.ratio(), r.Goal)
		}
	}
	if failed {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// num prints a figure with a sensible precision and thin grouping.
func num(v float64) string {
	switch {
	case v == 0:
		return "—"
	case v >= 100:
		return group(fmt.Sprintf("%.0f", v))
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.4f", v)
	}
}

func group(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
