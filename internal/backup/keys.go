package backup

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// KeyFile is one key the platform uses, under the path of the data folder
// where a restore puts it (where the platform looks for it by default).
type KeyFile struct {
	Name string // e.g. "secret.key", "pki/keys/ca-1.key"
	Data []byte
}

// MinPassphrase is the shortest passphrase a backup with keys accepts:
// the archive may be copied anywhere, and scrypt only slows guessing.
const MinPassphrase = 12

// CheckPassphrase refuses a passphrase too short to protect keys.
func CheckPassphrase(p string) error {
	if utf8.RuneCountInString(p) < MinPassphrase {
		return apperr.New(apperr.Invalid, "Mật khẩu bảo vệ khóa trong bản sao lưu phải dài ít nhất %d ký tự", MinPassphrase)
	}
	return nil
}

// sealKeys returns the keys as a tar encrypted to the passphrase (age,
// scrypt recipient with work factor logN; 0 = age's default).
func sealKeys(keys []KeyFile, passphrase string, logN int) ([]byte, error) {
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	for _, k := range keys {
		if err := checkRelPath(k.Name); err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: k.Name, Size: int64(len(k.Data)), Mode: 0o600}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(k.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if int64(plain.Len()) > DefaultLimits.MaxKeys-4096 {
		return nil, apperr.New(apperr.Invalid, "Các tệp khóa lớn %d byte, quá giới hạn của bản sao lưu", plain.Len())
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	if logN > 0 {
		r.SetWorkFactor(logN)
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain.Bytes()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	clear(plain.Bytes())
	return out.Bytes(), nil
}

// openKeys decrypts the keys part from r into dir (each file 0600) and
// checks that it holds exactly the files the manifest names.
func openKeys(r io.Reader, passphrase string, m *Manifest, lim Limits, dir string) error {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "Mật khẩu bản sao lưu không hợp lệ")
	}
	id.SetMaxWorkFactor(lim.MaxScryptFactor)
	plain, err := age.Decrypt(r, id)
	if err != nil {
		var none *age.NoIdentityMatchError
		if errors.As(err, &none) {
			return apperr.Wrap(err, apperr.Unauthorized, "Mật khẩu bản sao lưu không đúng: không giải mã được các khóa")
		}
		return apperr.Wrap(err, apperr.Invalid, "Phần khóa của bản sao lưu bị hỏng hoặc bị sửa đổi")
	}
	tr := tar.NewReader(plain)
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if i != len(m.KeyFiles) {
				return errCorrupt("phần khóa có %d tệp, mục lục ghi %d", i, len(m.KeyFiles))
			}
			break
		}
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Phần khóa của bản sao lưu bị hỏng hoặc bị sửa đổi")
		}
		if i >= len(m.KeyFiles) || hdr.Typeflag != tar.TypeReg || hdr.Name != m.KeyFiles[i] || hdr.Size > 1<<20 {
			return errCorrupt("phần khóa chứa mục %q không có trong mục lục", clip(hdr.Name))
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(hdr.Name)), io.LimitReader(tr, hdr.Size), 0o600); err != nil {
			return err
		}
	}
	// Read to the end of the age stream: its last chunk proves nothing
	// was cut off after the tar end.
	if _, err := io.Copy(io.Discard, io.LimitReader(plain, 1<<20)); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "Phần khóa của bản sao lưu bị hỏng hoặc bị sửa đổi")
	}
	return nil
}

// writeFile creates path (and its folders) exclusively with r's bytes: a
// restore never writes over anything. The restore syncs the whole tree
// once it is written (syncTree), by which time the kernel has written most
// of it back. An error reading r is returned as it is, for the caller to
// name; an error writing is EUNAVAILABLE.
func writeFile(path string, r io.Reader, mode os.FileMode) error {
	dirMode := os.FileMode(0o750)
	if mode&0o077 == 0 {
		dirMode = 0o700
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục %s", filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp %s", path)
	}
	defer f.Close()
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp %s", path)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if err := f.Close(); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp %s", path)
	}
	return nil
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}
