package pdfsign

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

const sealAgency = "Ủy ban nhân dân tỉnh Đồng Tháp"

func TestFormatSigningTime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTC morning", time.Date(2031, 3, 5, 2, 4, 9, 0, time.UTC), "05/03/2031 09:04:09 +07:00"},
		{"UTC evening is the next day in Vietnam", time.Date(2031, 12, 31, 20, 0, 0, 0, time.UTC), "01/01/2032 03:00:00 +07:00"},
		{"another zone", time.Date(2031, 7, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600)), "01/07/2031 18:30:00 +07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatSigningTime(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// Every appearance that shows a time shows it so.
	when := time.Date(2031, 3, 5, 2, 4, 9, 0, time.UTC)
	for name, a := range map[string]*Appearance{
		"seal image": SealAppearance(1, [4]float64{340, 120, 490, 180}, 0, sealImage(), "UBND", when),
		"drawn seal": SealAppearance(1, [4]float64{340, 120, 490, 180}, 0, nil, "UBND", when),
		"copy":       CopyAppearance(595.28, 841.89, "UBND", when),
	} {
		if last := a.Lines[len(a.Lines)-1]; last != "05/03/2031 09:04:09 +07:00" {
			t.Errorf("%s shows %q", name, last)
		}
	}
}

// TestDrawnSealGeometry: 40 mm by default, over the left third of the
// leader's signature, red, the name on the ring and not written again.
func TestDrawnSealGeometry(t *testing.T) {
	leader := [4]float64{340, 120, 490, 180}
	a := SealAppearance(1, leader, 0, nil, sealAgency, clock.Now())
	if a.Seal == nil || a.Seal.Agency != sealAgency || len(a.Lines) != 1 || a.TextColor != sealRed {
		t.Fatalf("drawn seal appearance %+v", a)
	}
	if math.Abs(DefaultSealSize-113.386) > 0.01 {
		t.Fatalf("default size %.3f pt, want 40 mm", DefaultSealSize)
	}
	right := (a.Rect[0]+a.Rect[2])/2 + DefaultSealSize/2
	if math.Abs(right-(340+150.0/3)) > 0.01 {
		t.Fatalf("seal right edge %.2f, want %.2f", right, 340+150.0/3)
	}
	if err := (&Appearance{Rect: [4]float64{0, 0, 10, 10}, Seal: &DrawnSeal{Agency: "A"}}).Validate(); err != nil {
		t.Fatalf("a seal alone is an appearance: %v", err)
	}
}

// signDrawnSeal signs a one-page document as the leader (blue image) and
// then as the agency with the drawn seal; it returns the document and the
// seal's appearance rectangle.
func signDrawnSeal(t *testing.T, seal *DrawnSeal) ([]byte, [4]float64) {
	t.Helper()
	p := pki(t)
	ctx := context.Background()
	leaderChain, leaderKey := p.signer("Phạm Văn Chủ Tịch", nil, nil)
	sealChain, sealKey := p.signer("UBND TỈNH ĐỒNG THÁP", nil, nil)
	leaderRect := [4]float64{340, 120, 490, 180}
	doc, _, err := Sign(ctx, pdftest.New(pdftest.Options{Pages: 1}), SignOptions{
		Signer: leaderKey, Chain: leaderChain, Level: LevelBB, Appearance: LeaderAppearance(1, leaderRect, signatureImage()),
	})
	if err != nil {
		t.Fatal(err)
	}
	ap := SealAppearance(1, leaderRect, 0, nil, seal.Agency, clock.Now())
	ap.Seal = seal
	doc, _, err = Sign(ctx, doc, SignOptions{Signer: sealKey, Chain: sealChain, Level: LevelBB, Appearance: ap})
	if err != nil {
		t.Fatal(err)
	}
	return doc, ap.Rect
}

// TestDrawnSealRenders renders the signed page with pdftoppm and looks at
// pixels: red on the outer ring all around, red at the star in the
// centre, red letters on the upper ring, and no red between the star and
// the inner circle.
func TestDrawnSealRenders(t *testing.T) {
	testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	doc, rect := signDrawnSeal(t, &DrawnSeal{Agency: sealAgency})
	const dpi = 144
	img := renderPage(t, doc, dpi)
	scale := dpi / 72.0
	pageH := 841.89
	// The seal is the square at the top of the rectangle, centred.
	r := DefaultSealSize / 2
	cx, cy := (rect[0]+rect[2])/2, rect[3]-r
	at := func(radius, deg float64) (int, int) {
		x := cx + radius*math.Cos(deg*math.Pi/180)
		y := cy + radius*math.Sin(deg*math.Pi/180)
		return int(x * scale), int((pageH - y) * scale)
	}
	red := func(x, y int) bool { // any of the 3×3 pixels around (x, y)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				cr, cg, cb, _ := img.At(x+dx, y+dy).RGBA()
				if cr>>8 > 150 && cg>>8 < 110 && cb>>8 < 110 {
					return true
				}
			}
		}
		return false
	}
	if x, y := at(0, 0); !red(x, y) {
		t.Errorf("the centre (star) is not red at pixel %d,%d", x, y)
	}
	for deg := 0.0; deg < 360; deg += 15 {
		if x, y := at(r*(1-sealOuterWidth/2), deg); !red(x, y) {
			t.Errorf("the outer ring is not red at %.0f°", deg)
		}
		if x, y := at(r*sealInnerR, deg); !red(x, y) {
			t.Errorf("the inner ring is not red at %.0f°", deg)
		}
		if x, y := at(r*0.5, deg+7); red(x, y) {
			t.Errorf("red between the star and the inner ring at %.0f°", deg+7)
		}
	}
	// Letters: a good share of the band's pixels on the upper ring is red.
	var inBand, redInBand int
	for deg := 20.0; deg <= 160; deg += 0.5 {
		for rr := r * 0.74; rr <= r*0.9; rr += r * 0.02 {
			x, y := at(rr, deg)
			cr, cg, cb, _ := img.At(x, y).RGBA()
			inBand++
			if cr>>8 > 150 && cg>>8 < 110 && cb>>8 < 110 {
				redInBand++
			}
		}
	}
	if share := float64(redInBand) / float64(inBand); share < 0.12 || share > 0.7 {
		t.Errorf("%.0f%% of the ring band is red: want letters there (12–70%%)", 100*share)
	}
	// KEEP_RENDER=FILE keeps the signed document for a look in a viewer.
	if keep := os.Getenv("KEEP_RENDER"); keep != "" {
		if err := os.WriteFile(keep, doc, 0o644); err != nil {
			t.Error(err)
		}
	}
}

func renderPage(t *testing.T, doc []byte, dpi int) image.Image {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", strconv.Itoa(dpi), "-singlefile", "-png", f, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestDrawnSealText: every glyph set along the ring maps back through the
// ToUnicode map, in reading order, to the agency name in capitals, for
// one name alone and for a superior body with the agency.
func TestDrawnSealText(t *testing.T) {
	tests := []struct {
		name string
		seal DrawnSeal
		want string
	}{
		{"agency alone", DrawnSeal{Agency: sealAgency}, "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP"},
		{"superior and agency", DrawnSeal{Superior: "UBND tỉnh Đồng Tháp", Agency: "Sở Nội vụ"}, "UBND TỈNH ĐỒNG THÁPSỞ NỘI VỤ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := signDrawnSeal(t, &tt.seal)
			got := sealGlyphText(t, doc)
			if want := strings.ReplaceAll(tt.want, " ", ""); got != want {
				t.Errorf("the ring's glyphs read %q, want %q", got, want)
			}
		})
	}
}

// sealGlyphText decodes the glyphs of the last signature's appearance
// that are set rotated (the ring) through the font's ToUnicode map.
func sealGlyphText(t *testing.T, doc []byte) string {
	t.Helper()
	r, err := pdf.Open(doc)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := SignatureWidgets(doc)
	if err != nil || len(ws) != 2 {
		t.Fatalf("widgets %v %v", ws, err)
	}
	// The newest Form XObject that draws a seal is the seal's appearance.
	var content []byte
	var res pdf.Dict
	for _, n := range r.ObjectNumbers() {
		s, ok := r.Resolve(pdf.Ref{Num: n, Gen: r.Generation(n)}).(*pdf.Stream)
		if !ok {
			continue
		}
		if st, _ := s.Dict.Name("Subtype"); st != "Form" {
			continue
		}
		data, err := r.DecodeStream(s)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("0.85 0 0 RG")) {
			content, res = data, s.Dict
		}
	}
	if content == nil {
		t.Fatal("no seal appearance found")
	}
	resd, _ := r.Dict(res["Resources"])
	fonts, _ := r.Dict(resd["Font"])
	font, _ := r.Dict(fonts["F1"])
	tu, ok := r.Resolve(font["ToUnicode"]).(*pdf.Stream)
	if !ok {
		t.Fatal("no ToUnicode map")
	}
	cm, err := r.DecodeStream(tu)
	if err != nil {
		t.Fatal(err)
	}
	uni := map[string]string{}
	for _, m := range regexp.MustCompile(`<([0-9A-F]{4})> <([0-9A-F]{4})>`).FindAllStringSubmatch(string(cm), -1) {
		v, _ := strconv.ParseUint(m[2], 16, 16)
		uni[m[1]] = string(rune(v))
	}
	var b strings.Builder
	// Ring glyphs carry a rotation: a Tm whose first entry is not 1.
	for _, m := range regexp.MustCompile(`(\S+) \S+ \S+ \S+ \S+ \S+ Tm <([0-9A-F]{4})> Tj`).FindAllStringSubmatch(string(content), -1) {
		if m[1] == "1" {
			continue
		}
		s, ok := uni[m[2]]
		if !ok {
			t.Fatalf("glyph %s has no ToUnicode entry", m[2])
		}
		b.WriteString(s)
	}
	return b.String()
}

// TestDrawnSealPdftotext records what poppler's text extraction makes of
// the ring: each letter is set on its own, rotated, so extraction yields
// the letters but not as one line; the time below the seal comes back
// whole.
func TestDrawnSealPdftotext(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	doc, _ := signDrawnSeal(t, &DrawnSeal{Agency: sealAgency})
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text := string(out)
	if !regexp.MustCompile(`\d\d/\d\d/\d{4} \d\d:\d\d:\d\d \+07:00`).MatchString(text) {
		t.Errorf("the signing time is not extracted:\n%s", text)
	}
	letters := strings.Join(strings.Fields(text), "")
	for _, r := range "ỦYBANNHÂNDÂNTỈNHĐỒNGTHÁP" {
		if !strings.ContainsRune(letters, r) {
			t.Errorf("pdftotext lacks %q of the ring:\n%s", r, text)
		}
	}
	t.Logf("pdftotext of the sealed page:\n%s", text)
}
