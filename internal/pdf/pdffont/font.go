// Package pdffont lays out text in an embedded TrueType font and writes the
// glyph subset a PDF uses as a Type0 / CIDFontType2 font (Identity-H, one
// two-byte code per glyph id, CIDToGIDMap /Identity) with a ToUnicode map,
// so Vietnamese text shows with its diacritics in any viewer and text
// extraction gives the letters back. Text is NFC-normalised first, so
// Vietnamese letters use the font's precomposed glyphs.
//
// Serif is Liberation Serif (SIL OFL 1.1, see fonts/), metric-compatible
// with Times New Roman, which Decree 30/2020/NĐ-CP prescribes for
// documents. pdfsign's appearances and pdfgen's generated documents share
// it.
package pdffont

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"golang.org/x/text/unicode/norm"
)

//go:embed fonts/LiberationSerif-Regular.ttf
var liberationSerif []byte

// Font is the part of a TrueType font needed to lay out text and embed a
// glyph subset as a CIDFontType2. A Font is read-only and safe for
// concurrent use; each document records its glyphs in its own Use.
type Font struct {
	name       string
	data       []byte
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	longLoca   bool
	advances   []uint16
	cmap       map[rune]uint16
	bbox       [4]int16
	ascent     int16
	descent    int16
	capHeight  int16
}

var (
	serifOnce sync.Once
	serifFont *Font
	serifErr  error
)

// Serif returns the embedded Liberation Serif Regular, parsed once.
func Serif() (*Font, error) {
	serifOnce.Do(func() { serifFont, serifErr = Parse(liberationSerif, "LiberationSerif") })
	return serifFont, serifErr
}

var errFont = errors.New("bad TrueType font")

func u16(b []byte, off int) int {
	if off+2 > len(b) {
		return 0
	}
	return int(binary.BigEndian.Uint16(b[off:]))
}

func u32(b []byte, off int) int {
	if off+4 > len(b) {
		return 0
	}
	return int(binary.BigEndian.Uint32(b[off:]))
}

// Parse reads a TrueType font (glyf outlines; a Unicode cmap of format 4
// or 12). name becomes the PDF BaseFont after the subset tag. It is meant
// for fonts shipped with the program, not for outside input.
func Parse(data []byte, name string) (*Font, error) {
	f := &Font{name: name, data: data, tables: map[string][]byte{}, cmap: map[rune]uint16{}}
	n := u16(data, 4)
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errFont
		}
		tag := string(data[rec : rec+4])
		off, length := u32(data, rec+8), u32(data, rec+12)
		if off+length > len(data) {
			return nil, errFont
		}
		f.tables[tag] = data[off : off+length]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("%w: no %s table", errFont, t)
		}
	}
	head := f.tables["head"]
	f.unitsPerEm = u16(head, 18)
	for i := range 4 {
		f.bbox[i] = int16(u16(head, 36+2*i))
	}
	f.longLoca = u16(head, 50) == 1
	f.numGlyphs = u16(f.tables["maxp"], 4)
	hhea := f.tables["hhea"]
	f.ascent, f.descent = int16(u16(hhea, 4)), int16(u16(hhea, 6))
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) > 90 && u16(os2, 0) >= 2 {
		f.capHeight = int16(u16(os2, 88))
	}
	nhm := u16(hhea, 34)
	hmtx := f.tables["hmtx"]
	f.advances = make([]uint16, f.numGlyphs)
	for g := 0; g < f.numGlyphs; g++ {
		i := g
		if i >= nhm {
			i = nhm - 1
		}
		f.advances[g] = uint16(u16(hmtx, 4*i))
	}
	if err := f.parseCmap(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Font) parseCmap() error {
	c := f.tables["cmap"]
	n := u16(c, 2)
	best, bestFmt := -1, 0
	for i := 0; i < n; i++ {
		pid, eid, off := u16(c, 4+8*i), u16(c, 6+8*i), u32(c, 8+8*i)
		format := u16(c, off)
		if pid == 3 && eid == 10 && format == 12 {
			best, bestFmt = off, 12
		} else if pid == 3 && eid == 1 && format == 4 && bestFmt != 12 {
			best, bestFmt = off, 4
		}
	}
	switch bestFmt {
	case 12:
		groups := u32(c, best+12)
		for i := 0; i < groups && i < 1<<16; i++ {
			g := best + 16 + 12*i
			start, end, gid := u32(c, g), u32(c, g+4), u32(c, g+8)
			for r := start; r <= end && r-start < 1<<16; r++ {
				f.cmap[rune(r)] = uint16(gid + r - start)
			}
		}
	case 4:
		segX2 := u16(c, best+6)
		ends := best + 14
		starts := ends + segX2 + 2
		deltas := starts + segX2
		ranges := deltas + segX2
		for s := 0; s < segX2/2; s++ {
			end, start := u16(c, ends+2*s), u16(c, starts+2*s)
			delta, ro := u16(c, deltas+2*s), u16(c, ranges+2*s)
			for r := start; r <= end && r != 0xffff; r++ {
				var gid int
				if ro == 0 {
					gid = (r + delta) & 0xffff
				} else {
					gid = u16(c, ranges+2*s+ro+2*(r-start))
					if gid != 0 {
						gid = (gid + delta) & 0xffff
					}
				}
				if gid != 0 {
					f.cmap[rune(r)] = uint16(gid)
				}
			}
		}
	default:
		return fmt.Errorf("%w: no Unicode cmap", errFont)
	}
	return nil
}

// glyphs maps text (NFC-normalised, so Vietnamese letters use precomposed
// glyphs) to glyph ids; unmapped runes become .notdef.
func (f *Font) glyphs(s string) ([]uint16, []rune) {
	s = norm.NFC.String(s)
	var gids []uint16
	var runes []rune
	for _, r := range s {
		gids = append(gids, f.cmap[r])
		runes = append(runes, r)
	}
	return gids, runes
}

// Width returns the advance of s at size points.
func (f *Font) Width(s string, size float64) float64 {
	gids, _ := f.glyphs(s)
	w := 0
	for _, g := range gids {
		if int(g) < len(f.advances) {
			w += int(f.advances[g])
		}
	}
	return float64(w) * size / float64(f.unitsPerEm)
}

// Use records the glyphs one PDF object (an appearance, a document) shows,
// to embed exactly those. It is not safe for concurrent use.
type Use struct {
	f    *Font
	used map[uint16]rune
}

// NewUse starts recording the glyphs of f that a document shows.
func NewUse(f *Font) *Use { return &Use{f: f, used: map[uint16]rune{0: 0}} }

// Font returns the font u records glyphs of.
func (u *Use) Font() *Font { return u.f }

// Encode returns the hex string operand for s (Identity-H: 2 bytes a
// glyph) and records its glyphs.
func (u *Use) Encode(s string) string {
	gids, runes := u.f.glyphs(s)
	var b strings.Builder
	b.WriteByte('<')
	for i, g := range gids {
		if _, ok := u.used[g]; !ok || u.used[g] == 0 {
			u.used[g] = runes[i]
		}
		fmt.Fprintf(&b, "%04X", g)
	}
	b.WriteByte('>')
	return b.String()
}

// subset returns a TrueType file keeping every glyph id but with outlines
// only for the used glyphs (and composite components), so CIDToGIDMap can
// stay /Identity.
func (f *Font) subset(used map[uint16]rune) []byte {
	keep := map[int]bool{0: true}
	var queue []int
	for g := range used {
		queue = append(queue, int(g))
	}
	glyph := func(g int) []byte {
		loca := f.tables["loca"]
		var a, b int
		if f.longLoca {
			a, b = u32(loca, 4*g), u32(loca, 4*g+4)
		} else {
			a, b = 2*u16(loca, 2*g), 2*u16(loca, 2*g+2)
		}
		glyf := f.tables["glyf"]
		if a > b || b > len(glyf) {
			return nil
		}
		return glyf[a:b]
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if g >= f.numGlyphs {
			continue
		}
		keep[g] = true
		d := glyph(g)
		if len(d) < 10 || int16(u16(d, 0)) >= 0 {
			continue
		}
		// Composite glyph: follow its components.
		p := 10
		for p+4 <= len(d) {
			flags, comp := u16(d, p), u16(d, p+2)
			if !keep[comp] {
				queue = append(queue, comp)
			}
			p += 4
			if flags&0x1 != 0 {
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&0x8 != 0:
				p += 2
			case flags&0x40 != 0:
				p += 4
			case flags&0x80 != 0:
				p += 8
			}
			if flags&0x20 == 0 {
				break
			}
		}
	}
	var glyf bytes.Buffer
	loca := make([]byte, 4*(f.numGlyphs+1))
	for g := 0; g < f.numGlyphs; g++ {
		binary.BigEndian.PutUint32(loca[4*g:], uint32(glyf.Len()))
		if keep[g] {
			glyf.Write(glyph(g))
			for glyf.Len()%4 != 0 {
				glyf.WriteByte(0)
			}
		}
	}
	binary.BigEndian.PutUint32(loca[4*f.numGlyphs:], uint32(glyf.Len()))
	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment
	tables := map[string][]byte{
		"head": head, "hhea": f.tables["hhea"], "maxp": f.tables["maxp"], "hmtx": f.tables["hmtx"],
		"loca": loca, "glyf": glyf.Bytes(),
	}
	for _, t := range []string{"cvt ", "fpgm", "prep"} {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	return writeTrueType(tables)
}

func ttChecksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}

func writeTrueType(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	var out bytes.Buffer
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	hdr := make([]byte, 12)
	binary.BigEndian.PutUint32(hdr, 0x00010000)
	binary.BigEndian.PutUint16(hdr[4:], uint16(n))
	binary.BigEndian.PutUint16(hdr[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(hdr[8:], uint16(es))
	binary.BigEndian.PutUint16(hdr[10:], uint16(n*16-(16<<es)))
	out.Write(hdr)
	off := 12 + 16*n
	for _, t := range tags {
		b := tables[t]
		rec := make([]byte, 16)
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], ttChecksum(b))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(b)))
		out.Write(rec)
		off += (len(b) + 3) &^ 3
	}
	for _, t := range tags {
		out.Write(tables[t])
		for out.Len()%4 != 0 {
			out.WriteByte(0)
		}
	}
	res := out.Bytes()
	// head.checkSumAdjustment = 0xB1B0AFBA - checksum(whole font)
	for i, t := range tags {
		if t == "head" {
			ho := int(binary.BigEndian.Uint32(res[12+16*i+8:]))
			binary.BigEndian.PutUint32(res[ho+8:], 0xB1B0AFBA-ttChecksum(res))
		}
	}
	return res
}

// Adder stores new objects of a PDF being written: *pdf.Update (an
// incremental update) and pdfgen's document writer both are one.
type Adder interface {
	Add(o pdf.Object) pdf.Ref
}

// Embed writes the Type0/CIDFontType2 font for the glyphs used so far
// (their outlines only, ToUnicode for each) and returns its reference.
func (u *Use) Embed(up Adder) pdf.Ref {
	f := u.f
	gids := make([]int, 0, len(u.used))
	for g := range u.used {
		gids = append(gids, int(g))
	}
	sort.Ints(gids)
	h := sha256.New()
	for _, g := range gids {
		fmt.Fprintf(h, "%d,", g)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base := pdf.Name(string(tag) + "+" + f.name)
	scale := func(v int) pdf.Integer { return pdf.Integer(v * 1000 / f.unitsPerEm) }
	ttf := f.subset(u.used)
	fontFile := up.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode"), "Length1": pdf.Integer(len(ttf))}, Data: pdf.FlateEncode(ttf)})
	desc := up.Add(pdf.Dict{
		"Type": pdf.Name("FontDescriptor"), "FontName": base, "Flags": pdf.Integer(6),
		"FontBBox":    pdf.Array{scale(int(f.bbox[0])), scale(int(f.bbox[1])), scale(int(f.bbox[2])), scale(int(f.bbox[3]))},
		"ItalicAngle": pdf.Integer(0), "Ascent": scale(int(f.ascent)), "Descent": scale(int(f.descent)),
		"CapHeight": scale(int(f.capHeight)), "StemV": pdf.Integer(80), "FontFile2": fontFile,
	})
	var w pdf.Array
	for _, g := range gids {
		w = append(w, pdf.Integer(g), pdf.Array{scale(int(f.advances[g]))})
	}
	cid := up.Add(pdf.Dict{
		"Type": pdf.Name("Font"), "Subtype": pdf.Name("CIDFontType2"), "BaseFont": base,
		"CIDSystemInfo":  pdf.Dict{"Registry": pdf.String("Adobe"), "Ordering": pdf.String("Identity"), "Supplement": pdf.Integer(0)},
		"FontDescriptor": desc, "W": w, "CIDToGIDMap": pdf.Name("Identity"),
	})
	var cm strings.Builder
	cm.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var entries []string
	for _, g := range gids {
		r := u.used[uint16(g)]
		if r == 0 {
			continue
		}
		var hexr strings.Builder
		for _, c := range utf16Units(r) {
			fmt.Fprintf(&hexr, "%04X", c)
		}
		entries = append(entries, fmt.Sprintf("<%04X> <%s>", g, hexr.String()))
	}
	for i := 0; i < len(entries); i += 100 {
		j := min(i+100, len(entries))
		fmt.Fprintf(&cm, "%d beginbfchar\n%s\nendbfchar\n", j-i, strings.Join(entries[i:j], "\n"))
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	toUni := up.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode")}, Data: pdf.FlateEncode([]byte(cm.String()))})
	return up.Add(pdf.Dict{
		"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type0"), "BaseFont": base,
		"Encoding": pdf.Name("Identity-H"), "DescendantFonts": pdf.Array{cid}, "ToUnicode": toUni,
	})
}

func utf16Units(r rune) []uint16 {
	if r < 0x10000 {
		return []uint16{uint16(r)}
	}
	r -= 0x10000
	return []uint16{uint16(0xD800 + (r >> 10)), uint16(0xDC00 + (r & 0x3ff))}
}

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool { _, ok := f.cmap[r]; return ok }

// CapHeight returns the height of capital letters at size points.
func (f *Font) CapHeight(size float64) float64 {
	return float64(f.capHeight) * size / float64(f.unitsPerEm)
}

// Descent returns how far descenders reach below the baseline at size
// points (a positive number).
func (f *Font) Descent(size float64) float64 {
	return -float64(f.descent) * size / float64(f.unitsPerEm)
}
