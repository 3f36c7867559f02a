package backup

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// RestoreOptions say where an archive is restored.
type RestoreOptions struct {
	DataDir     string // must be empty or not exist
	DatabaseURL string // PostgreSQL: an empty database; empty for SQLite
	// Passphrase decrypts the keys; SkipKeys restores an archive with keys
	// without them (the operator brings the keys another way).
	Passphrase string
	SkipKeys   bool
	Modules    []db.Migrations // every module this program knows
	Limits     Limits          // zero = DefaultLimits
	Progress   Progress
	PGRestore  string // pg_restore program; empty = found on PATH
	Log        *slog.Logger
	// Objects, when set, receives the file store's objects (an S3 bucket
	// the restored installation uses, as serve's --blob-url names it)
	// instead of the data folder's files/. It must hold no object; on any
	// failure the objects this restore put there are deleted again.
	Objects blob.Store
}

// RestoreReport is what a restore did and what the audit log says.
type RestoreReport struct {
	Manifest *Manifest
	Files    int
	Bytes    int64
	// Objects counts the files written to RestoreOptions.Objects (also
	// counted in Files).
	Objects      int
	KeysRestored bool
	// Audit is the verification of the restored audit log; AuditErr is
	// set (wrapping audit.ErrTampered) when it found a problem.
	Audit    *audit.VerifyReport
	AuditErr error
}

// Restore checks the archive at path as it reads it and restores it into
// o.DataDir (and the database o.DatabaseURL), then verifies the restored
// audit log. Everything is written first to a folder beside DataDir that
// takes its name only when the whole archive has been checked; on any
// error that folder is removed, and PostgreSQL, loaded in one transaction
// after that check, is left as empty as it was.
func Restore(ctx context.Context, path string, o RestoreOptions) (*RestoreReport, error) {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(o.DataDir)
	if err != nil || o.DataDir == "" {
		return nil, apperr.New(apperr.Invalid, "Thiếu thư mục dữ liệu để khôi phục vào (--data)")
	}
	existed, err := checkEmptyDir(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.NotFound, "Không mở được tệp sao lưu %s", path)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && o.Progress != nil {
		o.Progress.Start("Khôi phục / restoring", st.Size())
		defer o.Progress.Done()
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục %s", filepath.Dir(dir))
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".restore-*")
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục tạm bên cạnh %s", dir)
	}
	renamed := false
	var put []blob.Hash // objects written to o.Objects
	defer func() {
		if !renamed {
			os.RemoveAll(tmp)
			for _, h := range put {
				if err := o.Objects.Delete(context.WithoutCancel(ctx), h); err != nil {
					o.Log.Warn("object of a failed restore left in the store", "store", o.Objects.Describe(), "sha256", h, "err", err)
				}
			}
		}
	}()
	rep := &RestoreReport{}
	dump := filepath.Join(tmp, ".postgres.dump")
	onManifest := func(m *Manifest) error {
		rep.Manifest = m
		if err := checkRestorable(m, o); err != nil {
			return err
		}
		if o.Objects != nil {
			if err := checkEmptyStore(ctx, o.Objects); err != nil {
				return err
			}
		}
		if o.DatabaseURL != "" {
			return checkEmptyPostgres(ctx, o.DatabaseURL)
		}
		return nil
	}
	onPart := func(p Part, r io.Reader) error {
		switch p.Kind {
		case KindKeys:
			if o.SkipKeys {
				return nil
			}
			rep.KeysRestored = true
			return openKeys(r, o.Passphrase, rep.Manifest, o.Limits, tmp)
		case KindDatabase:
			target := filepath.Join(tmp, db.SQLiteFile)
			if p.Name == PostgresName {
				target = dump
			}
			return writeFile(target, r, 0o600)
		}
		rep.Files++
		rep.Bytes += p.Size
		if h, ok := objectHash(p.Name); ok && o.Objects != nil {
			info, err := o.Objects.Put(ctx, r, blob.PutOptions{Limit: p.Size})
			if err != nil {
				if apperr.CodeOf(err) != apperr.Internal {
					return err // the archive's own reading failed (changed byte, truncation)
				}
				return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp %s vào kho %s", h, o.Objects.Describe())
			}
			put = append(put, info.Hash)
			if info.Hash != h {
				return errCorrupt("tệp %q không khớp tên (mã băm) của nó", clip(p.Name))
			}
			rep.Objects++
			return nil
		}
		return writeFile(filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(p.Name, dataPrefix))), r, 0o640)
	}
	var src io.Reader = f
	if o.Progress != nil {
		src = progressReader{f, o.Progress}
	}
	if _, err := readArchive(ctx, src, o.Limits, onManifest, onPart); err != nil {
		return nil, err
	}
	if err := syncTree(tmp); err != nil {
		return nil, err
	}
	if rep.Manifest.Engine == "postgres" {
		if err := pgRestore(ctx, o.PGRestore, o.DatabaseURL, dump); err != nil {
			return nil, err
		}
		if err := os.Remove(dump); err != nil {
			return nil, apperr.Wrap(err, apperr.Unavailable, "Không xóa được tệp tạm %s", dump)
		}
	}
	if existed {
		// Only an empty folder gets here; rename does not replace one on
		// every system.
		if err := os.Remove(dir); err != nil {
			return nil, apperr.Wrap(err, apperr.Conflict, "Thư mục %s vừa có dữ liệu mới: không khôi phục vào đó", dir)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đổi được tên %s thành %s", tmp, dir)
	}
	renamed = true
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, db.Config{URL: o.DatabaseURL, DataDir: dir})
	if err != nil {
		return rep, err
	}
	defer d.Close()
	rep.Audit, rep.AuditErr = audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dir})
	if rep.Audit == nil {
		return rep, rep.AuditErr
	}
	return rep, nil
}

// objectHash reports whether an archive part is an object of the file
// store, which the archive keeps where the local store would
// (data/files/ab/abcd…, or ab/cd/abcd… in archives of earlier versions),
// and its address.
func objectHash(name string) (blob.Hash, bool) {
	rel, ok := strings.CutPrefix(name, dataPrefix+"files/")
	if !ok {
		return blob.Hash{}, false
	}
	dir, base := path.Split(rel)
	h, err := blob.ParseHash(base)
	if err != nil {
		return blob.Hash{}, false
	}
	if s := h.String(); dir != s[0:2]+"/" && dir != s[0:2]+"/"+s[2:4]+"/" {
		return blob.Hash{}, false
	}
	return h, true
}

// errStoreUsed stops the walk of checkEmptyStore at its first object.
var errStoreUsed = errors.New("store holds objects")

// checkEmptyStore refuses a file store that holds any object: a restore
// neither mixes two installations' files nor can undo a failure in a used
// store.
func checkEmptyStore(ctx context.Context, st blob.Store) error {
	err := st.Walk(ctx, func(blob.Info) error { return errStoreUsed })
	if errors.Is(err, errStoreUsed) {
		return apperr.New(apperr.Conflict, "Kho tệp %s đã có tệp: khôi phục chỉ vào kho trống (bucket hoặc tiền tố mới), để không trộn lẫn tệp đang dùng", st.Describe())
	}
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không đọc được kho tệp %s", st.Describe())
	}
	return nil
}

// checkEmptyDir refuses a data folder that holds anything; it reports
// whether the (empty) folder exists.
func checkEmptyDir(dir string) (bool, error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, apperr.Wrap(err, apperr.Unavailable, "Không đọc được thư mục %s", dir)
	}
	if !st.IsDir() {
		return false, apperr.New(apperr.Conflict, "%s là một tệp, không phải thư mục dữ liệu trống: không khôi phục vào đó", dir)
	}
	d, err := os.Open(dir)
	if err != nil {
		return false, apperr.Wrap(err, apperr.Unavailable, "Không đọc được thư mục %s", dir)
	}
	defer d.Close()
	if names, _ := d.Readdirnames(1); len(names) > 0 {
		return false, apperr.New(apperr.Conflict,
			"Thư mục dữ liệu %s đã có dữ liệu: khôi phục chỉ vào thư mục trống hoặc chưa có, để không ghi đè hay trộn lẫn dữ liệu đang dùng", dir)
	}
	return true, nil
}

// checkRestorable refuses, before any part is written, an archive this
// program or these options cannot restore.
func checkRestorable(m *Manifest, o RestoreOptions) error {
	switch {
	case m.Engine == "postgres" && o.DatabaseURL == "":
		return apperr.New(apperr.Invalid, "Bản sao lưu này từ PostgreSQL: hãy chỉ một cơ sở dữ liệu PostgreSQL trống bằng --database postgres://… (tạo bằng createdb)")
	case m.Engine == "sqlite" && o.DatabaseURL != "":
		return apperr.New(apperr.Invalid, "Bản sao lưu này từ SQLite: bỏ --database, cơ sở dữ liệu được khôi phục vào thư mục dữ liệu")
	case len(m.KeyFiles) > 0 && o.Passphrase == "" && !o.SkipKeys:
		return apperr.New(apperr.Invalid, "Bản sao lưu có các khóa, được mã hóa bằng mật khẩu: đưa mật khẩu qua --passphrase-file hoặc CHINHQUYEN_BACKUP_PASSPHRASE(_FILE), hoặc dùng --skip-keys để khôi phục không kèm khóa")
	}
	known := map[string]int64{}
	for _, mod := range o.Modules {
		known[mod.Name] = knownVersion(mod)
	}
	for _, s := range m.Schema {
		if v, ok := known[s.Module]; ok && s.Version > v {
			return apperr.New(apperr.Conflict, "Bản sao lưu từ phiên bản chinhquyen mới hơn (phân hệ %s, lược đồ %d > %d): hãy khôi phục bằng bản chương trình mới hơn", clip(s.Module), s.Version, v)
		} else if !ok {
			return apperr.New(apperr.Conflict, "Bản sao lưu có phân hệ %q mà chương trình này không biết: hãy khôi phục bằng bản chương trình mới hơn", clip(s.Module))
		}
	}
	return nil
}

// knownVersion is the newest migration of a module (its files are named
// 00001_name.sql …).
func knownVersion(m db.Migrations) int64 {
	var v int64
	entries, _ := fs.ReadDir(m.SQLite, ".")
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if n, err := strconv.ParseInt(num, 10, 64); err == nil {
			v = max(v, n)
		}
	}
	return v
}

// checkEmptyPostgres refuses a database that holds any table: a restore
// never mixes with data in use.
func checkEmptyPostgres(ctx context.Context, url string) error {
	d, err := db.Open(ctx, db.Config{URL: url})
	if err != nil {
		return err
	}
	defer d.Close()
	var n int
	if err := d.Reader().QueryRowContext(ctx, `SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
		WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname NOT LIKE 'pg_toast%' AND ns.nspname NOT LIKE 'pg_temp%'`).Scan(&n); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không đọc được cơ sở dữ liệu %s", d.Location)
	}
	if n > 0 {
		return apperr.New(apperr.Conflict, "Cơ sở dữ liệu %s đã có dữ liệu (%d bảng, chỉ mục hay chuỗi số): khôi phục chỉ vào một cơ sở dữ liệu trống, tạo bằng createdb", d.Location, n)
	}
	return nil
}

// syncTree makes every file and folder under root durable.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "Không đọc được %s", path)
		}
		return syncDir(path)
	})
}
