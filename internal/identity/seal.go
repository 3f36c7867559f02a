package identity

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// SecretKeyLen is the length of Options.SecretKey: an AES-256 key's worth
// of random bytes, from which identity derives its own keys (HKDF-SHA256),
// so the same platform secret can serve other purposes without reuse.
const SecretKeyLen = 32

// sealedPrefix starts a TOTP secret stored encrypted: "v1:" then unpadded
// base64url of the GCM nonce, ciphertext and tag. A stored value without it
// is a base32 secret written before encryption (SealTOTPSecrets converts
// those).
const sealedPrefix = "v1:"

// sealer encrypts TOTP secrets at rest with AES-256-GCM. The account id is
// the additional data, so a ciphertext copied onto another account's row
// does not decrypt there.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(master []byte) (*sealer, error) {
	if len(master) != SecretKeyLen {
		return nil, fmt.Errorf("identity.New: Options.SecretKey must be %d bytes, got %d", SecretKeyLen, len(master))
	}
	key, err := hkdf.Key(sha256.New, master, nil, "chinhquyen/identity/totp-secret/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive TOTP key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func sealAD(accountID int64) []byte {
	return []byte("identity_accounts.totp_secret:" + strconv.FormatInt(accountID, 10))
}

// seal encrypts a base32 TOTP secret for storage in accountID's row.
func (s *sealer) seal(accountID int64, secret string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("identity: crypto/rand failed: " + err.Error())
	}
	out := s.aead.Seal(nonce, nonce, []byte(secret), sealAD(accountID))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out)
}

// errUnseal is the people's side of a TOTP secret that does not decrypt:
// almost always a server started with another --secret-key than the one
// that encrypted the data. Operators see the cause in the log.
func errUnseal(err error) error {
	return apperr.Wrap(err, apperr.Unavailable, "Máy chủ không đọc được khoá xác thực hai lớp (sai cấu hình khoá bí mật). Vui lòng báo quản trị hệ thống")
}

// reseal encrypts a plain secret read from accountID's row in place
// (compare-and-set) and returns the value now stored; on any failure the
// plain value stays, and still works.
func (s *Service) reseal(ctx context.Context, accountID int64, stored string) string {
	if stored == "" || strings.HasPrefix(stored, sealedPrefix) {
		return stored
	}
	sealed := s.box.seal(accountID, stored)
	res, err := s.db.Writer().ExecContext(ctx, "UPDATE identity_accounts SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3", sealed, accountID, stored)
	if err != nil {
		s.log.WarnContext(ctx, "encrypt a plain TOTP secret", "account", accountID, "err", err)
		return stored
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return stored
	}
	return sealed
}

// open returns the base32 secret of a stored value: decrypted when sealed,
// as is when written before encryption, "" for "".
func (s *sealer) open(accountID int64, stored string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return "", errUnseal(fmt.Errorf("TOTP secret of account %d: malformed ciphertext", accountID))
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], sealAD(accountID))
	if err != nil {
		return "", errUnseal(fmt.Errorf("TOTP secret of account %d does not decrypt with the configured secret key (another --secret-key than the one that encrypted it?): %w", accountID, err))
	}
	return string(plain), nil
}

// SealTOTPSecrets encrypts the TOTP secrets still stored in plain text
// (written before secrets were encrypted at rest) and returns how many it
// converted. The application runs it at every start: after the first
// complete run a mark in identity_jobs makes it a single lookup. Replicas
// running it together convert each row once (compare-and-set); one audit
// entry records the conversion. A plain secret written later (an old
// replica during a rolling upgrade) is encrypted when next read.
func (s *Service) SealTOTPSecrets(ctx context.Context) (int, error) {
	var done int
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM identity_jobs WHERE name = 'totp-seal'").Scan(&done); err != nil || done > 0 {
		return 0, err
	}
	type row struct {
		id     int64
		secret string
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, totp_secret FROM identity_accounts WHERE totp_secret <> '' AND totp_secret NOT LIKE 'v1:%' ORDER BY id")
	if err != nil {
		return 0, fmt.Errorf("find plain TOTP secrets: %w", err)
	}
	var plain []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.secret); err != nil {
			rows.Close()
			return 0, err
		}
		plain = append(plain, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		if _, err := tx.ExecContext(ctx, "INSERT INTO identity_jobs (name, last_run) VALUES ('totp-seal', $1) ON CONFLICT (name) DO NOTHING", micros(s.now())); err != nil {
			return fmt.Errorf("mark TOTP secrets encrypted: %w", err)
		}
		for _, r := range plain {
			res, err := tx.ExecContext(ctx, "UPDATE identity_accounts SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3",
				s.box.seal(r.id, r.secret), r.id, r.secret)
			if err != nil {
				return fmt.Errorf("encrypt TOTP secret of %d: %w", r.id, err)
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		return s.record(ctx, tx, actor.SystemActor("identity"), "identity.totp.seal", "totp-secrets", audit.OutcomeOK, "",
			map[string]any{"accounts": n})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
