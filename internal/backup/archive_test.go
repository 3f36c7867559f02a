package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// testPart is a part of a hand-built archive; hdr, when set, replaces the
// entry header the writer would make (to build hostile archives).
type testPart struct {
	Part
	data []byte
	hdr  *tar.Header
}

func filePart(name, content string) testPart {
	sum := sha256.Sum256([]byte(content))
	return testPart{Part: Part{Name: name, Kind: KindFile, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}, data: []byte(content)}
}

func dbPart(content string) testPart {
	p := filePart(SQLiteName, content)
	p.Kind = KindDatabase
	return p
}

// buildArchive writes an archive of parts with a manifest listing them
// (or the given manifest), and a correct digest: whatever a restore
// refuses in it, it refuses for what the entries say, not for the digest.
func buildArchive(t testing.TB, compress string, m *Manifest, parts ...testPart) []byte {
	t.Helper()
	if m == nil {
		m = &Manifest{Format: Format, Version: FormatVersion, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Engine: "sqlite",
			Schema: []ModuleVersion{{Module: "audit", Version: 1}}}
		for _, p := range parts {
			m.Parts = append(m.Parts, p.Part)
		}
	}
	var out bytes.Buffer
	aw, err := newArchiveWriter(&out, compress, m.Created)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := json.Marshal(m)
	if err := aw.entry(ManifestName, int64(len(mb)), bytes.NewReader(mb)); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if p.hdr != nil {
			if err := aw.tw.WriteHeader(p.hdr); err != nil {
				t.Fatal(err)
			}
			if _, err := aw.tw.Write(p.data); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := aw.entry(p.Name, int64(len(p.data)), bytes.NewReader(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := aw.finish(); err != nil {
		t.Fatal(err)
	}
	aw.abort()
	return out.Bytes()
}

// check reads an archive fully, discarding its parts.
func check(b []byte) (*Manifest, map[string]string, error) {
	got := map[string]string{}
	m, err := readArchive(context.Background(), bytes.NewReader(b), DefaultLimits, nil, func(p Part, r io.Reader) error {
		data, err := io.ReadAll(r)
		got[p.Name] = string(data)
		return err
	})
	return m, got, err
}

func TestArchiveRoundTrip(t *testing.T) {
	for _, compress := range []string{CompressNone, CompressGzip} {
		t.Run(compress, func(t *testing.T) {
			long := "data/files/" + strings.Repeat("thư-mục/", 20) + "tệp.pdf" // beyond ustar's 100-byte names
			b := buildArchive(t, compress, nil, dbPart("SQLite format 3\x00…"), filePart("data/files/ab/cd", "nội dung"), filePart(long, ""))
			m, got, err := check(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Parts) != 3 || got["data/files/ab/cd"] != "nội dung" || got[long] != "" || got[SQLiteName] != "SQLite format 3\x00…" {
				t.Fatalf("manifest %+v, parts %q", m, got)
			}
		})
	}
}

// Every single changed byte, anywhere in the file (tar padding, the
// end blocks and gzip headers included, which tar and gzip readers
// ignore), and every truncation, is refused.
func TestArchiveRefusesAnyChangedByteAndAnyTruncation(t *testing.T) {
	for _, compress := range []string{CompressNone, CompressGzip} {
		t.Run(compress, func(t *testing.T) {
			b := buildArchive(t, compress, nil, dbPart("SQLite format 3\x00 một cơ sở dữ liệu"), filePart("data/files/a", "tệp một"), filePart("data/files/b", strings.Repeat("x", 700)))
			if _, _, err := check(b); err != nil {
				t.Fatal(err)
			}
			for i := range b {
				{
					flip := byte(0x01) << (i % 8)
					c := bytes.Clone(b)
					c[i] ^= flip
					if _, _, err := check(c); err == nil {
						t.Fatalf("byte %d of %d xor %#x: accepted", i, len(b), flip)
					} else if apperr.CodeOf(err) != apperr.Invalid {
						t.Fatalf("byte %d: %v, want EINVALID", i, err)
					}
				}
			}
			for n := 0; n < len(b); n++ {
				if _, _, err := check(b[:n]); err == nil {
					t.Fatalf("truncated to %d of %d bytes: accepted", n, len(b))
				}
			}
			if _, _, err := check(append(bytes.Clone(b), 0)); err == nil {
				t.Fatal("a byte appended: accepted")
			}
		})
	}
}

func TestArchiveRefusesHostileEntries(t *testing.T) {
	ok := filePart("data/files/a", "tệp")
	link := ok
	link.hdr = &tar.Header{Typeflag: tar.TypeSymlink, Name: ok.Name, Linkname: "/etc/passwd"}
	link.data = nil
	hard := ok
	hard.hdr = &tar.Header{Typeflag: tar.TypeLink, Name: ok.Name, Linkname: SQLiteName}
	hard.data = nil
	dir := ok
	dir.hdr = &tar.Header{Typeflag: tar.TypeDir, Name: ok.Name + "/"}
	dir.data = nil
	renamed := ok
	renamed.hdr = &tar.Header{Typeflag: tar.TypeReg, Name: "data/../../etc/cron.d/x", Size: ok.Size, Mode: 0o600}
	longer := ok
	longer.hdr = &tar.Header{Typeflag: tar.TypeReg, Name: ok.Name, Size: ok.Size + 1, Mode: 0o600}
	longer.data = append(bytes.Clone(ok.data), '!')
	changed := ok
	changed.data = []byte("tệP")

	manifestWith := func(parts ...Part) *Manifest {
		return &Manifest{Format: Format, Version: FormatVersion, Engine: "sqlite", Parts: parts}
	}
	db := dbPart("db")
	cases := []struct {
		name  string
		m     *Manifest
		parts []testPart
		want  string
	}{
		{"symlink", manifestWith(db.Part, ok.Part), []testPart{db, link}, "không phải tệp thường"},
		{"hard link", manifestWith(db.Part, ok.Part), []testPart{db, hard}, "không phải tệp thường"},
		{"directory", manifestWith(db.Part, ok.Part), []testPart{db, dir}, "không phải tệp thường"},
		{"entry named other than the manifest says", manifestWith(db.Part, ok.Part), []testPart{db, renamed}, "ở chỗ mục lục ghi"},
		{"entry longer than the manifest says", manifestWith(db.Part, ok.Part), []testPart{db, longer}, "mục lục ghi"},
		{"content changed", manifestWith(db.Part, ok.Part), []testPart{db, changed}, "không khớp mã băm"},
		{"part missing", manifestWith(db.Part, ok.Part), []testPart{db}, "ở chỗ mục lục ghi"},
		{"extra part", manifestWith(db.Part), []testPart{db, ok}, "ở chỗ mục lục ghi"},
		{"absolute path in the manifest", manifestWith(db.Part, Part{Name: "data//etc/passwd", Kind: KindFile, SHA256: ok.SHA256}), nil, "không an toàn"},
		{"dot-dot in the manifest", manifestWith(db.Part, Part{Name: "data/files/../../x", Kind: KindFile, SHA256: ok.SHA256}), nil, "không an toàn"},
		{"backslash in the manifest", manifestWith(db.Part, Part{Name: `data/files\..\x`, Kind: KindFile, SHA256: ok.SHA256}), nil, "không an toàn"},
		{"control character", manifestWith(db.Part, Part{Name: "data/files/a\nb", Kind: KindFile, SHA256: ok.SHA256}), nil, "không an toàn"},
		{"the database as a file", manifestWith(db.Part, Part{Name: "data/chinhquyen.db-wal", Kind: KindFile, SHA256: ok.SHA256}), nil, "không được phép"},
		{"outside data/", manifestWith(db.Part, Part{Name: "files/a", Kind: KindFile, SHA256: ok.SHA256}), nil, "không an toàn"},
		{"duplicate", manifestWith(db.Part, ok.Part, ok.Part), nil, "hai lần"},
		{"no database", manifestWith(ok.Part), nil, "đúng một phần cơ sở dữ liệu"},
		{"negative size", manifestWith(db.Part, Part{Name: "data/a", Kind: KindFile, Size: -1, SHA256: ok.SHA256}), nil, "kích thước"},
		{"bad hash", manifestWith(db.Part, Part{Name: "data/a", Kind: KindFile, SHA256: "zz"}), nil, "mã băm"},
		{"unknown kind", manifestWith(db.Part, Part{Name: "data/a", Kind: "exec", SHA256: ok.SHA256}), nil, "không biết"},
		{"keys not first", manifestWith(db.Part, Part{Name: KeysName, Kind: KindKeys, SHA256: ok.SHA256}), nil, "phần khóa"},
		{"newer format", &Manifest{Format: Format, Version: 2, Engine: "sqlite"}, nil, "phiên bản 2"},
		{"not ours", &Manifest{Format: "other", Version: 1, Engine: "sqlite"}, nil, "không phải bản sao lưu chinhquyen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := check(buildArchive(t, CompressNone, tc.m, tc.parts...))
			if err == nil || apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), tc.want) {
				t.Fatalf("got %v, want EINVALID containing %q", err, tc.want)
			}
		})
	}
}

func TestArchiveLimits(t *testing.T) {
	db := dbPart("db")
	b := buildArchive(t, CompressNone, nil, db, filePart("data/a", "1"), filePart("data/b", "2"))
	lim := DefaultLimits
	lim.MaxParts = 2
	_, err := readArchive(context.Background(), bytes.NewReader(b), lim, nil, func(Part, io.Reader) error { return nil })
	if err == nil || !strings.Contains(apperr.MessageOf(err), "--max-parts") {
		t.Fatalf("3 parts over a limit of 2: %v", err)
	}
	lim = DefaultLimits
	lim.MaxManifest = 100
	_, err = readArchive(context.Background(), bytes.NewReader(b), lim, nil, func(Part, io.Reader) error { return nil })
	if err == nil || !strings.Contains(apperr.MessageOf(err), "vượt giới hạn") {
		t.Fatalf("manifest over its limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := readArchive(ctx, bytes.NewReader(b), DefaultLimits, nil, func(Part, io.Reader) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// FuzzReadArchive feeds the archive reader arbitrary files: it must
// answer with an error or a checked manifest, never panic, and never hand
// out more bytes than the manifest declares.
func FuzzReadArchive(f *testing.F) {
	for _, c := range []string{CompressNone, CompressGzip} {
		b := buildArchive(f, c, nil, dbPart("SQLite format 3\x00"), filePart("data/files/a", "tệp một"))
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{0x1f, 0x8b})
	lim := DefaultLimits
	lim.MaxParts, lim.MaxManifest, lim.MaxPartSize = 100, 1<<16, 1<<20
	f.Fuzz(func(t *testing.T, data []byte) {
		var declared, read int64
		m, err := readArchive(context.Background(), bytes.NewReader(data), lim, func(m *Manifest) error {
			for _, p := range m.Parts {
				declared += p.Size
			}
			return nil
		}, func(p Part, r io.Reader) error {
			n, err := io.Copy(io.Discard, r)
			read += n
			return err
		})
		if read > declared {
			t.Fatalf("read %d bytes of parts, manifest declares %d", read, declared)
		}
		if err == nil && m == nil {
			t.Fatal("no error and no manifest")
		}
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("error %v is not EINVALID", err)
		}
	})
}

// FuzzParseManifest checks the manifest parser alone (the archive fuzzer
// rarely gets a valid tar header around a mutated manifest).
func FuzzParseManifest(f *testing.F) {
	m := &Manifest{Format: Format, Version: FormatVersion, Engine: "sqlite", KeyFiles: []string{"secret.key"},
		Parts: []Part{{Name: KeysName, Kind: KindKeys, Size: 10, SHA256: strings.Repeat("ab", 32)}, {Name: SQLiteName, Kind: KindDatabase, Size: 1, SHA256: strings.Repeat("cd", 32)},
			{Name: "data/files/x", Kind: KindFile, SHA256: strings.Repeat("ef", 32)}}}
	b, _ := json.Marshal(m)
	f.Add(b)
	f.Add([]byte(`{"format":"chinhquyen-backup","version":1,"engine":"postgres","parts":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data, DefaultLimits)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		for _, p := range m.Parts {
			if p.Kind == KindFile {
				if err := checkRelPath(strings.TrimPrefix(p.Name, dataPrefix)); err != nil || strings.Contains(p.Name, "..") && strings.Contains("/"+p.Name+"/", "/../") {
					t.Fatalf("accepted unsafe name %q", p.Name)
				}
			}
		}
	})
}

// An archive this program cannot restore is refused before anything is
// written: a newer schema, a module it does not know, the other engine.
func TestRestoreRefusesWhatItCannotRestore(t *testing.T) {
	arch := func(engine string, schema ...ModuleVersion) string {
		db := dbPart("db")
		if engine == "postgres" {
			db.Name = PostgresName
		}
		m := &Manifest{Format: Format, Version: FormatVersion, Engine: engine, Schema: schema, Parts: []Part{db.Part}}
		p := filepath.Join(t.TempDir(), "a.tar")
		if err := os.WriteFile(p, buildArchive(t, CompressNone, m, db), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	known := knownVersion(audit.Migrations)
	cases := []struct {
		name, archive, url string
		code               apperr.Code
		msg                string
	}{
		{"newer schema", arch("sqlite", ModuleVersion{"audit", known + 1}), "", apperr.Conflict, "phiên bản chinhquyen mới hơn"},
		{"unknown module", arch("sqlite", ModuleVersion{"hồ_sơ", 1}), "", apperr.Conflict, "không biết"},
		{"PostgreSQL archive without a database", arch("postgres"), "", apperr.Invalid, "--database"},
		{"SQLite archive with a database", arch("sqlite"), "postgres://nobody@127.0.0.1:1/none", apperr.Invalid, "bỏ --database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			_, err := Restore(context.Background(), tc.archive, RestoreOptions{DataDir: filepath.Join(parent, "data"), DatabaseURL: tc.url,
				Modules: []db.Migrations{audit.Migrations}})
			if apperr.CodeOf(err) != tc.code || !strings.Contains(apperr.MessageOf(err), tc.msg) {
				t.Fatalf("got %v, want %s %q", err, tc.code, tc.msg)
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Fatalf("left behind: %v", left)
			}
		})
	}
}
