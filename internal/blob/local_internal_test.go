package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// TestLocalPutFolderDurable checks that Put makes the entry of the
// object's second-level folder durable in its parent whenever this process
// has not done so yet, even when the folder already exists, and that this
// fsync runs while the file's own fsync is in progress, not after it, for
// an object whole in memory and for one streamed.
func TestLocalPutFolderDurable(t *testing.T) {
	large := bytes.Repeat([]byte("%PDF-1.7 nội dung lớn "), gatherSize/10)
	for _, content := range [][]byte{[]byte("%PDF-1.7 nội dung"), large} {
		t.Run(fmt.Sprint(len(content)), func(t *testing.T) { testLocalPutFolderDurable(t, content) })
	}
}

func testLocalPutFolderDurable(t *testing.T, content []byte) {
	h := Hash(sha256.Sum256(content))
	s := h.String()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string)
		syncs []string // folders fsynced, relative to the root, in order of completion
	}{
		{"folder missing", func(*testing.T, string) {}, []string{s[:2], s[:2] + "/" + s[2:4]}},
		{"folder made by another process, never synced by this one", func(t *testing.T, root string) {
			if err := os.Mkdir(filepath.Join(root, s[:2], s[2:4]), 0o750); err != nil {
				t.Fatal(err)
			}
		}, []string{s[:2], s[:2] + "/" + s[2:4]}},
		{"first-level folder removed by an operator", func(t *testing.T, root string) {
			if err := os.RemoveAll(filepath.Join(root, s[:2])); err != nil {
				t.Fatal(err)
			}
		}, []string{".", s[:2], s[:2] + "/" + s[2:4]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			l, err := NewLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			tc.setup(t, root)
			var mu sync.Mutex
			var synced []string
			parentSynced := make(chan struct{}, 8)
			l.syncDir = func(dir string) error {
				err := syncDir(dir)
				rel, _ := filepath.Rel(root, dir)
				mu.Lock()
				synced = append(synced, filepath.ToSlash(rel))
				mu.Unlock()
				if rel == s[:2] {
					parentSynced <- struct{}{}
				}
				return err
			}
			l.syncFile = func(f *os.File) error {
				select {
				case <-parentSynced:
				case <-time.After(5 * time.Second):
					t.Error("the folder's entry was not fsynced while the file's fsync was running")
				}
				return f.Sync()
			}
			info, err := l.Put(context.Background(), bytes.NewReader(content), PutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Hash != h {
				t.Fatalf("hash %s, want %s", info.Hash, h)
			}
			if !slices.Equal(synced, tc.syncs) {
				t.Errorf("folders fsynced %q, want %q", synced, tc.syncs)
			}
			// A second object in the same folder needs only the folder's fsync.
			synced = nil
			l.syncFile = (*os.File).Sync
			if _, err := l.Put(context.Background(), bytes.NewReader(content), PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if want := []string{s[:2] + "/" + s[2:4]}; !slices.Equal(synced, want) {
				t.Errorf("second put fsynced %q, want %q", synced, want)
			}
			rc, err := l.Open(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if got, _ := io.ReadAll(rc); !bytes.Equal(got, content) {
				t.Errorf("read back %d bytes, want %d", len(got), len(content))
			}
		})
	}
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// trickle returns at most 4 KB a read, as a multipart part does.
type trickle struct{ r io.Reader }

func (t trickle) Read(p []byte) (int, error) { return t.r.Read(p[:min(len(p), 4<<10)]) }

func TestCopyGatheredWritesLargeChunks(t *testing.T) {
	for _, size := range []int{0, 1, 4 << 10, gatherSize, gatherSize + 1, 10 << 20} {
		src := make([]byte, size)
		for i := range src {
			src[i] = byte(i * 7)
		}
		var w countingWriter
		n, err := copyGathered(&w, trickle{bytes.NewReader(src)}, make([]byte, gatherSize))
		if err != nil || n != int64(size) || !bytes.Equal(w.Bytes(), src) {
			t.Fatalf("size %d: copied %d, err %v, equal %v", size, n, err, bytes.Equal(w.Bytes(), src))
		}
		if want := (size + gatherSize - 1) / gatherSize; w.writes != want {
			t.Errorf("size %d: %d writes, want %d", size, w.writes, want)
		}
	}
}

// A folder removed by hand under a running store is made again by the
// next object that belongs in it.
func TestLocalPutRemakesRemovedFolder(t *testing.T) {
	root := t.TempDir()
	l, err := NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.7 nội dung")
	for i := range 2 {
		info, err := l.Put(context.Background(), bytes.NewReader(content), PutOptions{})
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		if _, err := l.Stat(context.Background(), info.Hash); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		if err := os.RemoveAll(filepath.Join(root, info.Hash.String()[:2])); err != nil {
			t.Fatal(err)
		}
	}
}

// waitForTemp blocks its first read until Put's temporary file exists.
type waitForTemp struct {
	t    *testing.T
	dir  string
	r    io.Reader
	seen bool
}

func (w *waitForTemp) Read(p []byte) (int, error) {
	for deadline := clock.Now().Add(5 * time.Second); !w.seen; time.Sleep(time.Millisecond) {
		if es, _ := os.ReadDir(w.dir); len(es) > 0 {
			w.seen = true
		} else if clock.Now().After(deadline) {
			w.t.Error("no temporary file was made while the bytes were awaited")
			w.seen = true
		}
	}
	return w.r.Read(p)
}

// The temporary file is made while Put waits for the client's bytes, not
// after them; a failed Put leaves no temporary file, whenever it fails.
func TestLocalPutMakesTempFileWhileReading(t *testing.T) {
	root := t.TempDir()
	l, err := NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(root, localTmp)
	content := []byte("%PDF-1.7 nội dung")
	if _, err := l.Put(context.Background(), &waitForTemp{t: t, dir: tmp, r: bytes.NewReader(content)}, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []io.Reader{
		io.MultiReader(bytes.NewReader(content), iotest.ErrReader(errors.New("ngắt kết nối"))),
		bytes.NewReader(bytes.Repeat(content, 10)),
	} {
		if _, err := l.Put(context.Background(), r, PutOptions{Limit: int64(len(content))}); err == nil {
			t.Fatal("put succeeded")
		}
	}
	if es, _ := os.ReadDir(tmp); len(es) != 0 {
		t.Fatalf("%d temporary files left", len(es))
	}
}
