package identity

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// KnownDeviceTTL is how long a known-device token lets its browser through
// a lockout after the sign-in that issued it.
const KnownDeviceTTL = 90 * 24 * time.Hour

func deviceKey(master []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, master, nil, "chinhquyen/identity/known-device/v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive known-device key: %w", err)
	}
	return k, nil
}

// DeviceToken returns a known-device token for accountID issued now:
// "d1.<account>.<unix seconds>.<HMAC-SHA256>" (the MAC unpadded base64url,
// keyed from Options.SecretKey). The browser keeps it in a long-lived
// cookie after a sign-in that passed the second factor; holding it proves
// that browser signed in to that account before, so a lockout caused by
// someone else's guessing does not shut the owner out (Login).
func (s *Service) DeviceToken(accountID int64) string {
	body := "d1." + strconv.FormatInt(accountID, 10) + "." + strconv.FormatInt(s.now().Unix(), 10)
	return body + "." + s.deviceMAC(body)
}

func (s *Service) deviceMAC(body string) string {
	m := hmac.New(sha256.New, s.devK)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// knownDevice reports whether token is a valid, unexpired known-device
// token of accountID.
func (s *Service) knownDevice(token string, accountID int64) bool {
	return s.deviceKind(token, accountID) == "d1"
}

// seenDeviceToken returns a seen-device token for accountID:
// "s1.<account>.<unix seconds>.<MAC>". It is issued after a password-only
// web sign-in and says only that this browser signed in to the account
// before, so the holder is not told of a new device each time; unlike a
// known-device token it passes no lock, since no second factor vouched
// for it.
func (s *Service) seenDeviceToken(accountID int64) string {
	body := "s1." + strconv.FormatInt(accountID, 10) + "." + strconv.FormatInt(s.now().Unix(), 10)
	return body + "." + s.deviceMAC(body)
}

// seenDevice reports whether token is a valid, unexpired known-device or
// seen-device token of accountID.
func (s *Service) seenDevice(token string, accountID int64) bool {
	k := s.deviceKind(token, accountID)
	return k == "d1" || k == "s1"
}

// deviceKind returns the kind ("d1" or "s1") of a valid, unexpired device
// token of accountID, "" for anything else.
func (s *Service) deviceKind(token string, accountID int64) string {
	if token == "" || len(token) > 120 {
		return ""
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 || !hmac.Equal([]byte(token[i+1:]), []byte(s.deviceMAC(token[:i]))) {
		return ""
	}
	parts := strings.Split(token[:i], ".")
	if len(parts) != 3 || (parts[0] != "d1" && parts[0] != "s1") || parts[1] != strconv.FormatInt(accountID, 10) {
		return ""
	}
	issued, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return ""
	}
	if age := s.now().Sub(time.Unix(issued, 0)); age < -time.Minute || age >= KnownDeviceTTL {
		return ""
	}
	return parts[0]
}
