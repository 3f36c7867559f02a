package pdf

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenShapes(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		pages int
		kind  XRefKind
	}{
		{"xref table", "table.pdf", 2, XRefTable},
		{"xref stream + object stream (generated)", "objstm-gen.pdf", 3, XRefStream},
		{"object streams by qpdf", "objstm-qpdf.pdf", 2, XRefStream},
		{"hybrid", "hybrid.pdf", 2, XRefTable},
		{"linearized", "linearized.pdf", 2, XRefTable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(fixture(t, tc.file))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			pages, err := r.Pages()
			if err != nil {
				t.Fatalf("Pages: %v", err)
			}
			if len(pages) != tc.pages {
				t.Errorf("pages = %d, want %d", len(pages), tc.pages)
			}
			if r.LastKind() != tc.kind {
				t.Errorf("kind = %v, want %v", r.LastKind(), tc.kind)
			}
			box, err := r.PageBox(pages[0])
			if err != nil || box[2] < 595 || box[3] < 841 {
				t.Errorf("PageBox = %v, %v", box, err)
			}
			// Content streams decode.
			pd, _ := r.Dict(pages[0])
			cs, ok := r.Resolve(pd["Contents"]).(*Stream)
			if !ok {
				t.Fatalf("no content stream")
			}
			data, err := r.DecodeStream(cs)
			if err != nil || !bytes.Contains(data, []byte("UY BAN")) {
				t.Errorf("content = %q, %v", data, err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	table := fixture(t, "table.pdf")
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"not a pdf", []byte("hello world"), ErrCorrupt},
		{"truncated header only", table[:20], ErrCorrupt},
		{"encrypted", fixture(t, "encrypted.pdf"), ErrEncrypted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if apperr.CodeOf(err) != apperr.Invalid || apperr.MessageOf(err) == "" {
				t.Errorf("not an apperr Invalid: %v", err)
			}
		})
	}
}

func TestRepairedTruncated(t *testing.T) {
	table := fixture(t, "table.pdf")
	// Cut off the xref table: the objects are still there, so the reader
	// repairs, but an incremental update is refused.
	i := bytes.LastIndex(table, []byte("xref"))
	r, err := Open(table[:i])
	if err != nil {
		t.Fatalf("Open truncated: %v", err)
	}
	if !r.Repaired() {
		t.Fatal("expected repaired mode")
	}
	if _, err := NewUpdate(r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("NewUpdate on repaired file: %v", err)
	}
}

func TestIncrementalUpdate(t *testing.T) {
	for _, file := range []string{"table.pdf", "objstm-gen.pdf", "objstm-qpdf.pdf", "hybrid.pdf", "linearized.pdf"} {
		t.Run(file, func(t *testing.T) {
			orig := fixture(t, file)
			r, err := Open(orig)
			if err != nil {
				t.Fatal(err)
			}
			kind := r.LastKind()
			u, err := NewUpdate(r)
			if err != nil {
				t.Fatal(err)
			}
			cat, catRef, _ := r.Catalog()
			note := u.Add(Dict{"Type": Name("Note"), "Text": String("Số: 05/QĐ-UBND (x)")})
			c := cat.Clone()
			c["Note"] = note
			u.Set(catRef, c)
			ph := &Placeholder{Fill: []byte("<0000>")}
			u.Add(Array{ph})
			app, err := u.Write()
			if err != nil {
				t.Fatal(err)
			}
			out := append(append([]byte(nil), orig...), app...)
			if !bytes.Equal(out[:len(orig)], orig) {
				t.Fatal("original bytes changed")
			}
			if got := string(out[ph.Offset : ph.Offset+6]); got != "<0000>" {
				t.Fatalf("placeholder offset wrong: %q", got)
			}
			r2, err := Open(out)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			if r2.LastKind() != kind {
				t.Errorf("xref kind changed: %v → %v", kind, r2.LastKind())
			}
			cat2, _, _ := r2.Catalog()
			nd, _ := r2.Dict(cat2["Note"])
			if s, _ := Text(nd["Text"]); s != "Số: 05/QĐ-UBND (x)" {
				t.Errorf("note = %q", s)
			}
			if p, _ := r2.Pages(); len(p) == 0 {
				t.Error("pages lost")
			}
			old, err := r2.AsOf(int64(len(orig)))
			if err != nil {
				t.Fatal(err)
			}
			oc, _, _ := old.Catalog()
			if _, ok := oc["Note"]; ok {
				t.Error("AsOf sees the later revision")
			}
			qpdfCheck(t, out)
		})
	}
}

// qpdfCheck runs `qpdf --check` when qpdf is installed.
func qpdfCheck(t *testing.T, data []byte) {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("qpdf missing in CI (apt-get install qpdf)")
		}
		t.Log("qpdf not installed (apt-get install qpdf): external check skipped")
		return
	}
	f := filepath.Join(t.TempDir(), "out.pdf")
	os.WriteFile(f, data, 0o644)
	out, err := exec.Command("qpdf", "--check", f).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("WARNING")) {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"<< /A 1 0 R /B [1 2.5 (x\\)y) <41 42>] /C#20D true >>", "<</A 1 0 R /B [1 2.5 (x\\)y) <4142>] /C#20D true>>"},
		{"[/a/b 3 -4 .5]", "[/a /b 3 -4 0.5]"},
		{"(a\\101\\\nb)", "(aAb)"},
	}
	for _, tc := range tests {
		o, err := ParseObject([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		b, _ := Marshal(o)
		if string(b) != tc.want {
			t.Errorf("%s → %s, want %s", tc.in, b, tc.want)
		}
	}
}

func TestPredictorPNGAndSizes(t *testing.T) {
	for _, size := range []int{10_000, 300_000} {
		data := pdftest.New(pdftest.Options{Pages: 2, Size: size, Shape: pdftest.ObjStream})
		r, err := Open(data)
		if err != nil {
			t.Fatalf("%d: %v", size, err)
		}
		if p, _ := r.Pages(); len(p) != 2 {
			t.Fatalf("pages %d", len(p))
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, name := range []string{"table.pdf", "objstm-gen.pdf", "objstm-qpdf.pdf", "hybrid.pdf", "linearized.pdf", "encrypted.pdf"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte("%PDF-1.7\n1 0 obj <</Type/Catalog/Pages 1 0 R>> endobj\nxref\n0 1\ntrailer<</Root 1 0 R/Prev 9>>\nstartxref\n9\n%%EOF"))
	for _, tc := range pdftest.Hostile() {
		if len(tc.Data) < 4<<10 {
			f.Add(tc.Data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(data)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error is not apperr Invalid: %v", err)
			}
			return
		}
		pages, _ := r.Pages()
		for i, p := range pages {
			if i > 3 {
				break
			}
			r.PageBox(p)
			if d, ok := r.Dict(p); ok {
				if s, ok := r.Resolve(d["Contents"]).(*Stream); ok {
					r.DecodeStream(s)
				}
			}
		}
		for _, n := range r.ObjectNumbers() {
			if s, ok := r.Resolve(Ref{Num: n}).(*Stream); ok {
				r.DecodeStream(s)
			}
		}
		for _, s := range r.Sections() {
			if v, err := r.AsOf(s.Offset + 1); err == nil {
				v.Catalog()
			}
		}
		// The budget is a ceiling, not an estimate: whatever the input,
		// the reader never holds more than it allows.
		if b := r.b; b.decoded > DefaultLimits.MaxDecoded || b.objects > DefaultLimits.MaxObjects+1 {
			t.Fatalf("budget overrun: %d bytes decoded, %d objects parsed", b.decoded, b.objects)
		}
		if err := r.Err(); err != nil && !errors.Is(err, ErrTooComplex) {
			t.Fatalf("Err is not ErrTooComplex: %v", err)
		}
		if u, err := NewUpdate(r); err == nil {
			u.Add(Dict{"A": Integer(1)})
			if app, err := u.Write(); err == nil {
				out := append(append([]byte(nil), data...), app...)
				if _, err := Open(out); err != nil && !errors.Is(err, ErrEncrypted) {
					// A file that opened must stay openable after our update.
					t.Fatalf("reopen after update: %v", err)
				}
			}
		}
	})
}

func FuzzParseObject(f *testing.F) {
	f.Add([]byte("<< /A [1 2 R] /B (x) >>"))
	f.Add([]byte("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["))
	f.Add([]byte(strings.Repeat("[<</A ", 60)))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseObject(b)
		if err != nil {
			if errors.Is(err, ErrTooComplex) && apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("budget error is not apperr Invalid: %v", err)
			}
			return
		}
		m, err := Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseObject(m); err != nil {
			t.Fatalf("re-parse of %q: %v", m, err)
		}
	})
}

// WriteDocument must produce exactly the original followed by Write's
// update, with placeholders at the same absolute offsets, and a HexZeros
// placeholder must be a hex string of that many zero bytes.
func TestWriteDocumentEqualsOriginalPlusUpdate(t *testing.T) {
	for _, file := range []string{"table.pdf", "objstm-qpdf.pdf"} {
		t.Run(file, func(t *testing.T) {
			orig := fixture(t, file)
			build := func() (*Update, *Placeholder) {
				r, err := Open(orig)
				if err != nil {
					t.Fatal(err)
				}
				u, err := NewUpdate(r)
				if err != nil {
					t.Fatal(err)
				}
				ph := &Placeholder{HexZeros: 5000}
				u.Add(Dict{"Contents": ph})
				return u, ph
			}
			u1, ph1 := build()
			app, err := u1.Write()
			if err != nil {
				t.Fatal(err)
			}
			u2, ph2 := build()
			doc, err := u2.WriteDocument(100)
			if err != nil {
				t.Fatal(err)
			}
			if want := append(append([]byte(nil), orig...), app...); !bytes.Equal(doc, want) {
				t.Fatalf("WriteDocument differs from original+Write (%d vs %d bytes)", len(doc), len(want))
			}
			if ph1.Offset != ph2.Offset || ph2.Len() != 10002 {
				t.Fatalf("offsets %d/%d, len %d", ph1.Offset, ph2.Offset, ph2.Len())
			}
			got := doc[ph2.Offset : ph2.Offset+int64(ph2.Len())]
			if got[0] != '<' || got[len(got)-1] != '>' || bytes.Count(got, []byte{'0'}) != 10000 {
				t.Fatalf("placeholder bytes %q…", got[:20])
			}
		})
	}
}
