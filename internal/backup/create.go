package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Progress follows a long step (a bar on a terminal); nil shows nothing.
type Progress interface {
	Start(what string, total int64) // a new step of total bytes
	Add(n int64)
	Done()
}

// Object is a file of a content-addressed store.
type Object struct {
	// Path is where a restored data folder keeps it, in the layout of the
	// local store ("files/ab/abcd…"), whichever store it came from.
	Path   string
	Size   int64
	SHA256 [32]byte // of the stored bytes: the object's address
}

// ObjectStore lists and reads the platform's file store (the data folder
// or S3); its hashes are known, so a backup reads each object once.
type ObjectStore interface {
	Walk(ctx context.Context, fn func(Object) error) error
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// Options say what a backup holds.
type Options struct {
	// DB is the platform's database, opened by this process (on SQLite the
	// snapshot takes its writer connection for the time of VACUUM INTO).
	DB          *db.DB
	DatabaseURL string // PostgreSQL: the URL pg_dump connects to; empty for SQLite
	DataDir     string
	Modules     []db.Migrations // every module, for the schema versions
	// DataFiles are paths in DataDir copied as they are; folders are walked
	// (the published audit verifier key).
	DataFiles []string
	// Objects is the file store, read through its own listing.
	Objects ObjectStore
	// Keys go in only when set, encrypted to Passphrase.
	Keys       []KeyFile
	Passphrase string
	// NotCovered is written to the manifest and returned, for the operator.
	NotCovered      []string
	Compress        string // CompressNone (default) or CompressGzip
	PlatformVersion string
	Now             func() time.Time
	Progress        Progress
	Log             *slog.Logger
	PGDump          string // pg_dump program; empty = found on PATH
	// ScryptWorkFactor is age's scrypt work factor (log2 N) for the keys;
	// 0 = age's default (about a second). Tests lower it.
	ScryptWorkFactor int
}

// source is a part to write: a file on disk, or bytes in memory.
type source struct {
	Part
	path string
	data []byte
	obj  *Object
}

// Create writes a backup archive to out, which must not exist yet. It
// reads the database through a snapshot and the files as they are, so the
// platform keeps serving meanwhile; the archive appears under its name only
// when complete and synced.
func Create(ctx context.Context, out string, o Options) (*Manifest, error) {
	if o.Now == nil {
		o.Now = clock.Now
	}
	if o.Compress == "" {
		o.Compress = CompressNone
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if len(o.Keys) > 0 {
		if err := CheckPassphrase(o.Passphrase); err != nil {
			return nil, err
		}
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, apperr.New(apperr.Conflict, "Tệp %s đã có: chọn tên khác cho bản sao lưu (không ghi đè bản cũ)", out)
	}
	work, err := os.MkdirTemp(filepath.Dir(out), ".chinhquyen-backup-*")
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không tạo được tệp tạm bên cạnh %s", out)
	}
	defer os.RemoveAll(work)

	m := &Manifest{Format: Format, Version: FormatVersion, Created: o.Now().UTC(), PlatformVersion: o.PlatformVersion,
		Engine: string(o.DB.Dialect), NotCovered: o.NotCovered}
	before, err := o.DB.Status(ctx, o.Modules...)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được phiên bản lược đồ của cơ sở dữ liệu %s", o.DB.Location)
	}
	var sources []source
	if len(o.Keys) > 0 {
		sealed, err := sealKeys(o.Keys, o.Passphrase, o.ScryptWorkFactor)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(sealed)
		sources = append(sources, source{Part: Part{Name: KeysName, Kind: KindKeys, Size: int64(len(sealed)), SHA256: hex.EncodeToString(sum[:])}, data: sealed})
		for _, k := range o.Keys {
			m.KeyFiles = append(m.KeyFiles, k.Name)
		}
	}
	dbPart, err := snapshot(ctx, o, work)
	if err != nil {
		return nil, err
	}
	after, err := o.DB.Status(ctx, o.Modules...)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được phiên bản lược đồ của cơ sở dữ liệu %s", o.DB.Location)
	}
	if !slices.Equal(before, after) {
		return nil, apperr.New(apperr.Conflict, "Lược đồ cơ sở dữ liệu thay đổi trong lúc sao lưu (một bản chinhquyen mới vừa khởi động?): hãy chạy lại lệnh sao lưu")
	}
	for _, s := range after {
		m.Schema = append(m.Schema, ModuleVersion{Module: s.Module, Version: s.Current})
	}
	files, err := listFiles(ctx, o, m.KeyFiles)
	if err != nil {
		return nil, err
	}
	if o.Objects != nil {
		objs, err := listObjects(ctx, o.Objects, m.KeyFiles)
		if err != nil {
			return nil, err
		}
		files = append(files, objs...)
		slices.SortFunc(files, func(a, b source) int { return strings.Compare(a.Name, b.Name) })
	}
	sources = append(sources, dbPart)
	sources = append(sources, files...)
	if len(sources) > DefaultLimits.MaxParts {
		o.Log.Warn("the archive has more parts than a restore accepts by default: restore with --max-parts", "parts", len(sources), "default", DefaultLimits.MaxParts)
	}
	if err := hashSources(ctx, o.Progress, sources); err != nil {
		return nil, err
	}
	for _, s := range sources {
		m.Parts = append(m.Parts, s.Part)
	}
	if err := writeArchive(ctx, out, o, m, sources); err != nil {
		return nil, err
	}
	return m, nil
}

// snapshot writes a consistent copy of the database into work and returns
// it as the database part.
func snapshot(ctx context.Context, o Options, work string) (source, error) {
	if o.DB.Dialect == db.Postgres {
		path := filepath.Join(work, "postgres.dump")
		if err := pgDump(ctx, o.PGDump, o.DatabaseURL, path); err != nil {
			return source{}, err
		}
		return source{Part: Part{Name: PostgresName, Kind: KindDatabase}, path: path}, nil
	}
	path := filepath.Join(work, "chinhquyen.db")
	// VACUUM INTO reads one transaction's snapshot: commits made by the
	// server meanwhile are either wholly in it or wholly after it.
	if _, err := o.DB.Writer().ExecContext(ctx, "VACUUM INTO $1", path); err != nil {
		return source{}, apperr.Wrap(err, apperr.Unavailable, "Không chụp được ảnh cơ sở dữ liệu %s (VACUUM INTO)", o.DB.Location)
	}
	return source{Part: Part{Name: SQLiteName, Kind: KindDatabase}, path: path}, nil
}

// listFiles walks o.DataFiles. Only regular files are copied: a link or a
// device in the data folder is not the platform's, and is named in the log.
func listFiles(ctx context.Context, o Options, keyFiles []string) ([]source, error) {
	var out []source
	for _, top := range o.DataFiles {
		root := filepath.Join(o.DataDir, filepath.FromSlash(top))
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && path == root {
					return nil
				}
				return apperr.Wrap(err, apperr.Unavailable, "Không đọc được %s", path)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(o.DataDir, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				return nil
			}
			if !d.Type().IsRegular() || checkRelPath(rel) != nil || reservedData(rel, keyFiles) {
				o.Log.Warn("not backed up: not a regular file with a portable name", "path", path)
				return nil
			}
			out = append(out, source{Part: Part{Name: dataPrefix + rel, Kind: KindFile}, path: path})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b source) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// listObjects lists the file store; an object whose name would not be
// safe in a data folder is an error, not a silent gap in the backup.
func listObjects(ctx context.Context, st ObjectStore, keyFiles []string) ([]source, error) {
	var out []source
	err := st.Walk(ctx, func(obj Object) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if checkRelPath(obj.Path) != nil || reservedData(obj.Path, keyFiles) {
			return apperr.New(apperr.Internal, "Kho tệp đặt tệp ở đường dẫn không an toàn %q", clip(obj.Path))
		}
		out = append(out, source{Part: Part{Name: dataPrefix + obj.Path, Kind: KindFile, Size: obj.Size, SHA256: hex.EncodeToString(obj.SHA256[:])}, obj: &obj})
		return nil
	})
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) || ctx.Err() != nil {
			return nil, err
		}
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không liệt kê được kho tệp")
	}
	return out, nil
}

// hashSources fills in the size and SHA-256 of every part read from disk.
func hashSources(ctx context.Context, p Progress, sources []source) error {
	var total int64
	for i := range sources {
		if sources[i].path == "" {
			continue
		}
		st, err := os.Stat(sources[i].path)
		if err != nil {
			return vanished(sources[i].path, err)
		}
		total += st.Size()
	}
	if p != nil {
		p.Start("Tính mã băm / hashing", total)
		defer p.Done()
	}
	for i := range sources {
		s := &sources[i]
		if s.path == "" {
			continue
		}
		f, err := os.Open(s.path)
		if err != nil {
			return vanished(s.path, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, progressReader{blob.ContextReader(ctx, f), p})
		f.Close()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return apperr.Wrap(err, apperr.Unavailable, "Không đọc được %s", s.path)
		}
		s.Size, s.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	}
	return nil
}

// openSource opens a part kept on disk or in the file store.
func openSource(ctx context.Context, st ObjectStore, s source) (io.ReadCloser, error) {
	if s.obj == nil {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, vanished(s.path, err)
		}
		return f, nil
	}
	r, err := st.Open(ctx, *s.obj)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Conflict, "Không đọc được tệp %s của kho tệp (bị xóa trong lúc sao lưu?): hãy chạy lại lệnh sao lưu", s.obj.Path)
	}
	return r, nil
}

// changed names a part whose bytes differ from what was listed: a file
// that changed meanwhile, or an object of the store that no longer
// matches its address. An archive is never written with a part that would
// fail its own check at restore.
func changed(s source) error {
	if s.obj != nil {
		return apperr.New(apperr.Conflict, "Tệp %s của kho tệp không khớp mã băm của nó (bị hỏng?): chạy chinhquyen blob check", s.obj.Path)
	}
	return apperr.New(apperr.Conflict, "Tệp %s thay đổi trong lúc sao lưu: hãy chạy lại lệnh sao lưu", s.path)
}

func vanished(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return apperr.Wrap(err, apperr.Conflict, "Tệp %s bị xóa trong lúc sao lưu: hãy chạy lại lệnh sao lưu", path)
	}
	return apperr.Wrap(err, apperr.Unavailable, "Không đọc được %s", path)
}

// writeArchive writes the archive to a temporary name beside out, syncs
// it and gives it its name (never over an existing file).
func writeArchive(ctx context.Context, out string, o Options, m *Manifest, sources []source) (err error) {
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được bản sao lưu %s", out)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if err := f.Chmod(0o600); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được bản sao lưu %s", out)
	}
	aw, err := newArchiveWriter(&errWriter{w: f}, o.Compress, m.Created)
	if err != nil {
		return err
	}
	defer aw.abort()
	mb, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	if err := aw.entry(ManifestName, int64(len(mb)), bytes.NewReader(mb)); err != nil {
		return writeErr(out, err)
	}
	if o.Progress != nil {
		var total int64
		for _, s := range sources {
			total += s.Size
		}
		o.Progress.Start("Ghi bản sao lưu / writing", total)
		defer o.Progress.Done()
	}
	for _, s := range sources {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.data != nil {
			if err := aw.entry(s.Name, s.Size, bytes.NewReader(s.data)); err != nil {
				return writeErr(out, err)
			}
			continue
		}
		src, err := openSource(ctx, o.Objects, s)
		if err != nil {
			return err
		}
		h := sha256.New()
		err = aw.entry(s.Name, s.Size, io.TeeReader(progressReader{blob.ContextReader(ctx, src), o.Progress}, h))
		src.Close()
		if err != nil {
			var we *errWriter
			if errors.As(err, &we) || ctx.Err() != nil {
				return writeErr(out, err)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return changed(s)
			}
			return writeErr(out, err)
		}
		if hex.EncodeToString(h.Sum(nil)) != s.SHA256 {
			return changed(s)
		}
	}
	if err := aw.finish(); err != nil {
		return writeErr(out, err)
	}
	if err := f.Sync(); err != nil {
		return writeErr(out, err)
	}
	if err := f.Close(); err != nil {
		return writeErr(out, err)
	}
	// A hard link gives the name without replacing a file that appeared
	// meanwhile; the temporary name is removed on return.
	if err := os.Link(f.Name(), out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return apperr.New(apperr.Conflict, "Tệp %s đã có: chọn tên khác cho bản sao lưu (không ghi đè bản cũ)", out)
		}
		return writeErr(out, err)
	}
	return syncDir(filepath.Dir(out))
}

// errWriter marks errors of the destination, to tell them from a source
// file that changed.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
		return n, e
	}
	return n, nil
}

func (e *errWriter) Error() string { return e.err.Error() }
func (e *errWriter) Unwrap() error { return e.err }

func writeErr(out string, err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) || errors.Is(err, context.Canceled) {
		return err
	}
	return apperr.Wrap(err, apperr.Unavailable, "Không ghi được bản sao lưu %s (đĩa đầy?)", out)
}

type progressReader struct {
	r io.Reader
	p Progress
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if p.p != nil && n > 0 {
		p.p.Add(int64(n))
	}
	return n, err
}

// syncDir makes a new name in dir (or the content of a file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không đồng bộ được %s xuống đĩa", dir)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không đồng bộ được %s xuống đĩa", dir)
	}
	return nil
}

// String summarises a manifest for the operator.
func (m *Manifest) String() string {
	var files, bytes int64
	for _, p := range m.Parts {
		bytes += p.Size
		if p.Kind == KindFile {
			files++
		}
	}
	return fmt.Sprintf("%s, %d tệp / files, %d byte, khóa / keys: %d", m.Engine, files, bytes, len(m.KeyFiles))
}
