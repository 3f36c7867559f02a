package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A typed dossier code is outside input: whatever comes in, what passes is
// a short upper-case code of letters, digits, dots and dashes.
func FuzzTrackCode(f *testing.F) {
	for _, s := range []string{"H15.01.01-261207-0001", " h15.01.01-261207-0001 ", "", "<script>", strings.Repeat("9", 100), "Đ-1", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := trackCode(s)
		if err != nil {
			return
		}
		if code == "" || len(code) > maxTrackCode || !utf8.ValidString(code) || code != strings.ToUpper(code) {
			t.Fatalf("trackCode(%q) = %q", s, code)
		}
		for _, c := range code {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
				t.Fatalf("trackCode(%q) = %q lets %q through", s, code, c)
			}
		}
	})
}

// The sign-in page returns only to a portal page of this site.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/portal/dossiers/new?procedure=1.001193": "/portal/dossiers/new?procedure=1.001193",
		"/portal/dossiers":                        "/portal/dossiers",
		"":                                        "",
		"https://evil.example/portal/":            "",
		"//evil.example/portal/":                  "",
		"/portal/..//evil.example":                "",
		"/portal/\\evil":                          "",
		"/admin/users":                            "",
		"/portal/x\r\nSet-Cookie: a=b":            "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
