package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// An upload up to blob.DefaultInlineMax is kept in the database with its
// row: the file store holds nothing, reading, checking and purging see it,
// and a failed upload leaves no byte anywhere.
func TestSmallUploadsKeptInDatabase(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		store, _ := blob.NewLocal(t.TempDir())
		f := setupInline(t, d, store, 1, 0)
		count := func(q string) int {
			var n int
			if err := d.Reader().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		files := func() int {
			n := 0
			store.Walk(ctx, func(blob.Info) error { n++; return nil })
			return n
		}
		small := append(blobtest.PDF(), bytes.Repeat([]byte{'x'}, blob.DefaultInlineMax-len(blobtest.PDF()))...)
		u, err := f.svc.Upload(ctx, citizen, bytes.NewReader(small), blob.Request{Name: "to-khai.pdf"})
		if err != nil {
			t.Fatal(err)
		}
		if u.SHA256 != blob.Hash(sha256.Sum256(small)).String() || u.Size != int64(len(small)) || u.MediaType != "application/pdf" {
			t.Fatalf("upload %+v", u)
		}
		if files() != 0 || count(`SELECT COUNT(*) FROM blob_inline`) != 1 {
			t.Fatalf("%d files in the store, %d rows inline; want 0 and 1", files(), count(`SELECT COUNT(*) FROM blob_inline`))
		}
		rc, _, err := f.svc.Open(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, small) {
			t.Fatalf("read back %d bytes, %v", len(got), err)
		}
		if rep, err := blob.Check(ctx, d.Reader(), store, nil); err != nil || rep.Objects != 1 || len(rep.Problems) != 0 {
			t.Fatalf("check: %+v, %v", rep, err)
		}

		// One byte more goes to the store.
		large := append(small, 'y')
		if _, err := f.svc.Upload(ctx, citizen, bytes.NewReader(large), blob.Request{Name: "to-khai.pdf"}); err != nil {
			t.Fatal(err)
		}
		if files() != 1 || count(`SELECT COUNT(*) FROM blob_inline`) != 1 {
			t.Fatalf("%d files, %d inline after a larger upload; want 1 and 1", files(), count(`SELECT COUNT(*) FROM blob_inline`))
		}

		// A flipped byte in the database shows in the check.
		if _, err := d.Writer().ExecContext(ctx, `UPDATE blob_inline SET data = $1`, append([]byte("X"), small[1:]...)); err != nil {
			t.Fatal(err)
		}
		rep, err := blob.Check(ctx, d.Reader(), store, nil)
		if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Kind != "corrupt" || rep.Problems[0].Hash.String() != u.SHA256 {
			t.Fatalf("check after corruption: %+v, %v", rep, err)
		}

		// A failed upload stores nothing, so nothing waits for the purge.
		exec := func(q string) {
			if _, err := d.Writer().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		exec(`ALTER TABLE blob_uploads RENAME TO blob_uploads_away`)
		if _, err := f.svc.Upload(ctx, citizen, bytes.NewReader(append(blobtest.PDF(), "z"...)), blob.Request{Name: "b.pdf"}); err == nil {
			t.Fatal("upload succeeded without its table")
		}
		exec(`ALTER TABLE blob_uploads_away RENAME TO blob_uploads`)
		if n := count(`SELECT COUNT(*) FROM blob_objects`); n != 2 {
			t.Fatalf("%d object rows after a failed small upload, want the 2 before", n)
		}

		// Unreferenced after a day: purged, bytes and all.
		f.now = f.now.Add(25 * time.Hour)
		if _, err := f.svc.PurgeUnreferenced(ctx, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := count(`SELECT COUNT(*) FROM blob_inline`); n != 0 || files() != 0 {
			t.Fatalf("after the purge: %d inline, %d files", n, files())
		}
	})
}
