package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

var citizen = &actor.Actor{AccountID: 7, Kind: actor.Citizen, Clearance: "cong_khai"}

// drivers runs fn on the local and the S3 driver.
func drivers(t *testing.T, fn func(t *testing.T, newStore func(t *testing.T) blob.Store)) {
	t.Run("local", func(t *testing.T) {
		fn(t, func(t *testing.T) blob.Store {
			s, err := blob.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := blobtest.NewS3Server(t, "files")
		fn(t, func(t *testing.T) blob.Store {
			cfg := srv.Config("files", strings.ReplaceAll(t.Name(), "/", "_"))
			cfg.SpoolDir = t.TempDir()
			s, err := blob.NewS3(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

type fixture struct {
	d     *db.DB
	store blob.Store
	svc   *blob.Service
	now   time.Time
}

// setup's service keeps every object in the store (InlineMax -1), the
// way these tests look at; TestSmallUploadsKeptInDatabase covers the
// database's way, which smaller uploads take by default.
func setup(t *testing.T, d *db.DB, store blob.Store, secret byte) *fixture {
	return setupInline(t, d, store, secret, -1)
}

func setupInline(t *testing.T, d *db.DB, store blob.Store, secret byte, inlineMax int64) *fixture {
	t.Helper()
	f := &fixture{d: d, store: store, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	log, err := audit.New(d, audit.Options{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{secret}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = blob.New(d, blob.Options{Store: store, Audit: log, Keys: keys, Now: func() time.Time { return f.now }, MaxSize: 1 << 20, InlineMax: inlineMax, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func auditCount(t *testing.T, d *db.DB, action, id string) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_entries WHERE action = $1 AND object_id = $2`, action, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rawObject(t *testing.T, s blob.Store, f *fixture, id string) []byte {
	t.Helper()
	var stored string
	if err := f.d.Reader().QueryRowContext(context.Background(), `SELECT stored_sha256 FROM blob_uploads WHERE id = $1`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	h, _ := blob.ParseHash(stored)
	rc, err := s.Open(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

// Restricted and personal-data uploads are stored as age ciphertext: the
// stored bytes do not contain the content, the service reads the content
// back, and a service with another platform secret key cannot.
func TestRestrictedUploadsAreEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	drivers(t, func(t *testing.T, newStore func(t *testing.T) blob.Store) {
		dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
			store := newStore(t)
			f := setup(t, d, store, 1)
			secret := []byte("%PDF-1.7\nHo so mat: so CCCD 001099012345 cua ong Nguyen Van A\n%%EOF\n")
			for _, req := range []blob.Request{{Name: "cccd.pdf", Level: access.Restricted}, {Name: "cccd.pdf", PersonalData: true}} {
				u, err := f.svc.Upload(ctx, citizen, bytes.NewReader(secret), req)
				if err != nil {
					t.Fatal(err)
				}
				if !u.Encrypted {
					t.Fatalf("%+v: not encrypted", req)
				}
				raw := rawObject(t, store, f, u.ID)
				if bytes.Contains(raw, []byte("001099012345")) || bytes.Contains(raw, secret[:16]) || !bytes.HasPrefix(raw, []byte("age-encryption.org/v1")) {
					t.Fatalf("stored bytes reveal the content or are not age: %q", raw[:min(len(raw), 80)])
				}
				rc, _, err := f.svc.Open(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(got, secret) {
					t.Fatalf("read back %q, %v", got, err)
				}
				other := setup(t, d, store, 2)
				if _, _, err := other.svc.Open(ctx, u.ID); err == nil {
					t.Fatal("a service with another platform secret key opened the file")
				}
			}
			// Office files are checked through the encrypted spool's random access.
			for name, data := range map[string][]byte{"to-trinh.docx": blobtest.DOCX(t), "cong-van.odt": blobtest.ODT(t), "bom.docx": blobtest.ZipBomb(t)} {
				u, err := f.svc.Upload(ctx, citizen, bytes.NewReader(data), blob.Request{Name: name, Level: access.Restricted})
				if name == "bom.docx" {
					if apperr.CodeOf(err) != apperr.Invalid {
						t.Fatalf("restricted ZIP bomb: %v", err)
					}
					continue
				}
				if err != nil || !u.Encrypted || u.Name != name {
					t.Fatalf("%s: %+v, %v", name, u, err)
				}
			}
			plain, err := f.svc.Upload(ctx, citizen, bytes.NewReader(secret), blob.Request{Name: "cong-khai.pdf"})
			if err != nil {
				t.Fatal(err)
			}
			if plain.Encrypted || !bytes.Equal(rawObject(t, store, f, plain.ID), secret) {
				t.Fatal("a public upload should be stored as sent")
			}
		})
	})
}

// State-secret content is refused: the platform keeps metadata only.
func TestStateSecretUploadRefused(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		store, _ := blob.NewLocal(t.TempDir())
		f := setup(t, d, store, 1)
		_, err := f.svc.Upload(context.Background(), citizen, bytes.NewReader(blobtest.PDF()), blob.Request{Name: "a.pdf", Level: access.Secret})
		if apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("err = %v", err)
		}
	})
}

// Unreferenced uploads older than the cut-off go, with an audit entry and
// their object; referenced ones and objects another upload shares stay.
func TestPurgeUnreferenced(t *testing.T) {
	ctx := context.Background()
	drivers(t, func(t *testing.T, newStore func(t *testing.T) blob.Store) {
		dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
			store := newStore(t)
			f := setup(t, d, store, 1)
			up := func(data []byte) blob.Upload {
				u, err := f.svc.Upload(ctx, citizen, bytes.NewReader(data), blob.Request{Name: "a.pdf"})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			alone := up(append(blobtest.PDF(), "alone"...))
			kept := up(append(blobtest.PDF(), "kept"...))
			shared1 := up(append(blobtest.PDF(), "shared"...))
			f.now = f.now.Add(2 * time.Hour)
			shared2 := up(append(blobtest.PDF(), "shared"...))
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := f.svc.Reference(ctx, tx, kept.ID, citizen)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			// Someone else cannot take another's upload.
			if err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := f.svc.Reference(ctx, tx, alone.ID, &actor.Actor{AccountID: 8, Kind: actor.Citizen})
				return err
			}); apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("Reference by another account: %v", err)
			}
			f.now = f.now.Add(23 * time.Hour)
			n, err := f.svc.PurgeUnreferenced(ctx, 24*time.Hour)
			if err != nil || n != 2 {
				t.Fatalf("purged %d, %v; want alone and shared1", n, err)
			}
			for _, u := range []blob.Upload{alone, shared1} {
				if _, err := f.svc.Get(ctx, u.ID); apperr.CodeOf(err) != apperr.NotFound {
					t.Fatalf("%s still there: %v", u.ID, err)
				}
				if auditCount(t, d, "blob.upload.purge", u.ID) != 1 {
					t.Fatalf("no purge audit entry for %s", u.ID)
				}
			}
			for _, u := range []blob.Upload{kept, shared2} {
				rc, _, err := f.svc.Open(ctx, u.ID)
				if err != nil {
					t.Fatalf("%s: %v", u.ID, err)
				}
				if _, err := io.ReadAll(rc); err != nil {
					t.Fatal(err)
				}
				rc.Close()
			}
			h, _ := blob.ParseHash(alone.SHA256)
			if _, err := store.Stat(ctx, h); err == nil {
				t.Fatal("the object of the purged upload is still stored")
			}
			rep, err := blob.Check(ctx, d.Reader(), store, nil)
			if err != nil || len(rep.Problems) != 0 || rep.Objects != 2 {
				t.Fatalf("check after purge: %+v, %v", rep, err)
			}
		})
	})
}

// blob check finds a flipped byte and a missing file.
func TestCheckFindsCorruptAndMissing(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		store, _ := blob.NewLocal(dir)
		f := setup(t, d, store, 1)
		var ups []blob.Upload
		for i, req := range []blob.Request{{Name: "a.pdf"}, {Name: "b.pdf", Level: access.Restricted}, {Name: "c.pdf"}} {
			u, err := f.svc.Upload(ctx, citizen, bytes.NewReader(append(blobtest.PDF(), byte('a'+i))), req)
			if err != nil {
				t.Fatal(err)
			}
			ups = append(ups, u)
		}
		rep, err := blob.Check(ctx, d.Reader(), store, nil)
		if err != nil || len(rep.Problems) != 0 || rep.Objects != 3 {
			t.Fatalf("clean check: %+v, %v", rep, err)
		}
		path := func(u blob.Upload) string {
			var stored string
			d.Reader().QueryRowContext(ctx, `SELECT stored_sha256 FROM blob_uploads WHERE id = $1`, u.ID).Scan(&stored)
			return filepath.Join(dir, stored[:2], stored)
		}
		// Flip one byte of the encrypted one: detected without its key.
		b, err := os.ReadFile(path(ups[1]))
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		if err := os.WriteFile(path(ups[1]), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path(ups[2])); err != nil {
			t.Fatal(err)
		}
		rep, err = blob.Check(ctx, d.Reader(), store, nil)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, p := range rep.Problems {
			kinds[p.Kind]++
		}
		if kinds["corrupt"] != 1 || kinds["missing"] != 1 || len(rep.Problems) != 2 {
			t.Fatalf("problems = %+v", rep.Problems)
		}
		// Reading a corrupt encrypted file fails rather than returning bytes.
		rc, _, err := f.svc.Open(ctx, ups[1].ID)
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		if err == nil {
			t.Fatal("a flipped byte of an encrypted file read without error")
		}
	})
}

// An upload of bytes whose only other upload the purge is deleting at the
// same moment either succeeds with its object stored or fails asking to
// send again: never a recorded upload without its object.
func TestPurgeRacingUploadsOfTheSameBytes(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		store, _ := blob.NewLocal(t.TempDir())
		f := setup(t, d, store, 1)
		base := f.now
		for round := range 15 {
			data := append(blobtest.PDF(), byte(round))
			f.now = base
			if _, err := f.svc.Upload(ctx, citizen, bytes.NewReader(data), blob.Request{Name: "a.pdf"}); err != nil {
				t.Fatal(err)
			}
			f.now = base.Add(25 * time.Hour)
			errs := make(chan error, 5)
			go func() {
				_, err := f.svc.PurgeUnreferenced(ctx, 24*time.Hour)
				errs <- err
			}()
			for range 4 {
				go func() {
					_, err := f.svc.Upload(ctx, citizen, bytes.NewReader(data), blob.Request{Name: "a.pdf"})
					if apperr.CodeOf(err) == apperr.Unavailable {
						err = nil
					}
					errs <- err
				}()
			}
			for range 5 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			rep, err := blob.Check(ctx, d.Reader(), store, nil)
			if err != nil {
				t.Fatal(err)
			}
			var orphans int
			d.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM blob_uploads u WHERE NOT EXISTS (SELECT 1 FROM blob_objects o WHERE o.stored_sha256 = u.stored_sha256)`).Scan(&orphans)
			if len(rep.Problems) != 0 || orphans != 0 {
				t.Fatalf("round %d: %+v, %d uploads without an object row", round, rep.Problems, orphans)
			}
		}
	})
}

// Bytes stored for an upload whose transaction failed are recorded apart
// and removed by the purge a day later.
func TestFailedUploadLeavesNoObjectForever(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		store, _ := blob.NewLocal(t.TempDir())
		f := setup(t, d, store, 1)
		exec := func(q string) {
			if _, err := d.Writer().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		// The upload's row cannot be written.
		exec(`ALTER TABLE blob_uploads RENAME TO blob_uploads_away`)
		data := append(blobtest.PDF(), "orphan"...)
		if _, err := f.svc.Upload(ctx, citizen, bytes.NewReader(data), blob.Request{Name: "a.pdf"}); err == nil {
			t.Fatal("upload succeeded without its table")
		}
		exec(`ALTER TABLE blob_uploads_away RENAME TO blob_uploads`)
		h := blob.Hash(sha256.Sum256(data))
		if _, err := store.Stat(ctx, h); err != nil {
			t.Fatalf("the stored bytes: %v", err)
		}
		if n, err := f.svc.PurgeUnreferenced(ctx, 24*time.Hour); err != nil || n != 0 {
			t.Fatalf("early purge: %d, %v", n, err)
		}
		if _, err := store.Stat(ctx, h); err != nil {
			t.Fatalf("purged before a day: %v", err)
		}
		f.now = f.now.Add(25 * time.Hour)
		if _, err := f.svc.PurgeUnreferenced(ctx, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, h); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("orphan object still stored: %v", err)
		}
		rep, err := blob.Check(ctx, d.Reader(), store, nil)
		if err != nil || rep.Objects != 0 {
			t.Fatalf("check: %+v, %v", rep, err)
		}
	})
}

// An encrypted upload up to 1 MB is spooled in memory: it goes through
// even where no temporary file can be made, while a larger one needs the
// spool folder (and, without it, fails with nothing recorded).
func TestSmallEncryptedUploadsSpoolInMemory(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations}, func(t *testing.T, d *db.DB) {
		store, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		log, err := audit.New(d, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		keys, err := blob.NewKeyring(bytes.Repeat([]byte{3}, 32))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := blob.New(d, blob.Options{Store: store, Audit: log, Keys: keys, MaxSize: 4 << 20, SpoolDir: filepath.Join(t.TempDir(), "missing")})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			size int
			code apperr.Code
		}{{100 << 10, ""}, {1 << 20, ""}, {1<<20 + 1, apperr.Unavailable}, {3 << 20, apperr.Unavailable}} {
			content := append(blobtest.PDF(), bytes.Repeat([]byte{'x'}, tc.size-len(blobtest.PDF()))...)
			u, err := svc.Upload(ctx, citizen, bytes.NewReader(content), blob.Request{Name: "ho-so.pdf", PersonalData: true})
			if tc.code != "" {
				if apperr.CodeOf(err) != tc.code {
					t.Fatalf("%d bytes: %v, want %s", tc.size, err, tc.code)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%d bytes: %v", tc.size, err)
			}
			rc, _, err := svc.Open(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("%d bytes: read back %d bytes, %v", tc.size, len(got), err)
			}
		}
		var n int
		if err := d.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM blob_uploads`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d uploads recorded, want 2 (%v)", n, err)
		}
	})
}
