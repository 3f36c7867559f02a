package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Local keeps objects in a folder, fanned out by the first two bytes of the
// hash (ab/cd/abcd…) so no folder grows past a few thousand entries. The
// 256 first-level folders are made at once; a second-level one is made
// (and its parent fsynced) by the first write into it.
type Local struct {
	root string
}

// localTmp holds objects being written; a crash leaves only files there,
// never a half-written object under its hash.
const localTmp = "tmp"

// NewLocal opens (creating) a local store rooted at dir.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(dir, localTmp), 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	l := &Local{root: dir}
	if _, err := os.Stat(filepath.Join(dir, "ff")); err != nil {
		for i := range 256 {
			if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("%02x", i)), 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("blob: %w", err)
			}
		}
		if err := syncDir(dir); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Describe names the folder.
func (l *Local) Describe() string { return "local " + l.root }

func (l *Local) path(h Hash) string {
	s := h.String()
	return filepath.Join(l.root, s[0:2], s[2:4], s)
}

// Put writes r to a temporary file, fsyncs it, renames it under its hash
// and fsyncs the folder, so an acknowledged object survives power loss.
func (l *Local) Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error) {
	f, err := os.CreateTemp(filepath.Join(l.root, localTmp), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	src := newLimitedHash(r, opts.Limit)
	if _, err := io.Copy(f, ctxReader{ctx, src}); err != nil {
		return Info{}, fmt.Errorf("blob: write: %w", err)
	}
	if opts.Check != nil {
		if _, err := opts.Check(f, src.n); err != nil {
			return Info{}, err
		}
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	info := src.info()
	// An object already stored is replaced all the same: the rename is
	// atomic, costs one folder fsync, and repairs a copy that rotted.
	dst := l.path(info.Hash)
	dir := filepath.Dir(dst)
	if err := mkdirSynced(dir); err != nil {
		return Info{}, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return Info{}, err
	}
	return info, nil
}

// mkdirSynced creates dir and its missing parents, fsyncing each parent
// that gained an entry so the new object's path survives power loss too.
func mkdirSynced(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirSynced(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: fsync %s: %w", dir, err)
	}
	return nil
}

// Open opens the object's file.
func (l *Local) Open(ctx context.Context, h Hash) (io.ReadCloser, error) {
	f, err := os.Open(l.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, h)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return f, nil
}

// Stat reports the object's size.
func (l *Local) Stat(ctx context.Context, h Hash) (Info, error) {
	st, err := os.Stat(l.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, fmt.Errorf("%w: %s", ErrNotFound, h)
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	return Info{Hash: h, Size: st.Size()}, nil
}

// Delete removes the object's file.
func (l *Local) Delete(ctx context.Context, h Hash) error {
	p := l.path(h)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob: %w", err)
	}
	return syncDir(filepath.Dir(p))
}

// Walk visits every object file under the fan-out folders.
func (l *Local) Walk(ctx context.Context, fn func(Info) error) error {
	return filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.root, p)
		if d.IsDir() {
			if rel == localTmp {
				return filepath.SkipDir
			}
			return nil
		}
		h, err := ParseHash(d.Name())
		if err != nil || rel != strings.TrimPrefix(l.path(h), l.root+string(filepath.Separator)) {
			return nil // not an object (a stray file); blob check lists objects, not litter
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		return fn(Info{Hash: h, Size: st.Size()})
	})
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
