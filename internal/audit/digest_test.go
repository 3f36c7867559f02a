package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
)

func TestSensitiveName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"password", true}, {"Password", true}, {"PasswordHash", true}, {"password_hash", true},
		{"api_key", true}, {"apiKey", true}, {"APIKey", true}, {"privateKey", true},
		{"totpSecret", true}, {"otp", true}, {"OTPCode", true}, {"access-token", true}, {"refreshToken", true},
		{"secret", true}, {"clientSecret", true}, {"pin", true},
		{"keyword", false}, {"monkey", false}, {"name", false}, {"tokenizer", false}, {"passport", false},
		{"secretary", false}, {"ho_ten", false}, {"", false},
	}
	for _, tc := range tests {
		if got := audit.SensitiveName(tc.name); got != tc.want {
			t.Errorf("SensitiveName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

type inner struct {
	Token string `json:"tok"`
	Note  string
}

type account struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Password   string `json:"password_hash"`
	PIN        string `json:"code" audit:"redact"`
	Internal   string `json:"-"`
	Hidden     string `json:"hidden" audit:"-"`
	Empty      string `json:"empty,omitempty"`
	Photo      []byte `json:"photo"`
	Inner      inner  `json:"inner"`
	Tags       map[string]any
	When       time.Time `json:"when"`
	unexported int
}

func TestRedact(t *testing.T) {
	a := account{ID: 7, Name: "Nguyễn Văn Đức", Password: "$argon2id$…", PIN: "1234", Internal: "x", Hidden: "y",
		Photo: []byte("JPEG…"), Inner: inner{Token: "abc", Note: "ok"},
		Tags: map[string]any{"otp_secret": "s", "unit": 3, "nested": map[string]any{"apiKey": "k"}},
		When: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), unexported: 1}
	got, err := audit.CanonicalJSON(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Tags":{"nested":{"apiKey":"[redacted]"},"otp_secret":"[redacted]","unit":3},"code":"[redacted]","id":7,` +
		`"inner":{"Note":"ok","tok":"[redacted]"},"name":"Nguyễn Văn Đức","password_hash":"[redacted]",` +
		`"photo":"sha256:5c4f7cf3c7a8f1a4a1c7a3ad2e2f7d3dcd5bc6ed1e1f6b0f0c9d0b23b5ef8e4a","when":"2026-11-25T09:00:00Z"}`
	// The photo digest is computed, not typed: check everything else exactly.
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	photo, _ := m["photo"].(string)
	if !strings.HasPrefix(photo, "sha256:") || len(photo) != 7+64 {
		t.Fatalf("photo = %q, want its digest", photo)
	}
	gotNoPhoto := strings.Replace(string(got), photo, "P", 1)
	wantNoPhoto := strings.Replace(want, want[strings.Index(want, "sha256:"):strings.Index(want, "sha256:")+71], "P", 1)
	if gotNoPhoto != wantNoPhoto {
		t.Fatalf("CanonicalJSON =\n%s\nwant\n%s", got, want)
	}
	for _, secret := range []string{"$argon2id", "1234", "abc", `"s"`, `"k"`, "JPEG", "hidden", `"x"`} {
		if strings.Contains(string(got), secret) {
			t.Fatalf("secret %s leaked into %s", secret, got)
		}
	}
}

func TestDigestIsCanonical(t *testing.T) {
	// Map order, struct vs map, and pointer vs value do not change the digest.
	type unit struct {
		Name   string `json:"name"`
		Parent int    `json:"parent"`
	}
	a, err := audit.Digest(map[string]any{"parent": 1, "name": "Xã Đông"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{unit{"Xã Đông", 1}, &unit{"Xã Đông", 1}, map[string]any{"name": "Xã Đông", "parent": 1.0},
		json.RawMessage(`{ "parent" : 1, "name": "Xã Đông" }`)} {
		b, err := audit.Digest(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Fatalf("Digest(%#v) differs", v)
		}
	}
	c, _ := audit.Digest(map[string]any{"parent": 2, "name": "Xã Đông"})
	if string(a) == string(c) || len(a) != 32 {
		t.Fatal("different values gave the same digest")
	}
	if d, err := audit.Digest(nil); d != nil || err != nil {
		t.Fatalf("Digest(nil) = %x, %v", d, err)
	}
	var p *unit
	if d, err := audit.Digest(p); d != nil || err != nil {
		t.Fatalf("Digest(nil pointer) = %x, %v", d, err)
	}
	if _, err := audit.Digest(make(chan int)); err == nil {
		t.Fatal("Digest(chan) succeeded")
	}
}

func TestChangedFields(t *testing.T) {
	type unit struct {
		Name     string `json:"name"`
		Parent   int    `json:"parent"`
		Password string `json:"password"`
		Note     string `json:"note" audit:"-"`
	}
	tests := []struct {
		name          string
		before, after any
		want          string
	}{
		{"rename", unit{Name: "A", Parent: 1}, unit{Name: "B", Parent: 1}, "name"},
		{"password only by name", unit{Password: "x"}, unit{Password: "y"}, "password"},
		{"ignored field", unit{Note: "x"}, unit{Note: "y"}, ""},
		{"create", nil, map[string]any{"name": "A", "code": 1}, "code,name"},
		{"delete", map[string]any{"name": "A"}, nil, "name"},
		{"same", map[string]any{"n": 1.0}, map[string]any{"n": 1}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := audit.ChangedFields(tc.before, tc.after)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("ChangedFields = %v, want %s", got, tc.want)
			}
		})
	}
	if _, err := audit.ChangedFields(1, 2); err == nil {
		t.Fatal("ChangedFields of numbers succeeded")
	}
}
