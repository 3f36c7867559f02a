package identity

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func TestParseCCCD(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"Hà Nội, male born 1990", "001090012345", "001090012345", true},
		{"with spaces", " 001 090 012 345 ", "001090012345", true},
		{"born 2005", "079305001234", "079305001234", true},
		{"11 digits", "00109001234", "", false},
		{"13 digits", "0010900123456", "", false},
		{"letters", "00109001234a", "", false},
		{"unknown province 003", "003090012345", "", false},
		{"province 099", "099090012345", "", false},
		{"born in the future (2030)", "001230012345", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCCCD(tt.in, 2026)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseCCCD(%q) = %q, %v", tt.in, got, err)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code = %s", apperr.CodeOf(err))
			}
		})
	}
}

func TestParseTaxCode(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"10 digits (check digit 6)", "0100109106", "0100109106", true},
		{"demo business", DemoBusinessTaxID, DemoBusinessTaxID, true},
		{"branch with dash", "0100109106-001", "0100109106-001", true},
		{"branch without dash", "0100109106001", "0100109106-001", true},
		{"spaces and dots", "0100.109.106", "0100109106", true},
		{"wrong check digit", "0100109107", "", false},
		{"illustrative 0101234567 fails its check digit", "0101234567", "", false},
		{"province 00", "0000109106", "", false},
		{"branch 000", "0100109106-000", "", false},
		{"12 digits: personal number", "001090012345", "", false},
		{"9 digits", "010010910", "", false},
		{"letters", "01001O9106", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTaxCode(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseTaxCode(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestParsePhoneEmailUsername(t *testing.T) {
	phones := []struct{ in, want string }{
		{"0912345678", "0912345678"}, {"+84 912 345 678", "0912345678"}, {"84912345678", "0912345678"},
		{"091.234.5678", "0912345678"}, {"0212345678", ""}, {"091234567", ""}, {"09123456789", ""}, {"abc", ""},
	}
	for _, p := range phones {
		got, err := ParsePhone(p.in)
		if (err == nil) != (p.want != "") || got != p.want {
			t.Errorf("ParsePhone(%q) = %q, %v", p.in, got, err)
		}
	}
	emails := []struct{ in, want string }{
		{"dan@Example.VN", "dan@example.vn"}, {" a.b@x.gov.vn ", "a.b@x.gov.vn"},
		{"Dân <dan@example.vn>", ""}, {"dan@localhost", ""}, {"@example.vn", ""}, {"dan", ""},
	}
	for _, e := range emails {
		got, err := ParseEmail(e.in)
		if (err == nil) != (e.want != "") || got != e.want {
			t.Errorf("ParseEmail(%q) = %q, %v", e.in, got, err)
		}
	}
	users := []struct{ in, want string }{
		{"Nguyen.Van-A", "nguyen.van-a"}, {"ab", ""}, {"1abc", ""}, {"nguyễn", ""}, {"a b c", ""},
	}
	for _, u := range users {
		got, err := ParseUsername(u.in)
		if (err == nil) != (u.want != "") || got != u.want {
			t.Errorf("ParseUsername(%q) = %q, %v", u.in, got, err)
		}
	}
}

func TestCleanNameNormalisesToNFC(t *testing.T) {
	got, err := CleanName("  Nguye\u0302\u0303n   Va\u0306n  A ")
	if err != nil || got != "Nguyễn Văn A" {
		t.Fatalf("CleanName = %q, %v", got, err)
	}
	for _, bad := range []string{"", "   ", "a\x00b", "\xff"} {
		if _, err := CleanName(bad); err == nil {
			t.Errorf("CleanName(%q) accepted", bad)
		}
	}
}

func TestNormalizeLogin(t *testing.T) {
	for in, want := range map[string]string{
		" 001 090 012 345": "001090012345", "0100109106-001": "0100109106-001", "0100109106001": "0100109106-001",
		"Demo.Clerk": "demo.clerk",
	} {
		if got := NormalizeLogin(in); got != want {
			t.Errorf("NormalizeLogin(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseCCCD(f *testing.F) {
	for _, s := range []string{"001090012345", "079305001234", " 0 0 1", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseCCCD(s, 2026)
		if err != nil {
			return
		}
		if len(got) != 12 || !allDigits(got) {
			t.Fatalf("ParseCCCD(%q) = %q", s, got)
		}
		if again, err := ParseCCCD(got, 2026); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", got, again, err)
		}
	})
}

func FuzzParseTaxCode(f *testing.F) {
	for _, s := range []string{"0100109106", "0100109106-001", "0101234567", "", "----------"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTaxCode(s)
		if err != nil {
			return
		}
		if (len(got) != 10 && len(got) != 14) || !allDigits(got[:10]) {
			t.Fatalf("ParseTaxCode(%q) = %q", s, got)
		}
		if again, err := ParseTaxCode(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", got, again, err)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84912345678", "84 91 234 5678", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePhone(s)
		if err != nil {
			return
		}
		if len(got) != 10 || got[0] != '0' || !allDigits(got) {
			t.Fatalf("ParsePhone(%q) = %q", s, got)
		}
	})
}

func FuzzParseToken(f *testing.F) {
	f.Add(newSecret())
	f.Add(APITokenPrefix + newSecret())
	f.Add("")
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("_", 44))
	f.Fuzz(func(t *testing.T, s string) {
		tok, api, err := ParseToken(s)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("code %s", apperr.CodeOf(err))
			}
			return
		}
		if tok != s || api != strings.HasPrefix(s, APITokenPrefix) || !utf8.ValidString(s) {
			t.Fatalf("ParseToken(%q) = %q, %v", s, tok, api)
		}
		if len(strings.TrimPrefix(s, APITokenPrefix)) != tokenLen {
			t.Fatalf("accepted length %d", len(s))
		}
	})
}

func FuzzParseBearer(f *testing.F) {
	f.Add("Bearer abc")
	f.Add("bearer  x")
	f.Add("Basic abc")
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := ParseBearer(h)
		if ok && (tok == "" || strings.ContainsAny(tok, " \t")) {
			t.Fatalf("ParseBearer(%q) = %q", h, tok)
		}
	})
}

func FuzzParseHash(f *testing.F) {
	h, _ := HashPassword(Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, "x")
	f.Add(h)
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$")
	f.Add("$argon2i$v=19$m=8192,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := ParseHash(s)
		if err != nil {
			return
		}
		if p.Validate() != nil || len(salt) < 16 || len(key) < 16 {
			t.Fatalf("ParseHash(%q) accepted %+v", s, p)
		}
	})
}
