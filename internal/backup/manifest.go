// Package backup writes and restores one archive holding a running
// platform: a consistent database snapshot (SQLite VACUUM INTO, PostgreSQL
// pg_dump), the files of the data folder, and — only when asked — the keys,
// encrypted with a passphrase (age, scrypt recipient), since an archive
// travels further than the server it came from.
//
// An archive is a tar stream, optionally gzip-compressed:
//
//	manifest.json            what follows, in order, with each part's size and SHA-256
//	keys.tar.age             the key files (only with keys), a tar encrypted with age
//	database/chinhquyen.db   the SQLite snapshot, or database/postgres.dump (pg_dump -Fc)
//	data/…                   files of the data folder, by their path in it
//	archive.sha256           SHA-256 of every byte of the archive before this entry
//
// The manifest comes first so that a restore knows every part's hash before
// it reads the part, and refuses a part the moment it differs. The last
// entry (with the tar end blocks, in a gzip member of its own when
// compressed) is fixed by the digest it holds, so a restore recomputes it
// byte for byte: any byte of the file that changes, including tar padding
// and gzip headers that readers ignore, makes the archive refused.
// Integrity is checked, not origin: whoever may rewrite an archive may
// also rewrite its digest, so archives are kept where only operators write.
package backup

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Format and FormatVersion name the archive format in its manifest.
const (
	Format        = "chinhquyen-backup"
	FormatVersion = 1
)

// Names of the fixed entries and parts.
const (
	ManifestName = "manifest.json"
	DigestName   = "archive.sha256"
	KeysName     = "keys.tar.age"
	SQLiteName   = "database/chinhquyen.db"
	PostgresName = "database/postgres.dump"
	dataPrefix   = "data/"
)

// Part kinds.
const (
	KindDatabase = "database"
	KindKeys     = "keys"
	KindFile     = "file"
)

// Part is one entry of the archive after the manifest.
type Part struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex, of the bytes stored (for keys: of the encrypted bytes)
}

// ModuleVersion is a module's schema version in the database snapshot.
type ModuleVersion struct {
	Module  string `json:"module"`
	Version int64  `json:"version"`
}

// Manifest describes an archive.
type Manifest struct {
	Format          string          `json:"format"`
	Version         int             `json:"version"`
	Created         time.Time       `json:"created"`
	PlatformVersion string          `json:"platform_version"`
	Engine          string          `json:"engine"` // "sqlite" or "postgres"
	Schema          []ModuleVersion `json:"schema"`
	// KeyFiles names the key files inside keys.tar.age (paths in the data
	// folder); empty when the archive holds no keys.
	KeyFiles []string `json:"key_files,omitempty"`
	// NotCovered says what the archive does not hold (keys in an HSM,
	// files kept outside the data folder), for whoever restores it.
	NotCovered []string `json:"not_covered,omitempty"`
	Parts      []Part   `json:"parts"`
}

// Limits bound what a restore accepts from an archive: it is outside input.
type Limits struct {
	MaxParts        int   // parts after the manifest
	MaxManifest     int64 // bytes of manifest.json
	MaxPartSize     int64 // bytes of one part
	MaxKeys         int64 // bytes of keys.tar.age
	MaxKeyFiles     int   // entries inside keys.tar.age
	MaxScryptFactor int   // age scrypt work factor (log2 N) accepted for the keys
}

// DefaultLimits hold an installation with a million stored files; `restore
// --max-parts` raises the count for a larger one.
var DefaultLimits = Limits{
	MaxParts:        1_000_000,
	MaxManifest:     256 << 20,
	MaxPartSize:     1 << 40,
	MaxKeys:         16 << 20,
	MaxKeyFiles:     10_000,
	MaxScryptFactor: 20,
}

const maxNameLen = 1024

// errCorrupt is the answer for an archive that is not what its manifest says.
func errCorrupt(format string, args ...any) error {
	return apperr.New(apperr.Invalid, "Bản sao lưu bị hỏng hoặc bị sửa đổi: "+format, args...)
}

// checkRelPath accepts a slash-separated relative path without empty, "."
// or ".." elements, backslashes, control characters or invalid UTF-8: a
// name that stays inside the folder it is restored into on every system.
func checkRelPath(p string) error {
	if p == "" || len(p) > maxNameLen || !utf8.ValidString(p) || strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\') {
		return fmt.Errorf("unsafe path %q", p)
	}
	for _, r := range p {
		if unicode.IsControl(r) || r == 0xFFFD {
			return fmt.Errorf("unsafe path %q", p)
		}
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." || len(el) > 255 {
			return fmt.Errorf("unsafe path %q", p)
		}
	}
	if path.Clean(p) != p {
		return fmt.Errorf("unsafe path %q", p)
	}
	return nil
}

// reservedData reports whether a data folder path belongs to the database
// or is one of the key files, which never travel as plain data parts.
func reservedData(p string, keyFiles []string) bool {
	first, _, _ := strings.Cut(p, "/")
	return strings.HasPrefix(first, "chinhquyen.db") || slices.Contains(keyFiles, p)
}

// ParseManifest decodes and checks a manifest read from an archive.
func ParseManifest(b []byte, lim Limits) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Tệp không phải bản sao lưu chinhquyen hợp lệ: mục lục (manifest.json) không đọc được")
	}
	if dec.More() {
		return nil, errCorrupt("mục lục có dữ liệu thừa")
	}
	if err := m.check(lim); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Manifest) check(lim Limits) error {
	if m.Format != Format {
		return apperr.New(apperr.Invalid, "Tệp không phải bản sao lưu chinhquyen (định dạng %q)", clip(m.Format))
	}
	if m.Version != FormatVersion {
		return apperr.New(apperr.Invalid, "Bản sao lưu dùng định dạng phiên bản %d, chương trình này đọc phiên bản %d: hãy dùng bản chinhquyen đã tạo ra nó", m.Version, FormatVersion)
	}
	if m.Engine != "sqlite" && m.Engine != "postgres" {
		return errCorrupt("loại cơ sở dữ liệu %q không được hỗ trợ", clip(m.Engine))
	}
	if len(m.Parts) > lim.MaxParts {
		return apperr.New(apperr.Invalid, "Bản sao lưu có %d phần, vượt giới hạn %d: nếu đúng là của bạn, hãy chạy lại với --max-parts lớn hơn", len(m.Parts), lim.MaxParts)
	}
	if len(m.Schema) > 1000 || len(m.KeyFiles) > lim.MaxKeyFiles || len(m.NotCovered) > 100 {
		return errCorrupt("mục lục quá lớn")
	}
	for _, k := range m.KeyFiles {
		if err := checkRelPath(k); err != nil {
			return errCorrupt("tên tệp khóa không an toàn %q", clip(k))
		}
	}
	seen := make(map[string]struct{}, len(m.Parts))
	var db, keys int
	for i, p := range m.Parts {
		if _, dup := seen[p.Name]; dup {
			return errCorrupt("phần %q xuất hiện hai lần", clip(p.Name))
		}
		seen[p.Name] = struct{}{}
		if p.Size < 0 || p.Size > lim.MaxPartSize {
			return errCorrupt("kích thước phần %q không hợp lệ", clip(p.Name))
		}
		if s, err := hex.DecodeString(p.SHA256); err != nil || len(s) != 32 {
			return errCorrupt("mã băm của phần %q không hợp lệ", clip(p.Name))
		}
		switch p.Kind {
		case KindKeys:
			keys++
			if p.Name != KeysName || i != 0 || p.Size > lim.MaxKeys || len(m.KeyFiles) == 0 {
				return errCorrupt("phần khóa %q không hợp lệ", clip(p.Name))
			}
		case KindDatabase:
			db++
			want := SQLiteName
			if m.Engine == "postgres" {
				want = PostgresName
			}
			if p.Name != want {
				return errCorrupt("phần cơ sở dữ liệu %q không khớp loại %s", clip(p.Name), m.Engine)
			}
		case KindFile:
			rel, ok := strings.CutPrefix(p.Name, dataPrefix)
			if !ok || checkRelPath(rel) != nil || reservedData(rel, m.KeyFiles) {
				return errCorrupt("tên tệp không an toàn hoặc không được phép %q", clip(p.Name))
			}
		default:
			return errCorrupt("phần %q có loại %q không biết", clip(p.Name), clip(p.Kind))
		}
	}
	if db != 1 {
		return errCorrupt("cần đúng một phần cơ sở dữ liệu, có %d", db)
	}
	if keys == 0 && len(m.KeyFiles) > 0 {
		return errCorrupt("mục lục kê tệp khóa nhưng không có phần khóa")
	}
	return nil
}

// clip shortens outside text quoted in a message.
func clip(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
