package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/backup"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

const passphrase = "một mật khẩu đủ dài cho bản sao lưu"

var quiet = slog.New(slog.DiscardHandler)

// site is a platform as serve leaves it: accounts, audited changes, files.
type site struct {
	cfg       app.Config
	app       *app.App
	passwords map[string]string // login → password
	files     map[string][]byte // path in the data folder → content
}

func newSite(t *testing.T, engine db.Dialect) *site {
	t.Helper()
	ctx := context.Background()
	s := &site{passwords: map[string]string{}, files: map[string][]byte{}}
	s.cfg = testConfig(filepath.Join(t.TempDir(), "data"))
	if engine == db.Postgres {
		s.cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
	}
	a, err := app.Open(ctx, s.cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	s.app = a
	for i := range 3 {
		login := fmt.Sprintf("0010900123%02d", i)
		pw := fmt.Sprintf("Mật-khẩu-công-dân-%d!", i)
		if _, err := a.Identity.Register(ctx, identity.Registration{Kind: actor.Citizen, ID: login, Name: "Nguyễn Văn An", Email: fmt.Sprintf("an%d@example.vn", i),
			Password: pw, IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		s.passwords[login] = pw
	}
	for i := range 5 {
		content := bytes.Repeat([]byte(fmt.Sprintf("tệp đính kèm %d ", i)), 1000*(i+1))
		sum := sha256.Sum256(content)
		h := hex.EncodeToString(sum[:])
		rel := filepath.Join("files", h[:2], h)
		if err := os.MkdirAll(filepath.Join(s.cfg.DataDir, filepath.Dir(rel)), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.cfg.DataDir, rel), content, 0o640); err != nil {
			t.Fatal(err)
		}
		s.files[rel] = content
	}
	// An object being written sits in files/tmp: not part of any backup.
	if err := os.MkdirAll(filepath.Join(s.cfg.DataDir, "files", "tmp"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.cfg.DataDir, "files", "tmp", "put-1"), []byte("half"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Audit.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func testConfig(dir string) app.Config {
	return app.Config{DataDir: dir, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error",
		Identity: app.IdentityConfig{Argon2Memory: 8192, Argon2Iterations: 1, Argon2Parallelism: 1, RegisterPerIP: 1000}}
}

// writer keeps committing audited changes, numbered 1, 2, … in order,
// until stopped; acked is the last number whose commit returned.
type writer struct {
	acked atomic.Int64
	stop  chan struct{}
	done  sync.WaitGroup
	err   error
}

func startWriter(a *app.App) *writer {
	w := &writer{stop: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		ctx := context.Background()
		for i := int64(1); ; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
				return a.Audit.Record(ctx, tx, audit.Entry{Actor: actor.SystemActor("drill"), Action: "drill.write", ObjectType: "drill", ObjectID: strconv.FormatInt(i, 10)})
			})
			if err != nil {
				w.err = err
				return
			}
			w.acked.Store(i)
		}
	}()
	return w
}

func (w *writer) halt(t *testing.T) {
	close(w.stop)
	w.done.Wait()
	if w.err != nil {
		t.Fatal(w.err)
	}
}

// makeBackup runs a backup as the command does: its own database handle.
func makeBackup(t *testing.T, s *site, out string, withKeys bool) *backup.Manifest {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{URL: s.cfg.DatabaseURL, DataDir: s.cfg.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	objects, _, err := app.BackupObjects(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := backup.Options{DB: d, DatabaseURL: s.cfg.DatabaseURL, DataDir: s.cfg.DataDir, Modules: app.Modules(), DataFiles: s.cfg.BackupDataFiles(),
		Objects: objects, PlatformVersion: "drill", ScryptWorkFactor: 10}
	if withKeys {
		o.Keys, o.NotCovered, err = s.cfg.BackupKeys()
		if err != nil {
			t.Fatal(err)
		}
		o.Passphrase = passphrase
	}
	m, err := backup.Create(ctx, out, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDrill is the operator's drill on each engine: a populated platform
// under write load is backed up, restored into a new folder (and a new
// PostgreSQL database), and the restored platform has every row committed
// before the backup began and a consistent cut after it, the same files,
// an intact audit log, and its users sign in with their passwords.
func TestDrill(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, engine)
			w := startWriter(s.app)
			for w.acked.Load() < 20 {
				time.Sleep(time.Millisecond)
			}
			out := filepath.Join(t.TempDir(), "chinhquyen.tar")
			before := w.acked.Load()
			m := makeBackup(t, s, out, true)
			for target := w.acked.Load() + 20; w.acked.Load() < target; {
				time.Sleep(time.Millisecond)
			}
			w.halt(t)
			total := w.acked.Load()
			if len(m.KeyFiles) < 3 || m.Engine != string(engine) || len(m.Schema) != len(app.Modules()) {
				t.Fatalf("manifest: engine %s, keys %v, schema %v", m.Engine, m.KeyFiles, m.Schema)
			}

			restored := testConfig(filepath.Join(t.TempDir(), "restored"))
			if engine == db.Postgres {
				restored.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			rep, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: restored.DataDir, DatabaseURL: restored.DatabaseURL,
				Passphrase: passphrase, Modules: app.Modules()})
			if err != nil {
				t.Fatal(err)
			}
			if rep.AuditErr != nil || rep.Audit == nil || !rep.Audit.OK || rep.Audit.TreeSize == 0 || rep.Audit.KeysFromDatabase {
				t.Fatalf("audit of the restored log: %+v, %v", rep.Audit, rep.AuditErr)
			}
			if !rep.KeysRestored || rep.Files != len(s.files)+1 {
				t.Fatalf("restored keys %v, %d files, want %d", rep.KeysRestored, rep.Files, len(s.files)+1)
			}
			store, err := blob.NewLocal(restored.FilesDir())
			if err != nil {
				t.Fatal(err)
			}
			for rel, content := range s.files {
				h, _ := blob.ParseHash(filepath.Base(rel))
				r, err := store.Open(ctx, h)
				if err != nil {
					t.Fatalf("%s is not in the restored file store: %v", rel, err)
				}
				got, err := io.ReadAll(r)
				r.Close()
				if err != nil || !bytes.Equal(got, content) {
					t.Fatalf("%s: %d bytes restored (%v), want %d", rel, len(got), err, len(content))
				}
			}
			if _, err := os.Stat(filepath.Join(restored.DataDir, "files", "tmp", "put-1")); !os.IsNotExist(err) {
				t.Fatalf("an object being written was restored: %v", err)
			}
			for _, k := range []string{app.SecretKeyFile, audit.SignerKeyFile, app.KeyPassphraseFile, audit.VerifierKeyFile} {
				want, _ := os.ReadFile(filepath.Join(s.cfg.DataDir, k))
				got, err := os.ReadFile(filepath.Join(restored.DataDir, k))
				if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
					t.Fatalf("key %s not restored as it was (%v)", k, err)
				}
			}

			a, err := app.Open(ctx, restored, quiet)
			if err != nil {
				t.Fatalf("the restored platform does not open: %v", err)
			}
			defer a.Close()
			rows, err := a.DB.Reader().QueryContext(ctx, "SELECT object_id FROM audit_entries WHERE action = 'drill.write'")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			var most int64
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				n, _ := strconv.ParseInt(id, 10, 64)
				seen[n] = true
				most = max(most, n)
			}
			rows.Close()
			if most < before || most > total {
				t.Fatalf("restored writes up to %d; %d were acknowledged before the backup and %d in all", most, before, total)
			}
			for i := int64(1); i <= most; i++ {
				if !seen[i] {
					t.Fatalf("write %d missing though %d is restored: not a consistent snapshot", i, most)
				}
			}
			for login, pw := range s.passwords {
				if _, err := a.Identity.Login(ctx, identity.LoginRequest{Login: login, Password: pw, IP: "192.0.2.9"}); err != nil {
					t.Fatalf("%s cannot sign in on the restored platform: %v", login, err)
				}
			}
			t.Logf("%s: %d writes acknowledged before the backup, %d restored, %d in all", engine, before, most, total)

			// Restoring again into the folder now in use is refused, and
			// changes nothing there.
			_, err = backup.Restore(ctx, out, backup.RestoreOptions{DataDir: restored.DataDir, DatabaseURL: restored.DatabaseURL, Passphrase: passphrase, Modules: app.Modules()})
			if apperr.CodeOf(err) != apperr.Conflict || !strings.Contains(apperr.MessageOf(err), "đã có dữ liệu") {
				t.Fatalf("restore into a used folder: %v", err)
			}
			if engine == db.Postgres {
				// A used database is refused alike, even into an empty folder.
				_, err = backup.Restore(ctx, out, backup.RestoreOptions{DataDir: filepath.Join(t.TempDir(), "x"), DatabaseURL: restored.DatabaseURL, Passphrase: passphrase, Modules: app.Modules()})
				if apperr.CodeOf(err) != apperr.Conflict || !strings.Contains(apperr.MessageOf(err), "đã có dữ liệu") {
					t.Fatalf("restore into a used database: %v", err)
				}
			}
		})
	}
}

// TestRestoreRefusesAndLeavesNothing: a wrong or missing passphrase, a
// truncated archive or one changed byte is refused, and neither the
// target folder nor a temporary folder beside it nor any table in the
// target database is left behind.
func TestRestoreRefusesAndLeavesNothing(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, engine)
			out := filepath.Join(t.TempDir(), "b.tar")
			makeBackup(t, s, out, true)
			good, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			write := func(b []byte) string {
				p := filepath.Join(t.TempDir(), "x.tar")
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			changed := bytes.Clone(good)
			changed[len(changed)*2/3] ^= 0x20
			cases := []struct {
				name    string
				archive string
				pass    string
				code    apperr.Code
				msg     string
			}{
				{"wrong passphrase", out, "không phải mật khẩu này đâu", apperr.Unauthorized, "Mật khẩu bản sao lưu không đúng"},
				{"no passphrase", out, "", apperr.Invalid, "--passphrase-file"},
				{"truncated", write(good[:len(good)*3/4]), passphrase, apperr.Invalid, "cắt cụt"},
				{"one byte changed", write(changed), passphrase, apperr.Invalid, "bị hỏng hoặc bị sửa đổi"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					parent := t.TempDir()
					target := filepath.Join(parent, "data")
					var url string
					if engine == db.Postgres {
						url = dbtest.NewPostgresDatabase(t)
					}
					_, err := backup.Restore(ctx, tc.archive, backup.RestoreOptions{DataDir: target, DatabaseURL: url, Passphrase: tc.pass, Modules: app.Modules()})
					if apperr.CodeOf(err) != tc.code || !strings.Contains(apperr.MessageOf(err), tc.msg) {
						t.Fatalf("got %v, want %s %q", err, tc.code, tc.msg)
					}
					if left, _ := os.ReadDir(parent); len(left) != 0 {
						t.Fatalf("left behind: %v", left)
					}
					if url != "" {
						d, err := db.Open(ctx, db.Config{URL: url})
						if err != nil {
							t.Fatal(err)
						}
						defer d.Close()
						var n int
						if err := d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&n); err != nil || n != 0 {
							t.Fatalf("%d tables left in the target database (%v)", n, err)
						}
					}
				})
			}
		})
	}
}

// TestBackupWithoutKeys: without --include-keys no key travels, not even
// encrypted; the restored platform needs the old keys given to it, and
// with them it opens and its users sign in.
func TestBackupWithoutKeys(t *testing.T) {
	ctx := context.Background()
	s := newSite(t, db.SQLite)
	out := filepath.Join(t.TempDir(), "b.tar")
	m := makeBackup(t, s, out, false)
	if len(m.KeyFiles) != 0 {
		t.Fatalf("key files listed: %v", m.KeyFiles)
	}
	archive, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	keys, _, err := s.cfg.BackupKeys()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 3 {
		t.Fatalf("the site has %d keys", len(keys))
	}
	for _, k := range keys {
		if secret := bytes.TrimSpace(k.Data); bytes.Contains(archive, secret) {
			t.Fatalf("the archive holds key %s", k.Name)
		}
		if strings.Contains(string(archive), k.Name) && k.Name != audit.VerifierKeyFile {
			t.Fatalf("the archive names key %s", k.Name)
		}
	}
	dir := filepath.Join(t.TempDir(), "restored")
	rep, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: dir, Modules: app.Modules()})
	if err != nil || rep.KeysRestored || !rep.Audit.OK {
		t.Fatalf("restore: %v (keys %v, audit %+v)", err, rep != nil && rep.KeysRestored, rep)
	}
	for _, k := range keys {
		if _, err := os.Stat(filepath.Join(dir, k.Name)); !os.IsNotExist(err) {
			t.Fatalf("%s exists in the restored folder", k.Name)
		}
	}
	cfg := testConfig(dir)
	if _, err := app.Open(ctx, cfg, quiet); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("opened without the old secret key: %v", err)
	}
	for _, name := range []string{app.SecretKeyFile, audit.SignerKeyFile} {
		os.Remove(filepath.Join(dir, name))
	}
	secret, _ := os.ReadFile(filepath.Join(s.cfg.DataDir, app.SecretKeyFile))
	signer, _ := os.ReadFile(filepath.Join(s.cfg.DataDir, audit.SignerKeyFile))
	cfg.SecretKey, cfg.AuditSignerKey = strings.TrimSpace(string(secret)), strings.TrimSpace(string(signer))
	a, err := app.Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatalf("with the old keys given: %v", err)
	}
	defer a.Close()
	for login, pw := range s.passwords {
		if _, err := a.Identity.Login(ctx, identity.LoginRequest{Login: login, Password: pw, IP: "192.0.2.9"}); err != nil {
			t.Fatalf("%s: %v", login, err)
		}
	}
}

// TestBackupOfAnS3Store: files kept in an S3 bucket are read through the
// store's listing and restored into the data folder's local store.
func TestBackupOfAnS3Store(t *testing.T) {
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("files"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s := &site{cfg: testConfig(filepath.Join(t.TempDir(), "data"))}
	s.cfg.Blob = app.BlobConfig{URL: "s3://files/drill", Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKey: "k", SecretKey: "s", Insecure: true}
	a, err := app.Open(ctx, s.cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	store, err := app.OpenBlobStore(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[blob.Hash][]byte{}
	for i := range 3 {
		content := []byte(fmt.Sprintf("tệp trong kho S3 số %d", i))
		info, err := store.Put(ctx, bytes.NewReader(content), blob.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[info.Hash] = content
	}
	out := filepath.Join(t.TempDir(), "b.tar")
	m := makeBackup(t, s, out, false)
	if len(m.Parts) != 1+1+len(want) {
		t.Fatalf("parts: %+v", m.Parts)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: dir, Modules: app.Modules()}); err != nil {
		t.Fatal(err)
	}
	local, err := blob.NewLocal(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	for h, content := range want {
		r, err := local.Open(ctx, h)
		if err != nil {
			t.Fatalf("%s not restored: %v", h, err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, content) {
			t.Fatalf("%s: %q", h, got)
		}
	}
}

// TestRestoreIntoAnS3Store: with --blob-url a restore writes the files
// back through the S3 store (none into the data folder), refuses a
// prefix that holds objects, and removes what it put when the archive
// turns out damaged.
func TestRestoreIntoAnS3Store(t *testing.T) {
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("files"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s3cfg := func(prefix string) app.Config {
		var c app.Config
		c.Blob = app.BlobConfig{URL: "s3://files/" + prefix, Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKey: "k", SecretKey: "s", Insecure: true}
		return c
	}
	s := &site{cfg: testConfig(filepath.Join(t.TempDir(), "data"))}
	s.cfg.Blob = s3cfg("live").Blob
	a, err := app.Open(ctx, s.cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	store, err := app.OpenBlobStore(ctx, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[blob.Hash][]byte{}
	for i := range 3 {
		content := []byte(fmt.Sprintf("tệp trong kho S3 số %d", i))
		info, err := store.Put(ctx, bytes.NewReader(content), blob.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[info.Hash] = content
	}
	out := filepath.Join(t.TempDir(), "b.tar")
	makeBackup(t, s, out, false)
	count := func(st blob.Store) int {
		n := 0
		if err := st.Walk(ctx, func(blob.Info) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}

	target, err := app.RestoreObjects(ctx, s3cfg("restored"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	rep, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: dir, Modules: app.Modules(), Objects: target})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Objects != len(want) {
		t.Fatalf("%d objects restored into S3, want %d", rep.Objects, len(want))
	}
	for h, content := range want {
		if got := read(t, target, h); !bytes.Equal(got, content) {
			t.Fatalf("%s in S3: %q", h, got)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "files")); len(entries) != 0 {
		t.Fatalf("restore into S3 also wrote %d entries into the data folder's files/", len(entries))
	}

	// The same prefix again: refused before anything is written.
	dir2 := filepath.Join(t.TempDir(), "again")
	if _, err := backup.Restore(ctx, out, backup.RestoreOptions{DataDir: dir2, Modules: app.Modules(), Objects: target}); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("restore into a used prefix: %v", err)
	}
	if _, err := os.Stat(dir2); !os.IsNotExist(err) {
		t.Fatalf("refused restore left %s: %v", dir2, err)
	}

	// A damaged archive: the objects already put are removed again.
	b, _ := os.ReadFile(out)
	bad := filepath.Join(t.TempDir(), "bad.tar")
	os.WriteFile(bad, b[:len(b)-2000], 0o600)
	empty, err := app.RestoreObjects(ctx, s3cfg("damaged"))
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingStore{Store: empty}
	if _, err := backup.Restore(ctx, bad, backup.RestoreOptions{DataDir: filepath.Join(t.TempDir(), "d"), Modules: app.Modules(), Objects: counted}); err == nil {
		t.Fatal("truncated archive restored")
	}
	if counted.puts == 0 {
		t.Fatal("the truncation was found before any object was put: the clean-up went untested")
	}
	if n := count(empty); n != 0 {
		t.Fatalf("a failed restore left %d objects in the store", n)
	}
	if n := count(store); n != len(want) {
		t.Fatalf("the live prefix holds %d objects, want %d", n, len(want))
	}
}

type countingStore struct {
	blob.Store
	puts int
}

func (c *countingStore) Put(ctx context.Context, r io.Reader, o blob.PutOptions) (blob.Info, error) {
	c.puts++
	return c.Store.Put(ctx, r, o)
}

func read(t *testing.T, st blob.Store, h blob.Hash) []byte {
	t.Helper()
	r, err := st.Open(context.Background(), h)
	if err != nil {
		t.Fatalf("%s: %v", h, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Without pg_dump a PostgreSQL backup says what to install.
func TestBackupWithoutPGDump(t *testing.T) {
	s := newSite(t, db.Postgres)
	d, err := db.Open(context.Background(), db.Config{URL: s.cfg.DatabaseURL})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out := filepath.Join(t.TempDir(), "b.tar")
	_, err = backup.Create(context.Background(), out, backup.Options{DB: d, DatabaseURL: s.cfg.DatabaseURL, DataDir: s.cfg.DataDir, Modules: app.Modules(),
		PGDump: filepath.Join(t.TempDir(), "pg_dump")})
	if apperr.CodeOf(err) != apperr.Unavailable || !strings.Contains(apperr.MessageOf(err), "apt-get install postgresql-client") {
		t.Fatalf("got %v", err)
	}
	if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
