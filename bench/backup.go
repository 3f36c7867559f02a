package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/backup"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/clock"
)

func init() {
	suites = append(suites, suite{name: "backup", run: benchBackup})
}

// benchBackup measures `chinhquyen backup` and `restore` of a data folder
// holding 1 GiB of stored files (16 MiB with -short), 1 MiB each, random
// (incompressible, as PDFs and scans mostly are), put through the file
// store, on SQLite. The limit of the same run is copying the same files
// into one file on the same disk and syncing it (cat … > f; fsync): the
// bytes a backup cannot avoid reading and writing. Each is run twice,
// alternating, and the faster run counts, so neither gains from the page
// cache the other warmed.
func benchBackup(o *opts) ([]row, error) {
	ctx := context.Background()
	files, size := 1024, 1<<20
	if o.short {
		files = 16
	}
	dir, err := os.MkdirTemp("", "cqbench-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := app.Config{DataDir: filepath.Join(dir, "data"), SQLiteSync: "FULL", LogFormat: "text", LogLevel: "error"}
	a, err := app.Open(ctx, cfg, o.log)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	store, err := blob.NewLocal(cfg.FilesDir())
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	var paths []string
	for range files {
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		info, err := store.Put(ctx, bytes.NewReader(buf), blob.PutOptions{})
		if err != nil {
			return nil, err
		}
		paths = append(paths, store.Path(info.Hash))
	}
	total := float64(files*size) / (1 << 20)

	var bestBackup, bestCopy, bestRestore time.Duration
	for i := range 2 {
		start := clock.Now()
		if err := copyConcat(paths, filepath.Join(dir, fmt.Sprintf("copy-%d", i))); err != nil {
			return nil, err
		}
		bestCopy = fastest(bestCopy, clock.Now().Sub(start))

		out := filepath.Join(dir, fmt.Sprintf("backup-%d.tar", i))
		objects, _, err := app.BackupObjects(ctx, cfg)
		if err != nil {
			return nil, err
		}
		start = clock.Now()
		if _, err := backup.Create(ctx, out, backup.Options{DB: a.DB, DataDir: cfg.DataDir, Modules: app.Modules(),
			DataFiles: cfg.BackupDataFiles(), Objects: objects, Log: o.log}); err != nil {
			return nil, err
		}
		bestBackup = fastest(bestBackup, clock.Now().Sub(start))

		start = clock.Now()
		if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: filepath.Join(dir, fmt.Sprintf("restored-%d", i)), Modules: app.Modules(), Log: o.log}); err != nil {
			return nil, err
		}
		bestRestore = fastest(bestRestore, clock.Now().Sub(start))
		os.Remove(out)
		os.Remove(filepath.Join(dir, fmt.Sprintf("copy-%d", i)))
		os.RemoveAll(filepath.Join(dir, fmt.Sprintf("restored-%d", i)))
	}
	mbps := func(d time.Duration) float64 { return total / d.Seconds() }
	what := fmt.Sprintf("%.0f MiB in %d files", total, files)
	limit := "copying the same files into one file, same disk, fsync"
	return []row{
		{Name: "backup, SQLite, " + what + " (snapshot, manifest, tar, fsync)", Value: mbps(bestBackup), Unit: "MiB/s", Limit: limit, LimitV: mbps(bestCopy)},
		{Name: "restore of that archive (every byte checked, every file fsynced, audit verify)", Value: mbps(bestRestore), Unit: "MiB/s", Limit: limit, LimitV: mbps(bestCopy)},
	}, nil
}

func fastest(best, d time.Duration) time.Duration {
	if best == 0 || d < best {
		return d
	}
	return best
}

// copyConcat is the limit: every file read once and written once into one
// file on the same disk, synced at the end.
func copyConcat(paths []string, out string) error {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range paths {
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}
