package outreach

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// sealer keeps residents' phone numbers and one-time codes: AES-256-GCM
// with a key derived (HKDF-SHA256) from the platform secret key, the
// column and row as additional data; a keyed hash (HMAC-SHA256 under
// another derived key) finds a number without decrypting every row; and
// unsubscribe links are signed with a third key.
type sealer struct {
	aead      cipher.AEAD
	lookupKey []byte
	linkKey   []byte
}

const sealedPrefix = "v1:"

func newSealer(master []byte) (*sealer, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("outreach.New: Options.SecretKey must be 32 bytes, got %d", len(master))
	}
	key, err := hkdf.Key(sha256.New, master, nil, "chinhquyen/outreach/phone/v1", 32)
	if err != nil {
		return nil, err
	}
	lookup, err := hkdf.Key(sha256.New, master, nil, "chinhquyen/outreach/phone-lookup/v1", 32)
	if err != nil {
		return nil, err
	}
	link, err := hkdf.Key(sha256.New, master, nil, "chinhquyen/outreach/unsubscribe-link/v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, lookupKey: lookup, linkKey: link}, nil
}

// hash is the lookup key of a normalised phone number.
func (s *sealer) hash(phone string) string {
	m := hmac.New(sha256.New, s.lookupKey)
	m.Write([]byte(phone))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal encrypts value for column col of the row keyed by hash (the
// phone's lookup hash, known before the row's id).
func (s *sealer) seal(col, rowKey, value string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(value)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("outreach: crypto/rand failed: " + err.Error())
	}
	out := s.aead.Seal(nonce, nonce, []byte(value), []byte("outreach_subscribers."+col+":"+rowKey))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out)
}

func (s *sealer) open(col, rowKey, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return "", apperr.New(apperr.Internal, "Dữ liệu mã hoá không hợp lệ")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n+s.aead.Overhead() {
		return "", apperr.New(apperr.Internal, "Dữ liệu mã hoá không hợp lệ")
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte("outreach_subscribers."+col+":"+rowKey))
	if err != nil {
		return "", apperr.Wrap(err, apperr.Unavailable, "Máy chủ không giải mã được số điện thoại (sai cấu hình khoá bí mật). Vui lòng báo quản trị hệ thống")
	}
	return string(plain), nil
}

// token signs a subscriber id for an unsubscribe link: "id.mac".
func (s *sealer) token(id int64) string {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte("unsubscribe:" + strconv.FormatInt(id, 10)))
	return strconv.FormatInt(id, 10) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// checkToken returns the subscriber id of a valid token.
func (s *sealer) checkToken(tok string) (int64, bool) {
	if len(tok) > 100 {
		return 0, false
	}
	idText, _, ok := strings.Cut(tok, ".")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, hmac.Equal([]byte(s.token(id)), []byte(tok))
}

// maskPhone shows a number as 09x****567.
func maskPhone(p string) string {
	if len(p) != 10 {
		return "**********"
	}
	return p[:3] + "****" + p[7:]
}
