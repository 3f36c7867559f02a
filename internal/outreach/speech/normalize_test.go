package speech

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// A golden file holds cases as pairs of lines: "< input" then "> spoken".
// Lines starting with "#" and blank lines are comments.
func TestNormalizeGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			var out []string
			for i := 0; i < len(lines); i++ {
				l := lines[i]
				if !strings.HasPrefix(l, "< ") {
					if !strings.HasPrefix(l, "> ") {
						out = append(out, l)
					}
					continue
				}
				in := strings.TrimPrefix(l, "< ")
				got := Normalize(in)
				out = append(out, l, "> "+got)
				if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "> ") {
					i++
					if want := strings.TrimPrefix(lines[i], "> "); got != want && !*update {
						t.Errorf("%s:%d\n  in:   %s\n  got:  %s\n  want: %s", file, i, in, got, want)
					}
				} else if !*update {
					t.Errorf("%s:%d: no expected line for %q", file, i+1, in)
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(strings.Join(out, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestNumber(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "không", 1: "một", 5: "năm", 10: "mười", 11: "mười một", 14: "mười bốn", 15: "mười lăm",
		20: "hai mươi", 21: "hai mươi mốt", 24: "hai mươi tư", 25: "hai mươi lăm", 55: "năm mươi lăm",
		100: "một trăm", 101: "một trăm linh một", 104: "một trăm linh bốn", 105: "một trăm linh năm",
		110: "một trăm mười", 115: "một trăm mười lăm", 121: "một trăm hai mươi mốt",
		1000: "một nghìn", 1001: "một nghìn không trăm linh một", 1010: "một nghìn không trăm mười",
		1100: "một nghìn một trăm", 2026: "hai nghìn không trăm hai mươi sáu",
		10_000: "mười nghìn", 15_000: "mười lăm nghìn", 21_000: "hai mươi mốt nghìn",
		1_000_000: "một triệu", 1_000_500: "một triệu năm trăm",
		2_005_000:         "hai triệu không trăm linh năm nghìn",
		1_000_000_000:     "một tỷ",
		3_000_000_021:     "ba tỷ không trăm hai mươi mốt",
		1_000_000_000_000: "một nghìn tỷ",
	} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "UBND 20.000đ 10/12/2026 14h30 0912345678 15%", "99999999999999999999999", "31/02/0000 25:61", "TP.", "\xff\x00đ", "v.v.v.v."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q) = %q: not UTF-8", s, got)
		}
		if len(s) <= 1000 && len(got) > 40*len(s)+64 {
			t.Fatalf("Normalize(%q) grew to %d bytes", s, len(got))
		}
		if strings.ContainsAny(got, "0123456789") {
			t.Fatalf("Normalize left digits: %q → %q", s, got)
		}
	})
}
