// Package blobtest is the conformance suite every blob.Store driver passes,
// and the S3 endpoint on loopback (gofakes3 behind a TLS test server) that
// tests of any package use for the S3 driver.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/chinhquyen/chinhquyen/internal/blob"
)

// Run checks the behaviour every driver must have. newStore returns an
// empty store; large adds an object above minio-go's multipart threshold.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	ctx := context.Background()
	t.Run("PutOpenStat", func(t *testing.T) {
		s := newStore(t)
		data := []byte("Quyết định số 12/QĐ-UBND")
		info, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{MediaType: "text/plain"})
		if err != nil {
			t.Fatal(err)
		}
		if info.Hash != blob.Hash(sha256.Sum256(data)) || info.Size != int64(len(data)) {
			t.Fatalf("Put = %+v", info)
		}
		if got := read(t, s, info.Hash); !bytes.Equal(got, data) {
			t.Fatalf("Open read %q", got)
		}
		st, err := s.Stat(ctx, info.Hash)
		if err != nil || st != info {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
	})
	t.Run("EmptyObject", func(t *testing.T) {
		s := newStore(t)
		info, err := s.Put(ctx, bytes.NewReader(nil), blob.PutOptions{})
		if err != nil || info.Size != 0 || info.Hash != blob.Hash(sha256.Sum256(nil)) {
			t.Fatalf("Put empty = %+v, %v", info, err)
		}
		if got := read(t, s, info.Hash); len(got) != 0 {
			t.Fatalf("read %d bytes", len(got))
		}
	})
	t.Run("SameBytesKeptOnce", func(t *testing.T) {
		s := newStore(t)
		data := random(t, 4096)
		a, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{})
		if err != nil || a != b {
			t.Fatalf("second Put = %+v, %v; first %+v", b, err, a)
		}
		if n := len(walk(t, s)); n != 1 {
			t.Fatalf("Walk saw %d objects, want 1", n)
		}
	})
	t.Run("LimitLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Put(ctx, bytes.NewReader(random(t, 1001)), blob.PutOptions{Limit: 1000}); !errors.Is(err, blob.ErrTooLarge) {
			t.Fatalf("Put over the limit: %v", err)
		}
		if _, err := s.Put(ctx, bytes.NewReader(random(t, 1000)), blob.PutOptions{Limit: 1000}); err != nil {
			t.Fatalf("Put at the limit: %v", err)
		}
		if n := len(walk(t, s)); n != 1 {
			t.Fatalf("Walk saw %d objects, want only the one within the limit", n)
		}
	})
	t.Run("FailingReaderLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		boom := errors.New("connection reset")
		r := io.MultiReader(bytes.NewReader(random(t, 100)), errReader{boom})
		if _, err := s.Put(ctx, r, blob.PutOptions{}); !errors.Is(err, boom) {
			t.Fatalf("Put = %v, want the reader's error", err)
		}
		if n := len(walk(t, s)); n != 0 {
			t.Fatalf("Walk saw %d objects after a failed Put", n)
		}
	})
	t.Run("CheckSeesTheBytesBeforeTheyAreNamed", func(t *testing.T) {
		s := newStore(t)
		data := random(t, 3000)
		refused := errors.New("refused")
		var seen []byte
		check := func(r io.ReaderAt, size int64) (string, error) {
			seen = make([]byte, size)
			if _, err := r.ReadAt(seen, 0); err != nil && err != io.EOF {
				return "", err
			}
			return "", refused
		}
		if _, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{Check: check}); !errors.Is(err, refused) {
			t.Fatalf("Put with a refusing Check = %v", err)
		}
		if !bytes.Equal(seen, data) {
			t.Fatal("Check did not see the bytes being stored")
		}
		if n := len(walk(t, s)); n != 0 {
			t.Fatalf("Walk saw %d objects after a refused Put", n)
		}
		pass := func(io.ReaderAt, int64) (string, error) { return "application/pdf", nil }
		if _, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{Check: pass}); err != nil {
			t.Fatal(err)
		}
		if n := len(walk(t, s)); n != 1 {
			t.Fatalf("Walk saw %d objects after an accepted Put", n)
		}
	})
	t.Run("PlacedSeesTheObjectAndItsErrorIsPuts", func(t *testing.T) {
		s := newStore(t)
		data := random(t, 5000)
		var placed blob.Info
		var readable []byte
		info, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{Placed: func(i blob.Info) error {
			placed = i
			readable = read(t, s, i.Hash)
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if placed != info || !bytes.Equal(readable, data) {
			t.Fatalf("Placed saw %v and %d bytes; Put returned %v", placed, len(readable), info)
		}
		refused := errors.New("record failed")
		if _, err := s.Put(ctx, bytes.NewReader(random(t, 70)), blob.PutOptions{Placed: func(blob.Info) error { return refused }}); !errors.Is(err, refused) {
			t.Fatalf("Put with a failing Placed = %v, want its error", err)
		}
	})
	t.Run("MissingAndDelete", func(t *testing.T) {
		s := newStore(t)
		var absent blob.Hash
		if _, err := s.Open(ctx, absent); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open absent: %v", err)
		}
		if _, err := s.Stat(ctx, absent); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat absent: %v", err)
		}
		if err := s.Delete(ctx, absent); err != nil {
			t.Fatalf("Delete absent: %v", err)
		}
		info, err := s.Put(ctx, bytes.NewReader([]byte("x")), blob.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, info.Hash); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, info.Hash); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after Delete: %v", err)
		}
	})
	t.Run("WalkListsEveryObject", func(t *testing.T) {
		s := newStore(t)
		want := map[blob.Hash]int64{}
		for i := range 20 {
			info, err := s.Put(ctx, bytes.NewReader(random(t, i*37)), blob.PutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want[info.Hash] = info.Size
		}
		got := walk(t, s)
		if len(got) != len(want) {
			t.Fatalf("Walk saw %d objects, want %d", len(got), len(want))
		}
		for h, n := range want {
			if got[h] != n {
				t.Fatalf("Walk: %s size %d, want %d", h, got[h], n)
			}
		}
	})
	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		data := random(t, 64<<10)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				if _, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got := read(t, s, blob.Hash(sha256.Sum256(data))); !bytes.Equal(got, data) {
			t.Fatal("content differs after concurrent Puts of the same bytes")
		}
	})
	t.Run("Large", func(t *testing.T) {
		if testing.Short() {
			t.Skip("short")
		}
		// Above minio-go's 16 MiB part size: the S3 driver sends it in parts.
		s := newStore(t)
		data := random(t, 17<<20)
		info, err := s.Put(ctx, bytes.NewReader(data), blob.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, s, info.Hash); !bytes.Equal(got, data) {
			t.Fatal("large object read back differs")
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t *testing.T, s blob.Store, h blob.Hash) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func walk(t *testing.T, s blob.Store) map[blob.Hash]int64 {
	t.Helper()
	got := map[blob.Hash]int64{}
	if err := s.Walk(context.Background(), func(i blob.Info) error {
		got[i.Hash] = i.Size
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// S3Server is an S3 endpoint on loopback: gofakes3 in memory behind a TLS
// test server (minio-go's multipart upload needs TLS there).
type S3Server struct {
	srv *httptest.Server
}

// NewS3Server starts the endpoint with the named buckets; it stops at the
// test's end.
func NewS3Server(t testing.TB, buckets ...string) *S3Server {
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewTLSServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return &S3Server{srv: srv}
}

// Config returns the driver configuration for bucket/prefix on this
// endpoint, trusting its certificate.
func (s *S3Server) Config(bucket, prefix string) blob.S3Config {
	return blob.S3Config{
		URL:       "s3://" + bucket + "/" + prefix,
		Endpoint:  s.srv.Listener.Addr().String(),
		AccessKey: "test", SecretKey: "test-secret", Region: "us-east-1",
		Transport: s.srv.Client().Transport,
	}
}
