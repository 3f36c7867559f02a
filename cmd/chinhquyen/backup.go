package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/backup"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

func init() {
	register(&command{name: "backup", summary: "sao lưu CSDL, tệp và (tùy chọn) khóa vào một tệp trong khi máy chủ vẫn chạy (back up to one archive)", run: backupCmd})
	register(&command{name: "restore", summary: "khôi phục bản sao lưu vào thư mục dữ liệu trống, rồi kiểm tra nhật ký kiểm toán (restore an archive)", run: restoreCmd})
}

// envBackupPassphrase names the variables holding the passphrase of the
// keys in an archive (or a file with it). There is deliberately no flag
// taking the passphrase itself: the process list and shell history show
// flag values.
const envBackupPassphrase = config.EnvPrefix + "BACKUP_PASSPHRASE"

// backupPassphrase reads the passphrase from --passphrase-file, else the
// environment; "" when none is given.
func backupPassphrase(file string) (string, error) {
	if file == "" {
		file = os.Getenv(envBackupPassphrase + "_FILE")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp mật khẩu sao lưu %s", file)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return os.Getenv(envBackupPassphrase), nil
}

func platformVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	return v
}

func backupCmd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var out, passFile, compress, pgDump string
	var includeKeys bool
	b := config.NewBinder(newFlags(e, "backup", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&out, "out", "", "archive to write (must not exist), e.g. chinhquyen-2026-12-07.tar")
	b.FS.BoolVar(&includeKeys, "include-keys", false, "also store the keys (secret key, audit signing key, CA key files and their passphrase), encrypted with a passphrase")
	b.FS.StringVar(&passFile, "passphrase-file", "", "file holding the passphrase that encrypts the keys (or env "+envBackupPassphrase+" / "+envBackupPassphrase+"_FILE)")
	b.FS.StringVar(&compress, "compress", backup.CompressNone, "none or gzip (stored files are mostly compressed already)")
	b.FS.StringVar(&pgDump, "pg-dump", "", "pg_dump program for a PostgreSQL database (default: pg_dump on PATH)")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	if out == "" {
		return usageError(e, b, "thiếu --out: tệp sao lưu sẽ ghi")
	}
	opts := backup.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Modules: app.Modules(), DataFiles: cfg.BackupDataFiles(),
		Compress: compress, PlatformVersion: platformVersion(), PGDump: pgDump, Log: cfg.NewLogger(os.Stderr), Progress: newBackupProgress(e)}
	if includeKeys {
		pass, err := backupPassphrase(passFile)
		if err != nil {
			return err
		}
		if pass == "" {
			return apperr.New(apperr.Invalid, "--include-keys cần mật khẩu mã hóa khóa: đưa qua --passphrase-file, %s_FILE hoặc %s", envBackupPassphrase, envBackupPassphrase)
		}
		if err := backup.CheckPassphrase(pass); err != nil {
			return err
		}
		keys, notCovered, err := cfg.BackupKeys()
		if err != nil {
			return err
		}
		opts.Keys, opts.Passphrase, opts.NotCovered = keys, pass, notCovered
	} else {
		opts.NotCovered = []string{"Không có khóa (chạy với --include-keys để kèm khóa, mã hóa bằng mật khẩu) / keys not included"}
	}
	d, _, err := openExisting(ctx, &cfg, app.Modules()[0])
	if err != nil {
		return err
	}
	defer d.Close()
	opts.DB = d
	objects, note, err := app.BackupObjects(ctx, cfg)
	if err != nil {
		return err
	}
	opts.Objects = objects
	if note != "" {
		opts.NotCovered = append(opts.NotCovered, note)
	}
	start := clock.Now()
	m, err := backup.Create(ctx, out, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã sao lưu / backed up: %s\n  %s\n  thời gian / took: %s\n", out, m, clock.Now().Sub(start).Round(time.Millisecond))
	for _, n := range m.NotCovered {
		fmt.Fprintf(e.stdout, "  Lưu ý / note: %s\n", n)
	}
	return nil
}

func restoreCmd(ctx context.Context, e *env, args []string) error {
	var dataDir, dbURL, passFile, pgRestore string
	var skipKeys bool
	var maxParts int
	b := config.NewBinder(newFlags(e, "restore", "FILE"))
	b.FS.StringVar(&dataDir, "data", "", "data folder to restore into: empty or not existing (required)")
	b.FS.StringVar(&dbURL, "database", "", "for a PostgreSQL archive: an empty database to restore into, postgres://user@host/db")
	b.FS.StringVar(&passFile, "passphrase-file", "", "file holding the passphrase of the keys in the archive (or env "+envBackupPassphrase+" / "+envBackupPassphrase+"_FILE)")
	b.FS.BoolVar(&skipKeys, "skip-keys", false, "restore an archive holding keys without them")
	b.FS.IntVar(&maxParts, "max-parts", backup.DefaultLimits.MaxParts, "most parts (files) an archive may hold")
	b.FS.StringVar(&pgRestore, "pg-restore", "", "pg_restore program (default: pg_restore on PATH)")
	var cfg app.Config
	cfg.BindBlobStore(b)
	// The archive may stand before, between or after the flags.
	var files []string
	for {
		if err := parseFlags(b, args); err != nil {
			return err
		}
		if b.FS.NArg() == 0 {
			break
		}
		files, args = append(files, b.FS.Arg(0)), b.FS.Args()[1:]
	}
	if len(files) != 1 {
		return usageError(e, b, "cần đúng một tệp sao lưu")
	}
	file := files[0]
	if dataDir == "" {
		return usageError(e, b, "thiếu --data: thư mục dữ liệu trống để khôi phục vào")
	}
	pass, err := backupPassphrase(passFile)
	if err != nil {
		return err
	}
	lim := backup.DefaultLimits
	lim.MaxParts = maxParts
	objects, err := app.RestoreObjects(ctx, cfg)
	if err != nil {
		return err
	}
	start := clock.Now()
	rep, err := backup.Restore(ctx, file, backup.RestoreOptions{DataDir: dataDir, DatabaseURL: dbURL, Passphrase: pass, SkipKeys: skipKeys,
		Modules: app.Modules(), Limits: lim, Progress: newBackupProgress(e), PGRestore: pgRestore, Objects: objects})
	if rep == nil {
		return err
	}
	m := rep.Manifest
	fmt.Fprintf(e.stdout, "Đã khôi phục / restored into %s", dataDir)
	if dbURL != "" {
		fmt.Fprintf(e.stdout, " và / and %s", redactPassword(dbURL))
	}
	fmt.Fprintf(e.stdout, "\n  bản sao lưu / archive: %s, tạo lúc / created %s, phiên bản / version %s\n", m.Engine, m.Created.Format(time.RFC3339), m.PlatformVersion)
	fmt.Fprintf(e.stdout, "  %d tệp / files, %d byte; thời gian / took: %s\n", rep.Files, rep.Bytes, clock.Now().Sub(start).Round(time.Millisecond))
	if objects != nil {
		fmt.Fprintf(e.stdout, "  %d tệp vào kho / files into %s: chạy serve với cùng --blob-url / serve with the same --blob-url\n", rep.Objects, objects.Describe())
	}
	switch {
	case rep.KeysRestored:
		fmt.Fprintf(e.stdout, "  Khóa / keys: %d tệp đã giải mã / decrypted\n", len(m.KeyFiles))
	case len(m.KeyFiles) > 0:
		fmt.Fprintln(e.stdout, "  Khóa / keys: bỏ qua (--skip-keys); máy chủ cần các khóa cũ qua CHINHQUYEN_SECRET_KEY_FILE, CHINHQUYEN_AUDIT_SIGNER_KEY_FILE, CHINHQUYEN_KEY_PASSPHRASE_FILE")
	default:
		fmt.Fprintln(e.stdout, "  Khóa / keys: không có trong bản sao lưu; máy chủ cần các khóa cũ qua CHINHQUYEN_SECRET_KEY_FILE, CHINHQUYEN_AUDIT_SIGNER_KEY_FILE, CHINHQUYEN_KEY_PASSPHRASE_FILE")
	}
	for _, n := range m.NotCovered {
		fmt.Fprintf(e.stdout, "  Lưu ý / note: %s\n", n)
	}
	if rep.Audit != nil {
		printVerifyReport(e, rep.Audit, 0)
	}
	if err == nil {
		err = rep.AuditErr
	}
	return err
}

// backupProgress is a progress bar on stderr, shown only on a terminal.
type backupProgress struct {
	out *os.File
	bar *progressbar.ProgressBar
}

func newBackupProgress(e *env) backup.Progress {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &backupProgress{out: f}
}

func (p *backupProgress) Start(what string, total int64) {
	p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.out), progressbar.OptionSetDescription(what),
		progressbar.OptionShowBytes(true), progressbar.OptionShowTotalBytes(true), progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
}

func (p *backupProgress) Add(n int64) {
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

func (p *backupProgress) Done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// redactPassword hides the password of a database URL shown to people.
func redactPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "PostgreSQL"
	}
	return u.Redacted()
}
