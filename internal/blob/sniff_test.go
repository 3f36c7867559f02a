package blob_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
)

func TestSniff(t *testing.T) {
	bomb := blobtest.ZipBomb(t)
	// Overlapping entries: two directory records pointing at one local
	// file, the construction of non-recursive ZIP bombs.
	overlap := blobtest.Zip(t, []blobtest.Entry{{Name: "[Content_Types].xml"}, {Name: "word/document.xml"}})
	overlap = overlapSecond(t, overlap)
	cases := []struct {
		name string
		data []byte
		want string // media type, or "" for a refusal
	}{
		{"pdf", blobtest.PDF(), blob.TypePDF},
		{"png", blobtest.PNG(), blob.TypePNG},
		{"jpeg", blobtest.JPEG(), blob.TypeJPEG},
		{"docx", blobtest.DOCX(t), blob.TypeDOCX},
		{"xlsx", blobtest.XLSX(t), blob.TypeXLSX},
		{"odt", blobtest.ODT(t), blob.TypeODT},
		{"empty", nil, ""},
		{"text", []byte("hello"), ""},
		{"exe", []byte("MZ\x90\x00"), ""},
		{"plain zip", blobtest.Zip(t, []blobtest.Entry{{Name: "a.txt"}}), ""},
		{"odt deflated mimetype", blobtest.Zip(t, []blobtest.Entry{{Name: "mimetype", Data: []byte(blob.TypeODT)}}), ""},
		{"zip bomb", bomb, ""},
		{"overlapping entries", overlap, ""},
		{"truncated zip", blobtest.DOCX(t)[:40], ""},
	}
	for _, tc := range cases {
		got, err := blob.Sniff(bytes.NewReader(tc.data), int64(len(tc.data)))
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("%s: Sniff = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// overlapSecond points the second central directory record at the first
// entry's local header.
func overlapSecond(t *testing.T, z []byte) []byte {
	z = bytes.Clone(z)
	first := bytes.Index(z, []byte("PK\x01\x02"))
	second := bytes.Index(z[first+4:], []byte("PK\x01\x02")) + first + 4
	copy(z[second+42:second+46], z[first+42:first+46])
	return z
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd.pdf":             "passwd.pdf",
		`C:\Users\An\Quyết định.pdf`:       "Quyết định.pdf",
		"Quyê\u0301t\x00 đi\u0323nh\n.pdf": "Quyết định.pdf",
		"hoa-don\u202Efdp.exe":             "hoa-donfdp.exe",
		"  ..  ":                           "tệp",
		"":                                 "tệp",
		".pdf":                             "tệp.pdf",
		"a<b>:c|d?.pdf":                    "a_b__c_d_.pdf",
		"..":                               "tệp",
	} {
		if got := blob.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("ữ", 200) + ".docx"
	if got := blob.CleanName(long); len(got) > 255 || !strings.HasSuffix(got, ".docx") || !utf8.ValidString(got) {
		t.Errorf("long name → %q (%d bytes)", got, len(got))
	}
}

func TestNameForType(t *testing.T) {
	if _, err := blob.NameForType("scan.png", blob.TypePDF); err == nil {
		t.Error("a PDF named .png was accepted")
	}
	if n, err := blob.NameForType("scan", blob.TypePDF); err != nil || n != "scan.pdf" {
		t.Errorf("no extension: %q, %v", n, err)
	}
	if n, err := blob.NameForType("ảnh.JPEG", blob.TypeJPEG); err != nil || n != "ảnh.JPEG" {
		t.Errorf("upper-case extension: %q, %v", n, err)
	}
}

func FuzzSniff(f *testing.F) {
	f.Add(blobtest.PDF())
	f.Add(blobtest.DOCX(f))
	f.Add(blobtest.ODT(f))
	f.Add(blobtest.XLSX(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mt, err := blob.Sniff(bytes.NewReader(data), int64(len(data)))
		if (mt == "") != (err != nil) {
			t.Fatalf("Sniff = %q, %v", mt, err)
		}
	})
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"../a.pdf", "a\u202Eb", "Quye\u0301t.pdf", "\xff\xfe.docx", strings.Repeat("đ", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := blob.CleanName(in)
		if got == "" || len(got) > 255+len("tệp") || !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) {
			t.Fatalf("CleanName(%q) = %q", in, got)
		}
		if strings.ContainsAny(got, `/\<>:"|?*`) || got == "." || got == ".." || strings.HasPrefix(got, ".") && got != "tệp" {
			t.Fatalf("CleanName(%q) = %q: unsafe", in, got)
		}
		for _, r := range got {
			if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("CleanName(%q) = %q keeps %U", in, got, r)
			}
		}
		if again := blob.CleanName(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", in, got, again)
		}
	})
}
