package pdffont

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// objects is an Adder that keeps what is written.
type objects []pdf.Object

func (o *objects) Add(obj pdf.Object) pdf.Ref {
	*o = append(*o, obj)
	return pdf.Ref{Num: len(*o)}
}

func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVietnameseRoundTrip: every letter of a Vietnamese name (NFC or
// decomposed on input) has a glyph, its code maps back to the letter in
// the ToUnicode map, and the embedded font is a small subset.
func TestVietnameseRoundTrip(t *testing.T) {
	f, err := Serif()
	if err != nil {
		t.Fatal(err)
	}
	const name = "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP ưở"
	for _, input := range []string{name, "U\u0309Y BAN NHA\u0302N DA\u0302N TI\u0309NH \u0110O\u0302\u0300NG THA\u0301P u\u031Bo\u031B\u0309"} {
		u := NewUse(f)
		hex := u.Encode(input)
		var objs objects
		u.Embed(&objs)
		var cmap, fontFile []byte
		for _, o := range objs {
			if s, ok := o.(*pdf.Stream); ok {
				data := inflate(t, s.Data)
				if bytes.Contains(data, []byte("begincmap")) {
					cmap = data
				} else if s.Dict["Length1"] != nil {
					fontFile = data
				}
			}
		}
		if cmap == nil || fontFile == nil {
			t.Fatal("no ToUnicode map or font file")
		}
		codes := strings.Trim(hex, "<>")
		var runes []rune
		for _, r := range name {
			runes = append(runes, r)
		}
		if len(codes) != 4*len(runes) {
			t.Fatalf("%d glyphs for %d letters (input %q)", len(codes)/4, len(runes), input)
		}
		for i, r := range runes {
			if !f.Has(r) {
				t.Errorf("no glyph for %q", r)
			}
			entry := fmt.Sprintf("<%s> <%04X>", codes[4*i:4*i+4], r)
			if r != ' ' && !bytes.Contains(cmap, []byte(entry)) {
				t.Errorf("ToUnicode lacks %s (%q)", entry, r)
			}
		}
		// A TrueType file with outlines only for the glyphs used (no cmap:
		// CIDToGIDMap /Identity maps codes to glyphs).
		if !bytes.HasPrefix(fontFile, []byte{0, 1, 0, 0}) || len(fontFile) > len(liberationSerif)/4 {
			t.Errorf("subset of %d bytes (font %d)", len(fontFile), len(liberationSerif))
		}
	}
	if w := f.Width("Đồng Tháp", 10); w < 30 || w > 60 {
		t.Errorf("width %.1f pt of 9 letters at 10 pt", w)
	}
	if f.CapHeight(10) < 6 || f.CapHeight(10) > 7 || f.Descent(10) < 1.5 || f.Descent(10) > 3 {
		t.Errorf("cap height %.2f, descent %.2f at 10 pt", f.CapHeight(10), f.Descent(10))
	}
}
