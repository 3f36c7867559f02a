package notify

import (
	"strconv"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

func TestVerifySignature(t *testing.T) {
	secret := []byte("bí mật chung của hai bên, đủ dài")
	body := []byte(`{"a":"Hà Nội"}`)
	now := clock.Now()
	ts := now.Unix()
	sig := Sign(secret, ts, body)
	if len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	tsText := strconv.FormatInt(ts, 10)
	old := strconv.FormatInt(now.Add(-MaxSkew-time.Second).Unix(), 10)
	for _, tc := range []struct {
		name, ts, sig string
		body          []byte
		ok            bool
	}{
		{"good", tsText, sig, body, true},
		{"body changed", tsText, sig, []byte(`{"a":"Hà Nam"}`), false},
		{"timestamp changed", strconv.FormatInt(ts+1, 10), sig, body, false},
		{"replayed later", old, Sign(secret, now.Add(-MaxSkew-time.Second).Unix(), body), body, false},
		{"leading zero", "0" + tsText, sig, body, false},
		{"no timestamp", "", sig, body, false},
		{"other secret", tsText, Sign([]byte("một bí mật khác, cũng đủ dài"), ts, body), body, false},
		{"bare hex", tsText, sig[len("sha256="):], body, false},
	} {
		if err := VerifySignature(secret, tc.ts, tc.sig, tc.body, now); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func FuzzVerifySignature(f *testing.F) {
	secret := []byte("bí mật chung của hai bên, đủ dài")
	now := time.Unix(1_800_000_000, 0)
	f.Add("1800000000", Sign(secret, 1_800_000_000, []byte("{}")), []byte("{}"))
	f.Add("-1", "sha256=00", []byte(nil))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		err := VerifySignature(secret, ts, sig, body, now)
		if err == nil {
			n, perr := strconv.ParseInt(ts, 10, 64)
			if perr != nil || sig != Sign(secret, n, body) {
				t.Fatalf("accepted ts=%q sig=%q", ts, sig)
			}
		}
	})
}
