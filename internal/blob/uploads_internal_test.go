package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// TestUploadWhoseFolderSyncFailsLeavesNoUpload: the row commits while the
// object's folder is fsynced; when that fsync fails the client is told
// so, and the row goes again (audited), so no upload stays recorded that
// its client was told had failed.
func TestUploadWhoseFolderSyncFailsLeavesNoUpload(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log, err := audit.New(d, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		store, err := NewLocal(root)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := New(d, Options{Store: store, Audit: log, SpoolDir: t.TempDir(), InlineMax: -1})
		if err != nil {
			t.Fatal(err)
		}
		broken := errors.New("đĩa báo lỗi")
		store.syncDir = func(dir string) error {
			if filepath.Dir(dir) == root {
				return broken
			}
			return syncDir(dir)
		}
		citizen := &actor.Actor{AccountID: 42, Kind: actor.Citizen}
		pdf := []byte("%PDF-1.7\n% tệp thử\n%%EOF\n")
		_, err = svc.Upload(ctx, citizen, bytes.NewReader(pdf), Request{Name: "don.pdf"})
		if apperr.CodeOf(err) != apperr.Unavailable || !errors.Is(err, broken) {
			t.Fatalf("Upload = %v, want EUNAVAILABLE wrapping the fsync's error", err)
		}
		var rows, created, purged int
		d.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM blob_uploads").Scan(&rows)
		d.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action = 'blob.upload.create'").Scan(&created)
		d.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action = 'blob.upload.purge'").Scan(&purged)
		if rows != 0 || created != 1 || purged != 1 {
			t.Fatalf("%d uploads recorded, %d created and %d purged in the audit log; want 0, 1, 1", rows, created, purged)
		}
		store.syncDir = syncDir
		u, err := svc.Upload(ctx, citizen, bytes.NewReader(pdf), Request{Name: "don.pdf"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(root, u.SHA256[:2], u.SHA256)); err != nil {
			t.Fatal(err)
		}
	})
}
