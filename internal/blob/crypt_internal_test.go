package blob

import (
	"bytes"
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"os"
	"testing"
)

// The spool reads back at any offset what was written, whatever the IV
// (all ones makes every block index carry through the counter), and
// keeps no plaintext on disk.
func TestSpoolRandomAccess(t *testing.T) {
	data := make([]byte, 70_001)
	rand.Read(data)
	copy(data, "Hồ sơ hạn chế")
	for _, ivByte := range []byte{0x00, 0xff, 0x7f} {
		f, err := os.CreateTemp(t.TempDir(), "spool-*")
		if err != nil {
			t.Fatal(err)
		}
		sp, err := newSpool(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := range sp.iv {
			sp.iv[i] = ivByte
		}
		if ivByte == 0x7f {
			sp.iv[15] = 0xfe // carries after two blocks
		}
		sp.w = newCTR(sp)
		for off := 0; off < len(data); off += 4093 {
			if _, err := sp.Write(data[off:min(off+4093, len(data))]); err != nil {
				t.Fatal(err)
			}
		}
		raw, _ := os.ReadFile(f.Name())
		if bytes.Contains(raw, []byte("Hồ sơ")) {
			t.Fatal("plaintext on disk")
		}
		for range 200 {
			off := mrand.IntN(len(data))
			n := mrand.IntN(len(data)-off) + 1
			got := make([]byte, n)
			if k, err := sp.ReadAt(got, int64(off)); (err != nil && err != io.EOF) || k != n {
				t.Fatalf("ReadAt(%d, %d) = %d, %v", n, off, k, err)
			}
			if !bytes.Equal(got, data[off:off+n]) {
				t.Fatalf("iv %02x: ReadAt(%d bytes at %d) differs", ivByte, n, off)
			}
		}
		f.Close()
	}
}

// The spool's backing stays in memory up to spoolMemory and then moves
// everything to one temporary file, which Close removes; reads at any
// offset see what was written on either side of the spill.
func TestSpillFile(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, spoolMemory+70_001)
	rand.Read(data)
	f := &spillFile{dir: dir}
	files := func() int {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	check := func(upto int) {
		t.Helper()
		for range 50 {
			off := mrand.IntN(upto)
			n := mrand.IntN(upto-off) + 1
			got := make([]byte, n)
			if k, err := f.ReadAt(got, int64(off)); (err != nil && err != io.EOF) || k != n || !bytes.Equal(got, data[off:off+n]) {
				t.Fatalf("ReadAt(%d bytes at %d) = %d, %v", n, off, k, err)
			}
		}
		if k, err := f.ReadAt(make([]byte, 10), int64(upto)); k != 0 || err != io.EOF {
			t.Fatalf("ReadAt at the end = %d, %v", k, err)
		}
	}
	for off := 0; off < spoolMemory; off += 4093 {
		if _, err := f.Write(data[off:min(off+4093, spoolMemory)]); err != nil {
			t.Fatal(err)
		}
	}
	if n := files(); n != 0 || f.Name() != "" {
		t.Fatalf("%d files on disk for %d bytes", n, spoolMemory)
	}
	check(spoolMemory)
	if _, err := f.Write(data[spoolMemory:]); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 1 || f.Name() == "" {
		t.Fatalf("%d files on disk after the spill", n)
	}
	check(len(data))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 0 {
		t.Fatalf("%d files left after Close", n)
	}
}
