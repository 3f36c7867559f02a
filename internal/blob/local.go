package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// Local keeps objects in a folder, fanned out by the first byte of the
// hash (ab/abcd…): 256 folders, made when the store is opened, so an
// object's write never makes a folder (a made folder costs the disk one
// more fsync, of its parent). ext4 and XFS index large folders, so a
// million objects (about 4,000 a folder) list and open as fast as a few.
// Stores written before in two levels (ab/cd/abcd…) are moved to this
// layout when first opened.
type Local struct {
	root string
	// syncFile and syncDir are (*os.File).Sync and syncDir; tests watch
	// what runs together.
	syncFile func(*os.File) error
	syncDir  func(dir string) error
}

// localTmp holds objects being written; a crash leaves only files there,
// never a half-written object under its hash.
const localTmp = "tmp"

// localLayout marks a store in the one-level layout (written once the
// two-level one, if any, has been moved).
const localLayout = "layout-1"

// NewLocal opens (creating) a local store rooted at dir.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(dir, localTmp), 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	l := &Local{root: dir, syncFile: (*os.File).Sync, syncDir: syncDir}
	for i := range 256 {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("%02x", i)), 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	// Each process makes the folders' entries durable once: another may
	// have made them and stopped before its own fsync.
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, localLayout)); errors.Is(err, fs.ErrNotExist) {
		if err := l.moveTwoLevel(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// moveTwoLevel moves the objects of the earlier two-level layout
// (ab/cd/abcd…) up to ab/abcd…, removes the emptied folders and marks the
// store. A crash midway leaves each object in one place or the other and
// the next open finishes; two processes opening at once both may move,
// and one finds the other's work done.
func (l *Local) moveTwoLevel() error {
	for i := range 256 {
		first := filepath.Join(l.root, fmt.Sprintf("%02x", i))
		subs, err := os.ReadDir(first)
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		var emptied []string
		for _, sub := range subs {
			if !sub.IsDir() || len(sub.Name()) != 2 {
				continue
			}
			second := filepath.Join(first, sub.Name())
			files, err := os.ReadDir(second)
			if err != nil {
				return fmt.Errorf("blob: %w", err)
			}
			for _, f := range files {
				h, err := ParseHash(f.Name())
				if err != nil || !f.Type().IsRegular() || h.String()[2:4] != sub.Name() || h[0] != byte(i) {
					continue // not an object: left where it is
				}
				if err := os.Rename(filepath.Join(second, f.Name()), l.path(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("blob: move %s: %w", h, err)
				}
			}
			emptied = append(emptied, second)
		}
		if len(emptied) == 0 {
			continue
		}
		// The moves are durable before the old folders go.
		if err := l.syncDir(first); err != nil {
			return err
		}
		for _, second := range emptied {
			// A folder still holding something not an object stays.
			if err := os.Remove(second); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("blob: %w", err)
			}
		}
		if err := l.syncDir(first); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(filepath.Join(l.root, localTmp), "layout-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	_, err = f.WriteString("objects under ab/<sha256>\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(l.root, localLayout))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("blob: %w", err)
	}
	return l.syncDir(l.root)
}

// Describe names the folder.
func (l *Local) Describe() string { return "local " + l.root }

// Path is where the object h lives on disk; the bench reads it there to
// measure the store against plain file copies.
func (l *Local) Path(h Hash) string { return l.path(h) }

func (l *Local) path(h Hash) string {
	s := h.String()
	return filepath.Join(l.root, s[0:2], s)
}

// Put writes r to a temporary file (made while the first bytes arrive),
// fsyncs it, renames it under its hash and fsyncs the folder (while
// opts.Placed runs), so an acknowledged object survives power loss.
func (l *Local) Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error) {
	tf := l.startTemp()
	done := false
	defer func() {
		if !done {
			<-tf.made
			if tf.f != nil {
				tf.f.Close()
				os.Remove(tf.f.Name())
			}
		}
	}()
	bp := gatherBuffers.Get().(*[]byte)
	defer gatherBuffers.Put(bp)
	src := newLimitedHash(r, opts.Limit)
	in := ctxReader{ctx, src}
	n, err := io.ReadFull(in, *bp)
	whole := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !whole {
		return Info{}, fmt.Errorf("blob: write: %w", err)
	}
	head := (*bp)[:n]
	var info Info
	if whole {
		// A small object is whole in memory before any file is made,
		// and is checked there.
		info = src.info()
		if opts.Check != nil {
			if _, err := opts.Check(bytes.NewReader(head), int64(n)); err != nil {
				return Info{}, err
			}
		}
	}
	<-tf.made
	if tf.err != nil {
		return Info{}, fmt.Errorf("blob: %w", tf.err)
	}
	f, tmp := tf.f, tf.f.Name()
	if _, err := f.Write(head); err != nil {
		return Info{}, fmt.Errorf("blob: write: %w", err)
	}
	if !whole {
		if _, err := copyGathered(f, in, *bp); err != nil {
			return Info{}, fmt.Errorf("blob: write: %w", err)
		}
		if opts.Check != nil {
			if _, err := opts.Check(f, src.n); err != nil {
				return Info{}, err
			}
		}
		info = src.info()
	}
	dst := l.path(info.Hash)
	dir := filepath.Dir(dst)
	if err := l.syncFile(f); err != nil {
		return Info{}, fmt.Errorf("blob: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	// An object already stored is replaced all the same: the rename is
	// atomic, costs one folder fsync, and repairs a copy that rotted.
	err = os.Rename(tmp, dst)
	if errors.Is(err, fs.ErrNotExist) {
		// The folder was removed under the running server (by hand):
		// make it again.
		if err = os.MkdirAll(dir, 0o750); err == nil {
			if err = l.syncDir(l.root); err == nil {
				err = os.Rename(tmp, dst)
			}
		}
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	done = true
	if opts.Placed == nil {
		if err := l.syncDir(dir); err != nil {
			return Info{}, err
		}
		return info, nil
	}
	synced := make(chan error, 1)
	go func() { synced <- l.syncDir(dir) }()
	perr := opts.Placed(info)
	if err := <-synced; perr == nil && err != nil {
		return Info{}, err
	}
	if perr != nil {
		return Info{}, perr
	}
	return info, nil
}

// tempFile is a temporary file being made by startTemp.
type tempFile struct {
	made chan struct{} // closed when f or err is set
	f    *os.File
	err  error
}

// startTemp makes Put's temporary file while Put reads the client's
// bytes, which over a real network take longer than making a file.
func (l *Local) startTemp() *tempFile {
	t := &tempFile{made: make(chan struct{})}
	go func() {
		t.f, t.err = os.CreateTemp(filepath.Join(l.root, localTmp), "put-*")
		close(t.made)
	}()
	return t
}

// gatherSize is the write size of Put and the most it holds in memory: a
// client's multipart stream comes in reads of a few KB, and writing each
// alone costs a 10 MB file thousands of system calls; an object that fits
// is whole in memory before its file is made.
const gatherSize = 1 << 20

var gatherBuffers = sync.Pool{New: func() any { b := make([]byte, gatherSize); return &b }}

// copyGathered copies r to w in writes of len(buf) bytes (the last may
// be shorter).
func copyGathered(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
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

// ContextReader stops a long read (a copy, a hash, an archive) when ctx
// ends, between two reads of r.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

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
