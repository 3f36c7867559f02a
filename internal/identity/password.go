package identity

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Params are the argon2id parameters of new password hashes (RFC 9106).
// Stored hashes carry their own parameters; a login with an older set
// rehashes the password with the current one.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams follow the OWASP minimum for argon2id: 19 MiB, 2 passes, 1
// lane (about 25–40 ms per hash on one core of a small server).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Validate refuses parameters too weak to protect a password or so large
// they would let a few logins exhaust memory.
func (p Params) Validate() error {
	switch {
	case p.Memory < 8*1024 || p.Memory > 1024*1024:
		return apperr.New(apperr.Invalid, "Tham số argon2id: bộ nhớ phải từ 8192 đến 1048576 KiB")
	case p.Time < 1 || p.Time > 20:
		return apperr.New(apperr.Invalid, "Tham số argon2id: số lượt phải từ 1 đến 20")
	case p.Threads < 1 || p.Threads > 16:
		return apperr.New(apperr.Invalid, "Tham số argon2id: số luồng phải từ 1 đến 16")
	case p.SaltLen < 16 || p.SaltLen > 64 || p.KeyLen < 16 || p.KeyLen > 64:
		return apperr.New(apperr.Invalid, "Tham số argon2id: độ dài muối và khoá phải từ 16 đến 64 byte")
	}
	return nil
}

// HashPassword returns the encoded argon2id hash of password:
// $argon2id$v=19$m=…,t=…,p=…$salt$hash (unpadded standard base64).
func HashPassword(p Params, password string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ParseHash decodes an encoded argon2id hash into its parameters, salt and
// key. It is strict: anything else returns an error.
func ParseHash(encoded string) (Params, []byte, []byte, error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("malformed argon2id hash: %s", why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("layout")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("version")
	}
	var p Params
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return bad("parameters")
	}
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
			return bad("parameter " + name)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("parameter " + name)
		}
		switch i {
		case 0:
			p.Memory = uint32(n)
		case 1:
			p.Time = uint32(n)
		case 2:
			if n > 255 {
				return bad("parallelism")
			}
			p.Threads = uint8(n)
		}
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return bad("salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return bad("hash")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.Validate(); err != nil {
		return bad("parameters out of range")
	}
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches the encoded hash, and
// whether the hash should be recomputed because its parameters differ from
// want. A malformed hash is an error (never a match).
func VerifyPassword(encoded, password string, want Params) (ok, rehash bool, err error) {
	p, salt, key, err := ParseHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != want, nil
}

//go:embed data/common-passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[compact(line)] = true
	}
	return m
}()

// compact folds s (lower case, no diacritics) and keeps letters and digits.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, locale.Fold(s))
}

// MinPasswordLen is the policy's minimum length in characters.
const MinPasswordLen = 10

// MaxPasswordLen bounds what is hashed (bytes), so a huge body cannot make
// argon2 work on megabytes.
const MaxPasswordLen = 256

// CheckPassword applies the password policy: at least MinPasswordLen
// characters, not equal to or containing the login (username, CCCD, tax
// code) or the person's name, not a common password or a common password
// with digits or symbols appended, not one repeated character, and not a
// keyboard or digit sequence. It returns EINVALID with the reason.
func CheckPassword(password, login, name string) error {
	field := "password"
	if !utf8.ValidString(password) {
		return apperr.FieldError(field, "Mật khẩu chứa ký tự không hợp lệ")
	}
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return apperr.FieldError(field, "Mật khẩu cần ít nhất %d ký tự", MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return apperr.FieldError(field, "Mật khẩu quá dài (tối đa %d byte)", MaxPasswordLen)
	}
	c := compact(password)
	if l := compact(login); len(l) >= 3 && strings.Contains(c, l) {
		return apperr.FieldError(field, "Mật khẩu không được chứa tên đăng nhập, số CCCD hoặc mã số thuế")
	}
	for _, part := range strings.Fields(locale.Fold(name)) {
		if p := compact(part); len(p) >= 4 && strings.Contains(c, p) {
			return apperr.FieldError(field, "Mật khẩu không được chứa họ tên")
		}
	}
	if n := compact(name); len(n) >= 4 && strings.Contains(c, n) {
		return apperr.FieldError(field, "Mật khẩu không được chứa họ tên")
	}
	stem := strings.TrimRightFunc(c, unicode.IsDigit)
	stem = strings.TrimLeftFunc(stem, unicode.IsDigit)
	if commonPasswords[c] || commonPasswords[stem] || (stem == "" && commonPasswords[c[:min(len(c), 10)]]) {
		return apperr.FieldError(field, "Mật khẩu quá phổ biến, dễ bị đoán: hãy chọn cụm từ khác")
	}
	if isRepeat(c) || isSequence(c) {
		return apperr.FieldError(field, "Mật khẩu là chuỗi ký tự lặp lại hoặc liên tiếp, dễ bị đoán")
	}
	return nil
}

// isRepeat reports whether s is one short unit repeated ("aaaa", "abab",
// "123123123").
func isRepeat(s string) bool {
	for unit := 1; unit <= 3 && unit < len(s); unit++ {
		if len(s)%unit == 0 && strings.Repeat(s[:unit], len(s)/unit) == s {
			return true
		}
	}
	return false
}

// isSequence reports whether s is a run of consecutive characters (up or
// down) or lies in a keyboard row.
func isSequence(s string) bool {
	if len(s) < 4 {
		return false
	}
	for _, row := range []string{"01234567890", "09876543210", "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba",
		"qwertyuiopasdfghjklzxcvbnm", "mnbvcxzlkjhgfdsapoiuytrewq", "asdfghjkl", "lkjhgfdsa", "zxcvbnm", "mnbvcxz", "1qaz2wsx3edc4rfv5tgb", "1q2w3e4r5t6y7u8i9o0p"} {
		if strings.Contains(strings.Repeat(row, 3), s) {
			return true
		}
	}
	return false
}
