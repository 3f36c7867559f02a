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

// TestLocalPutSyncsOnlyItsFolder: an object's write makes no folder, so
// it fsyncs its file and its folder and nothing else; a folder removed by
// an operator is made again, and then the root's entry for it is synced
// too. For an object whole in memory and for one streamed.
func TestLocalPutSyncsOnlyItsFolder(t *testing.T) {
	large := bytes.Repeat([]byte("%PDF-1.7 nội dung lớn "), gatherSize/10)
	for _, content := range [][]byte{[]byte("%PDF-1.7 nội dung"), large} {
		t.Run(fmt.Sprint(len(content)), func(t *testing.T) {
			h := Hash(sha256.Sum256(content))
			s := h.String()
			root := t.TempDir()
			l, err := NewLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var synced []string
			l.syncDir = func(dir string) error {
				rel, _ := filepath.Rel(root, dir)
				mu.Lock()
				synced = append(synced, filepath.ToSlash(rel))
				mu.Unlock()
				return syncDir(dir)
			}
			for _, tc := range []struct {
				name  string
				setup func()
				want  []string
			}{
				{"folder made at open", func() {}, []string{s[:2]}},
				{"again", func() {}, []string{s[:2]}},
				{"folder removed by an operator", func() {
					if err := os.RemoveAll(filepath.Join(root, s[:2])); err != nil {
						t.Fatal(err)
					}
				}, []string{".", s[:2]}},
			} {
				tc.setup()
				synced = nil
				info, err := l.Put(context.Background(), bytes.NewReader(content), PutOptions{})
				if err != nil || info.Hash != h {
					t.Fatalf("%s: %v %v", tc.name, info, err)
				}
				if !slices.Equal(synced, tc.want) {
					t.Errorf("%s: folders fsynced %q, want %q", tc.name, synced, tc.want)
				}
				if _, err := os.Stat(filepath.Join(root, s[:2], s)); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
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

// TestLocalMovesTheTwoLevelLayout: a store written in the earlier layout
// (ab/cd/abcd…) opens with every object moved to ab/abcd…, readable and
// listed, its emptied folders gone and anything else left alone; a
// second open finds nothing to move.
func TestLocalMovesTheTwoLevelLayout(t *testing.T) {
	root := t.TempDir()
	want := map[Hash][]byte{}
	for i := range 20 {
		content := []byte(fmt.Sprintf("tệp cũ số %d", i))
		h := Hash(sha256.Sum256(content))
		s := h.String()
		if err := os.MkdirAll(filepath.Join(root, s[:2], s[2:4]), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, s[:2], s[2:4], s), content, 0o640); err != nil {
			t.Fatal(err)
		}
		want[h] = content
	}
	stray := filepath.Join(root, "00", "ff", "ghi-chu.txt")
	os.MkdirAll(filepath.Dir(stray), 0o750)
	os.WriteFile(stray, []byte("không phải tệp của kho"), 0o640)
	for range 2 {
		l, err := NewLocal(root)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		if err := l.Walk(context.Background(), func(i Info) error { seen++; return nil }); err != nil {
			t.Fatal(err)
		}
		if seen != len(want) {
			t.Fatalf("Walk saw %d objects, want %d", seen, len(want))
		}
		for h, content := range want {
			s := h.String()
			if _, err := os.Stat(filepath.Join(root, s[:2], s[2:4])); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("old folder %s/%s left: %v", s[:2], s[2:4], err)
			}
			rc, err := l.Open(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, content) {
				t.Fatalf("%s: %q", h, got)
			}
		}
		if _, err := os.Stat(stray); err != nil {
			t.Fatalf("a stray file was touched: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, localLayout)); err != nil {
		t.Fatal(err)
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
