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
