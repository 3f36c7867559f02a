package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

// The backup and restore commands: the passphrase comes from a file or
// the environment (no flag takes it), an archive is never overwritten, a
// used folder is refused, and restore prints the audit verification.
func TestBackupRestoreCommands(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "data")
			cfg := app.Config{DataDir: dir, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error"}
			dbArgs := []string{"--data", dir, "--log-level", "error"}
			if engine == db.Postgres {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
				dbArgs = append(dbArgs, "--database", cfg.DatabaseURL)
			}
			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Identity.Register(ctx, identity.Registration{Kind: actor.Citizen, ID: "001090012345", Name: "Trần Thị Bình",
				Email: "binh@example.vn", Password: "Gió-mùa-đông-bắc-2026", IP: "192.0.2.1"}); err != nil {
				t.Fatal(err)
			}
			a.Close()
			work := t.TempDir()
			passFile := filepath.Join(work, "pass")
			if err := os.WriteFile(passFile, []byte("mật khẩu sao lưu đủ dài\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			wrongFile := filepath.Join(work, "wrong")
			if err := os.WriteFile(wrongFile, []byte("một mật khẩu khác hẳn\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(work, "b.tar.gz")
			restored := filepath.Join(work, "restored")
			with := func(extra ...string) []string { return append(append([]string{}, extra...), dbArgs...) }
			var restoreDB []string
			if engine == db.Postgres {
				restoreDB = []string{"--database", dbtest.NewPostgresDatabase(t)}
			}
			runCalCases(t, []calCase{
				{name: "no --out", code: 2, args: with("backup")},
				{name: "no flag takes the passphrase itself", code: 2, args: with("backup", "--out", out, "--include-keys", "--passphrase", "x")},
				{name: "keys without a passphrase", code: 1, errHas: "--include-keys cần mật khẩu", args: with("backup", "--out", out, "--include-keys")},
				{name: "backup", code: 0, has: []string{"Đã sao lưu / backed up: " + out, "khóa / keys: 3"},
					args: with("backup", "--out", out, "--include-keys", "--passphrase-file", passFile, "--compress", "gzip")},
				{name: "an archive is never overwritten", code: 1, errHas: "đã có: chọn tên khác",
					args: with("backup", "--out", out)},
				{name: "restore without a folder", code: 2, args: []string{"restore", out}},
				{name: "wrong passphrase", code: 1, errHas: "Mật khẩu bản sao lưu không đúng",
					args: append([]string{"restore", out, "--data", restored, "--passphrase-file", wrongFile}, restoreDB...)},
				{name: "restore", code: 0, has: []string{"Đã khôi phục / restored into " + restored, "Khóa / keys: 3 tệp đã giải mã", "audit log intact"},
					args: append([]string{"restore", out, "--data", restored, "--passphrase-file", passFile}, restoreDB...)},
				{name: "restore into a used folder", code: 1, errHas: "đã có dữ liệu",
					args: append([]string{"restore", "--data", restored, "--passphrase-file", passFile, out}, restoreDB...)},
			})
			if _, err := os.Stat(filepath.Join(restored, app.SecretKeyFile)); err != nil {
				t.Fatalf("secret key not restored: %v", err)
			}
			t.Setenv(envBackupPassphrase, "mật khẩu sao lưu đủ dài")
			code, stdout, stderr := calRun(t, with("backup", "--out", filepath.Join(work, "env.tar"), "--include-keys")...)
			if code != 0 || !strings.Contains(stdout, "khóa / keys: 3") {
				t.Fatalf("passphrase from %s: exit %d\n%s\n%s", envBackupPassphrase, code, stdout, stderr)
			}
		})
	}
}
