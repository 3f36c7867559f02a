package pdfsign

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdffont"
	"golang.org/x/text/unicode/norm"
)

// DrawnSeal is an agency seal drawn in vector form when no seal image was
// uploaded, after the pattern of Decree 99/2016/NĐ-CP on seals: round, red
// ink, two concentric circles, the names set in capitals along the ring
// between them, a five-point star in the centre (the mark of a state
// agency's seal).
type DrawnSeal struct {
	// Agency is the agency's name. Alone, it runs clockwise over the upper
	// ring; with a Superior it runs along the lower ring, read left to
	// right.
	Agency string
	// Superior is the name of the body above the agency (e.g. "UBND TỈNH
	// ĐỒNG THÁP" for a department), on the upper ring. Optional.
	Superior string
}

// sealRed is the seal's ink, a full red as on paper seals.
var sealRed = [3]float64{0.85, 0, 0}

// Geometry of the seal, as fractions of its radius.
const (
	sealOuterWidth = 0.05  // stroke of the outer circle
	sealInnerR     = 0.68  // radius of the inner circle
	sealInnerWidth = 0.022 // stroke of the inner circle
	sealStarR      = 0.30  // outer radius of the centre star
	sealSepStarR   = 0.055 // small stars between the ends of the ring text
)

// draw writes the content stream operators that draw the seal centred at
// (cx, cy) with radius r; text uses fu (the appearance's font).
func (s *DrawnSeal) draw(cs *bytes.Buffer, fu *pdffont.Use, cx, cy, r float64) {
	c := sealRed
	fmt.Fprintf(cs, "q %s %s %s RG %s %s %s rg\n", f2(c[0]), f2(c[1]), f2(c[2]), f2(c[0]), f2(c[1]), f2(c[2]))
	ro := r * (1 - sealOuterWidth/2)
	ri := r * sealInnerR
	fmt.Fprintf(cs, "%s w ", f2(r*sealOuterWidth))
	circle(cs, cx, cy, ro)
	cs.WriteString("S\n")
	fmt.Fprintf(cs, "%s w ", f2(r*sealInnerWidth))
	circle(cs, cx, cy, ri)
	cs.WriteString("S\n")
	star(cs, cx, cy, r*sealStarR, math.Pi/2)
	cs.WriteString("f\n")

	// The band for the text lies between the two strokes, with a gap.
	bandIn := ri + r*sealInnerWidth/2 + r*0.035
	bandOut := ro - r*sealOuterWidth/2 - r*0.035
	font := fu.Font()
	agency := sealText(s.Agency)
	superior := sealText(s.Superior)
	if superior == "" {
		// The name over about 290° of the ring, centred on the top; a small
		// star closes the gap at the bottom.
		ringText(cs, fu, font, agency, cx, cy, bandIn, bandOut, math.Pi/2, 290*math.Pi/180, true)
		star(cs, cx, cy-(bandIn+bandOut)/2, r*sealSepStarR*1.4, math.Pi/2)
		cs.WriteString("f\n")
	} else {
		// The superior body over the top (up to 185°), the agency along the
		// bottom (up to 110°), small stars between them on both sides.
		ringText(cs, fu, font, superior, cx, cy, bandIn, bandOut, math.Pi/2, 185*math.Pi/180, true)
		ringText(cs, fu, font, agency, cx, cy, bandIn, bandOut, -math.Pi/2, 110*math.Pi/180, false)
		for _, a := range []float64{-20 * math.Pi / 180, 200 * math.Pi / 180} {
			m := (bandIn + bandOut) / 2
			star(cs, cx+m*math.Cos(a), cy+m*math.Sin(a), r*sealSepStarR, a)
			cs.WriteString("f\n")
		}
	}
	cs.WriteString("Q\n")
}

// sealText is a name as the seal shows it: NFC, capitals, single spaces.
func sealText(s string) string {
	return strings.Join(strings.Fields(strings.ToUpper(norm.NFC.String(s))), " ")
}

// ringText sets text along the ring between radii in and out, centred on
// the angle mid (radians, counter-clockwise from the x axis) and spread
// over at most span radians. On the upper ring (top) the glyphs run
// clockwise with their feet toward the centre; on the lower ring they run
// counter-clockwise with their heads toward the centre, so both read left
// to right. Each glyph is its own text object rotated to the tangent.
func ringText(cs *bytes.Buffer, fu *pdffont.Use, font *pdffont.Font, text string, cx, cy, in, out, mid, span float64, top bool) {
	runes := []rune(text)
	if len(runes) == 0 {
		return
	}
	band := out - in
	// Capitals with Vietnamese marks above them (Ủ, Ồ, Ấ) reach about one
	// em over the baseline; the feet of the letters need a little room.
	size := band / 1.05
	// Baseline radius: for the top, feet just outward of the inner edge;
	// for the bottom, the letters hang from the outer edge toward the
	// centre; both centred across the band when a long name had to be set
	// smaller.
	baseline := func(size float64) float64 {
		pad := max(0, band-1.05*size) / 2
		if top {
			return in + pad + 0.12*size
		}
		return out - pad - 0.12*size
	}
	// The arc length along the baseline bounds the size too.
	w1 := font.Width(text, 1)
	if w1*size > baseline(size)*span {
		size = min(size, baseline(size)*span/w1)
		size = min(size, baseline(size)*span/w1)
	}
	rb := baseline(size)
	// Spread short names over the span like on paper seals, by at most
	// 0.8 em between letters.
	track := 0.0
	if len(runes) > 1 {
		track = max(0, min((rb*span-w1*size)/float64(len(runes)-1), 0.8*size))
	}
	total := w1*size + track*float64(len(runes)-1)
	theta := total / rb // the angle the text takes at its baseline
	var a float64
	if top {
		a = mid + theta/2 // start on the left, go clockwise
	} else {
		a = mid - theta/2 // start on the left, go counter-clockwise
	}
	// Stroking the outlines too gives the heavier letters of a rubber
	// stamp from the one embedded regular face.
	fmt.Fprintf(cs, "BT /F1 %s Tf 2 Tr %s w\n", f2(size), f2(size*0.035))
	for _, ch := range runes {
		gw := font.Width(string(ch), size)
		// The glyph's centre sits on the angle half its width ahead.
		var ac, rot float64
		if top {
			ac = a - (gw/2)/rb
			rot = ac - math.Pi/2
		} else {
			ac = a + (gw/2)/rb
			rot = ac + math.Pi/2
		}
		// Move from the glyph's centre back along the baseline to its origin.
		cosR, sinR := math.Cos(rot), math.Sin(rot)
		x := cx + rb*math.Cos(ac) - (gw/2)*cosR
		y := cy + rb*math.Sin(ac) - (gw/2)*sinR
		if ch != ' ' {
			fmt.Fprintf(cs, "%s %s %s %s %s %s Tm %s Tj\n", f2(cosR), f2(sinR), f2(-sinR), f2(cosR), f2(x), f2(y), fu.Encode(string(ch)))
		}
		adv := (gw + track) / rb
		if top {
			a -= adv
		} else {
			a += adv
		}
	}
	cs.WriteString("ET\n")
}

// circle appends a closed circle path of four Bézier arcs.
func circle(cs *bytes.Buffer, cx, cy, r float64) {
	k := 0.5523 * r
	fmt.Fprintf(cs, "%s %s m ", f2(cx+r), f2(cy))
	fmt.Fprintf(cs, "%s %s %s %s %s %s c ", f2(cx+r), f2(cy+k), f2(cx+k), f2(cy+r), f2(cx), f2(cy+r))
	fmt.Fprintf(cs, "%s %s %s %s %s %s c ", f2(cx-k), f2(cy+r), f2(cx-r), f2(cy+k), f2(cx-r), f2(cy))
	fmt.Fprintf(cs, "%s %s %s %s %s %s c ", f2(cx-r), f2(cy-k), f2(cx-k), f2(cy-r), f2(cx), f2(cy-r))
	fmt.Fprintf(cs, "%s %s %s %s %s %s c h ", f2(cx+k), f2(cy-r), f2(cx+r), f2(cy-k), f2(cx+r), f2(cy))
}

// star appends a five-point star path with outer radius r, its first point
// at angle up (radians).
func star(cs *bytes.Buffer, cx, cy, r, up float64) {
	inner := r * 0.382 // the regular pentagram's ratio
	for i := range 10 {
		rr := r
		if i%2 == 1 {
			rr = inner
		}
		a := up + float64(i)*math.Pi/5
		op := "l"
		if i == 0 {
			op = "m"
		}
		fmt.Fprintf(cs, "%s %s %s ", f2(cx+rr*math.Cos(a)), f2(cy+rr*math.Sin(a)), op)
	}
	cs.WriteString("h ")
}
