package exchange_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// FuzzParseDirectory: a peer's directory never panics the parser, and what
// it accepts is within the bounds.
func FuzzParseDirectory(f *testing.F) {
	id := newIdentity(f, "Nút thử")
	good, err := exchange.SignDirectory(exchange.Directory{URL: "https://nut.example.vn", IssuedAt: time.Unix(1_800_000_000, 0).UTC(),
		Agencies: []exchange.Agency{{Code: "G09", Name: "Bộ Nội vụ"}, {Code: "H24.01", Name: "Văn phòng UBND tỉnh"}}}, id)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"payload":"e30=","signature":"AAAA"}`))
	f.Add([]byte(`{"payload":"` + string(make([]byte, 10)) + `"}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := exchange.ParseDirectory(data, id.Cert)
		if err != nil {
			return
		}
		if len(d.Agencies) > exchange.MaxAgencies {
			t.Fatalf("%d agencies accepted", len(d.Agencies))
		}
		seen := map[string]bool{}
		for _, a := range d.Agencies {
			if a.Code == "" || len(a.Code) > exchange.MaxCodeLen || seen[a.Code] || len(a.Name) > exchange.MaxNameLen {
				t.Fatalf("accepted agency %+v", a)
			}
			seen[a.Code] = true
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatal(err)
		}
	})
}

// TestParseDirectoryRefuses: a directory signed by another key, with a
// duplicate or malformed code, or unknown fields is refused.
func TestParseDirectoryRefuses(t *testing.T) {
	id, other := newIdentity(t, "Nút A"), newIdentity(t, "Nút B")
	sign := func(d exchange.Directory) []byte {
		b, err := exchange.SignDirectory(d, id)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ok := exchange.Directory{URL: "https://a.example.vn", Agencies: []exchange.Agency{{Code: "G09", Name: "Bộ Nội vụ"}}}
	if d, err := exchange.ParseDirectory(sign(ok), id.Cert); err != nil || d.Agencies[0].Name != "Bộ Nội vụ" {
		t.Fatalf("good directory: %+v %v", d, err)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"other key":  {sign(ok), "Chữ ký của danh bạ không khớp"},
		"duplicate":  {sign(exchange.Directory{Agencies: []exchange.Agency{{Code: "G09"}, {Code: "G09"}}}), "lặp lại"},
		"bad code":   {sign(exchange.Directory{Agencies: []exchange.Agency{{Code: "G 09"}}}), "ký tự không hợp lệ"},
		"empty code": {sign(exchange.Directory{Agencies: []exchange.Agency{{Name: "x"}}}), "rỗng"},
		"unknown":    {[]byte(`{"payload":"e30=","signature":"AAAA","x":1}`), "không đọc được JSON"},
		"unsigned":   {[]byte(`{"payload":"e30="}`), "thiếu nội dung hoặc chữ ký"},
	}
	for name, c := range cases {
		cert := id.Cert
		if name == "other key" {
			cert = other.Cert
		}
		_, err := exchange.ParseDirectory(c.data, cert)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
