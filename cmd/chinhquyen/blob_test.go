package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// TestBlobCheckFindsAFlippedByteAndAMissingFile stores three uploads (one
// encrypted) as serve does, then damages the data folder: blob check
// passes on the intact store and exits 1 naming both damaged objects.
func TestBlobCheckFindsAFlippedByteAndAMissingFile(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := db.Config{DataDir: dir, SQLiteSync: "NORMAL"}
			if engine == db.Postgres {
				cfg.URL = dbtest.NewPostgresDatabase(t)
			}
			args := []string{"--data", dir, "--database", cfg.URL, "--log-level", "error"}
			d, err := db.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			if err := d.Migrate(ctx, quiet, app.Modules()...); err != nil {
				t.Fatal(err)
			}
			l, err := audit.New(d, audit.Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			store, err := blob.NewLocal(filepath.Join(dir, "files"))
			if err != nil {
				t.Fatal(err)
			}
			keys, _ := blob.NewKeyring(bytes.Repeat([]byte{3}, 32))
			svc, err := blob.New(d, blob.Options{Store: store, Audit: l, Keys: keys, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			citizen := &actor.Actor{AccountID: 5, Kind: actor.Citizen}
			var hashes []string
			for i, level := range []access.Level{access.Public, access.Restricted, access.Public} {
				// Larger than what is kept in the database: files in the store.
				content := append(append(blobtest.PDF(), make([]byte, blob.DefaultInlineMax)...), byte('0'+i))
				u, err := svc.Upload(ctx, citizen, bytes.NewReader(content), blob.Request{Name: "a.pdf", Level: level})
				if err != nil {
					t.Fatal(err)
				}
				var stored string
				d.Reader().QueryRowContext(ctx, "SELECT stored_sha256 FROM blob_uploads WHERE id = $1", u.ID).Scan(&stored)
				hashes = append(hashes, stored)
			}
			d.Close()
			path := func(h string) string { return filepath.Join(dir, "files", h[:2], h) }

			code, out, errOut := calRun(t, append([]string{"blob", "check"}, args...)...)
			if code != 0 || !strings.Contains(out, "3 tệp") {
				t.Fatalf("intact store: exit %d\n%s\n%s", code, out, errOut)
			}
			b, err := os.ReadFile(path(hashes[1]))
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-1] ^= 0x20
			if err := os.WriteFile(path(hashes[1]), b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(path(hashes[2])); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = calRun(t, append([]string{"blob", "check"}, args...)...)
			if code != 1 || !strings.Contains(out, "HỎNG   "+hashes[1]) || !strings.Contains(out, "THIẾU  "+hashes[2]) || strings.Contains(out, hashes[0]) ||
				!strings.Contains(errOut, "2/3 tệp thiếu hoặc hỏng") {
				t.Fatalf("damaged store: exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// blob check on an empty folder says there is no database.
func TestBlobCheckWithoutDatabase(t *testing.T) {
	code, _, errOut := calRun(t, "blob", "check", "--data", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "Không có cơ sở dữ liệu") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
