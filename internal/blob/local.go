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
	"sync/atomic"
)

// Local keeps objects in a folder, fanned out by the first two bytes of the
// hash (ab/cd/abcd…) so no folder grows past a few thousand entries. The
// 256 first-level folders are made at once; a second-level one is made
// by the first write into it, and its parent fsynced by the first write
// into it of each process.
type Local struct {
	root string
	// ready has a bit per second-level folder whose entry in its parent
	// this process made durable. A folder that merely exists may not be:
	// another upload may have made it and still be syncing its parent, or
	// a process that crashed may have made it and never synced.
	ready [1 << 16 / 64]atomic.Uint64
	// syncFile and syncDir are (*os.File).Sync and syncDir; tests watch
	// what runs together.
	syncFile func(*os.File) error
	syncDir  func(dir string) error
}

// localTmp holds objects being written; a crash leaves only files there,
// never a half-written object under its hash.
const localTmp = "tmp"

// NewLocal opens (creating) a local store rooted at dir.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(dir, localTmp), 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	l := &Local{root: dir, syncFile: (*os.File).Sync, syncDir: syncDir}
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

// Put writes r to a temporary file (made while the first bytes arrive),
// fsyncs it, renames it under its hash and fsyncs the folder (while
// opts.Placed runs), so an acknowledged object survives power loss. The folder's own entry, when
// not yet known durable, is fsynced while the file is: the two are
// independent, and together they cost the disk one wait instead of two.
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
	var folder chan error
	if whole {
		// A small object is whole in memory before any file is made: it
		// is checked there, and its folder is made ready while its file
		// is created and written, not only while it is fsynced.
		info = src.info()
		if opts.Check != nil {
			if _, err := opts.Check(bytes.NewReader(head), int64(n)); err != nil {
				return Info{}, err
			}
		}
		folder = l.prepare(info.Hash)
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
		folder = l.prepare(info.Hash)
	}
	dst := l.path(info.Hash)
	dir := filepath.Dir(dst)
	err = l.syncFile(f)
	if folder != nil {
		if ferr := <-folder; err == nil && ferr != nil {
			return Info{}, ferr
		}
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	// An object already stored is replaced all the same: the rename is
	// atomic, costs one folder fsync, and repairs a copy that rotted.
	err = os.Rename(tmp, dst)
	if errors.Is(err, fs.ErrNotExist) {
		// The folder was made durable once, then removed under the
		// running server (by hand): make it again.
		if err = l.makeReady(info.Hash, dir); err == nil {
			err = os.Rename(tmp, dst)
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

func readyBit(h Hash) (word int, bit uint64) {
	i := int(h[0])<<8 | int(h[1])
	return i / 64, 1 << (i % 64)
}

// prepare starts makeReady for h's folder unless this process already
// made it durable; nil then, else the channel of its outcome.
func (l *Local) prepare(h Hash) chan error {
	if w, b := readyBit(h); l.ready[w].Load()&b != 0 {
		return nil
	}
	folder := make(chan error, 1)
	go func() { folder <- l.makeReady(h, filepath.Dir(l.path(h))) }()
	return folder
}

// makeReady makes the second-level folder dir of h exist durably: made if
// missing (with its first-level parent if an operator removed that), and
// its entry fsynced in the parent even when it was there already, since
// only this process's own fsync proves it durable.
func (l *Local) makeReady(h Hash, dir string) error {
	parent := filepath.Dir(dir)
	err := os.Mkdir(dir, 0o750)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o750); err == nil {
			err = l.syncDir(filepath.Dir(parent))
		}
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("blob: %w", err)
	}
	if err := l.syncDir(parent); err != nil {
		return err
	}
	w, b := readyBit(h)
	l.ready[w].Or(b)
	return nil
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
