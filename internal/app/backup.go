package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/backup"
	"github.com/chinhquyen/chinhquyen/internal/blob"
)

// BackupDataFiles are the paths of the data folder a backup copies as they
// are, besides the file store (BackupObjects): the published audit
// verifier key (public).
func (c *Config) BackupDataFiles() []string {
	return []string{audit.VerifierKeyFile}
}

// BackupObjects opens the configured file store (the data folder's files/
// or an S3 bucket) as a backup reads it: each object under the path where
// the local store of a restored data folder keeps it. note says, for an S3
// store, where a restore puts the files.
func BackupObjects(ctx context.Context, cfg Config) (objects backup.ObjectStore, note string, err error) {
	st, err := OpenBlobStore(ctx, cfg)
	if err != nil {
		return nil, "", err
	}
	if cfg.Blob.URL != "" {
		note = "Tệp lấy từ kho " + cfg.Blob.URL + ": khôi phục với --blob-url (và các cờ S3 như khi chạy serve) chỉ tới một bucket hoặc tiền tố trống để ghi tệp trở lại S3; không có --blob-url, tệp vào thư mục files/ của thư mục dữ liệu / restore with --blob-url and the S3 flags to put the files back into an empty bucket or prefix; without it they go into the local files/ folder"
	}
	return blobObjects{st}, note, nil
}

// RestoreObjects opens the S3 store a restore writes the archive's files
// into, when cfg names one (--blob-url); nil means the data folder's
// files/, which the restore writes itself. The S3 driver spools in the
// system's temporary folder: the data folder must stay empty until the
// restore has checked everything.
func RestoreObjects(ctx context.Context, cfg Config) (blob.Store, error) {
	if cfg.Blob.URL == "" {
		return nil, nil
	}
	if err := cfg.Blob.validate(); err != nil {
		return nil, err
	}
	tr, err := cfg.Blob.transport()
	if err != nil {
		return nil, err
	}
	return blob.NewS3(ctx, blob.S3Config{URL: cfg.Blob.URL, Endpoint: cfg.Blob.Endpoint, AccessKey: cfg.Blob.AccessKey,
		SecretKey: cfg.Blob.SecretKey, Region: cfg.Blob.Region, Insecure: cfg.Blob.Insecure, Transport: tr, SpoolDir: os.TempDir()})
}

// blobObjects adapts a blob.Store to backup.ObjectStore.
type blobObjects struct{ s blob.Store }

func (b blobObjects) Walk(ctx context.Context, fn func(backup.Object) error) error {
	return b.s.Walk(ctx, func(i blob.Info) error {
		return fn(backup.Object{Path: localObjectPath(i.Hash), Size: i.Size, SHA256: i.Hash})
	})
}

func (b blobObjects) Open(ctx context.Context, o backup.Object) (io.ReadCloser, error) {
	return b.s.Open(ctx, blob.Hash(o.SHA256))
}

// localObjectPath is where blob.NewLocal on the data folder's files/ keeps
// an object (files/ab/abcd…); the backup drill opens restored objects
// through blob.Local to hold the two together.
func localObjectPath(h blob.Hash) string {
	s := h.String()
	return path.Join("files", s[0:2], s)
}

// maxKeyFile bounds one key file read for a backup.
const maxKeyFile = 1 << 20

// BackupKeys returns the keys this configuration uses, each under the path
// of the data folder where the platform finds it when no flag names it, so
// that a restored folder starts with them: the platform secret key, the
// audit signing key, the key-store passphrase and the CA's key files. A key
// given by flag or environment is taken from there. What cannot be copied
// (keys inside an HSM) is returned as notCovered.
func (c *Config) BackupKeys() (keys []backup.KeyFile, notCovered []string, err error) {
	add := func(name, configured string) error {
		if configured != "" {
			keys = append(keys, backup.KeyFile{Name: name, Data: []byte(configured + "\n")})
			return nil
		}
		b, err := readKeyFile(filepath.Join(c.DataDir, filepath.FromSlash(name)))
		if err != nil || b == nil {
			return err
		}
		keys = append(keys, backup.KeyFile{Name: name, Data: b})
		return nil
	}
	if err := add(SecretKeyFile, c.SecretKey); err != nil {
		return nil, nil, err
	}
	if err := add(audit.SignerKeyFile, c.AuditSignerKey); err != nil {
		return nil, nil, err
	}
	if c.PKI.UsesPKCS11() {
		notCovered = append(notCovered, "Khóa của tổ chức chứng thực nằm trong HSM (PKCS#11, token "+c.PKI.PKCS11Label+"): hãy sao lưu bằng công cụ của HSM / CA keys in the HSM are not in this archive")
	}
	if err := add(KeyPassphraseFile, c.PKI.KeyPassphrase); err != nil {
		return nil, nil, err
	}
	root := filepath.Join(c.DataDir, filepath.FromSlash(KeysDir))
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			return apperr.Wrap(err, apperr.Unavailable, "Không đọc được kho khóa %s", p)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := readKeyFile(p)
		if err != nil || b == nil {
			return err
		}
		keys = append(keys, backup.KeyFile{Name: path.Join(KeysDir, filepath.ToSlash(rel)), Data: b})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return keys, notCovered, nil
}

// readKeyFile reads a key file; nil when it does not exist.
func readKeyFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp khóa %s", p)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp khóa %s", p)
	}
	if len(b) > maxKeyFile {
		return nil, apperr.New(apperr.Invalid, "Tệp khóa %s quá lớn để là một khóa", p)
	}
	return b, nil
}
