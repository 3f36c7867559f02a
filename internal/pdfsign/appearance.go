package pdfsign

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdffont"
)

// Layout says how an appearance arranges its image and text.
type Layout string

// The layouts. With only an image or only text, the one present fills the
// rectangle.
const (
	LayoutImageAbove Layout = "image-above" // image on top, text lines below (default)
	LayoutImageLeft  Layout = "image-left"  // image on the left, text on the right
)

// Appearance places a visible signature (the widget) on a page.
// Decree 30/2020 Appendix I: the leader's signature shows the handwritten
// signature image (blue PNG, transparent background); the organisation's
// shows the seal image (red PNG, real size) overlapping the left third of
// the leader's image, with the agency name and the signing time as text.
type Appearance struct {
	Page int        // 1-based page number; 0 means the first page
	Rect [4]float64 // llx, lly, urx, ury in PDF points (1/72 inch)
	// Image is a PNG (alpha is kept as a soft mask). Optional.
	Image []byte
	// Seal is drawn where the image goes when there is no Image: the red
	// round seal of an agency that uploaded no seal image. Optional.
	Seal *DrawnSeal
	// Lines are text lines (Vietnamese allowed). Optional.
	Lines []string
	// FontSize in points (default 10, Times New Roman metrics per Decree 30);
	// shrunk automatically if a line does not fit.
	FontSize float64
	// TextColor is RGB in 0..1 (default black).
	TextColor [3]float64
	Layout    Layout
}

// Validate checks the appearance before anything is written.
func (a *Appearance) Validate() error {
	w, h := a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1]
	if w <= 0 || h <= 0 {
		return apperr.FieldError("rect", "Vùng đặt chữ ký không hợp lệ (chiều rộng và chiều cao phải dương).")
	}
	if a.Page < 0 {
		return apperr.FieldError("page", "Số trang không hợp lệ.")
	}
	if len(a.Image) == 0 && a.Seal == nil && len(a.Lines) == 0 {
		return apperr.FieldError("appearance", "Chữ ký hiển thị cần hình ảnh hoặc dòng chữ.")
	}
	return nil
}

// LeaderAppearance is the leader's visible signature: the signature image
// only, fitted in rect.
func LeaderAppearance(page int, rect [4]float64, signaturePNG []byte) *Appearance {
	return &Appearance{Page: page, Rect: rect, Image: signaturePNG}
}

// SigningTimeLayout is the one format of a signing time shown on a page
// (every appearance and stamp): date, time and the Vietnam offset.
const SigningTimeLayout = "02/01/2006 15:04:05 -07:00"

// FormatSigningTime formats t as dd/mm/yyyy hh:mm:ss +07:00 in Vietnam
// time, the one way appearances show a signing time.
func FormatSigningTime(t time.Time) string { return t.In(locale.VN).Format(SigningTimeLayout) }

// DefaultSealSize is the diameter of a drawn seal in points: 40 mm, within
// the 36–42 mm of round agency seals on paper.
const DefaultSealSize = 40 * 72 / 25.4

// SealAppearance is the organisation's visible signature per Decree 30
// Appendix I: the seal (size×size points; 0 means DefaultSealSize) placed
// so it covers the left third of the leader's signature rectangle. With a
// seal image (red PNG at its real size) the agency name and the signing
// time are written below it in black; without one the seal is drawn
// (DrawnSeal: the agency name on its ring) with the signing time below it
// in the seal's red.
func SealAppearance(page int, leaderRect [4]float64, size float64, sealPNG []byte, agency string, signingTime time.Time) *Appearance {
	if size <= 0 {
		size = DefaultSealSize
	}
	lw := leaderRect[2] - leaderRect[0]
	cy := (leaderRect[1] + leaderRect[3]) / 2
	right := leaderRect[0] + lw/3 // the seal covers the left third of the leader's image
	lines := []string{agency, FormatSigningTime(signingTime)}
	a := &Appearance{Page: page, Image: sealPNG, Layout: LayoutImageAbove}
	if len(sealPNG) == 0 {
		lines = lines[1:] // the name is on the ring
		a.Seal = &DrawnSeal{Agency: agency}
		a.TextColor = sealRed
	}
	a.Lines = lines
	textH := float64(len(lines)) * 10 * 1.2
	const margin = 20 // room for the text lines on both sides, keeps the seal centred
	a.Rect = [4]float64{right - size - margin, cy - size/2 - textH, right + margin, cy + size/2}
	return a
}

// CopyAppearance is the organisation's signature on an electronic copy
// ("sao y"): text only, top right of the first page of a page of width
// pageWidth and height pageHeight.
func CopyAppearance(pageWidth, pageHeight float64, agency string, signingTime time.Time) *Appearance {
	return &Appearance{
		Page:  1,
		Rect:  [4]float64{pageWidth - 36 - 200, pageHeight - 36 - 40, pageWidth - 36, pageHeight - 36},
		Lines: []string{"SAO Y", agency, FormatSigningTime(signingTime)},
	}
}

// build writes the appearance XObject (w×h) and its resources into u.
func (a *Appearance) build(u *pdf.Update, w, h float64) (pdf.Ref, error) {
	if err := a.Validate(); err != nil {
		return pdf.Ref{}, err
	}
	var cs bytes.Buffer
	res := pdf.Dict{}
	size := a.FontSize
	if size <= 0 {
		size = 10
	}
	lineH := size * 1.2
	textH := 0.0
	if len(a.Lines) > 0 {
		textH = float64(len(a.Lines)) * lineH
	}
	imgBox := [4]float64{0, 0, w, h} // x, y, w, h
	txtBox := [4]float64{0, 0, w, h}
	if (len(a.Image) > 0 || a.Seal != nil) && len(a.Lines) > 0 {
		if a.Layout == LayoutImageLeft {
			imgBox = [4]float64{0, 0, w / 2, h}
			txtBox = [4]float64{w / 2, 0, w / 2, h}
		} else {
			th := min(textH, h/2)
			imgBox = [4]float64{0, th, w, h - th}
			txtBox = [4]float64{0, 0, w, th}
		}
	}
	cs.WriteString("q\n")
	if len(a.Image) > 0 {
		img, iw, ih, err := imageXObject(u, a.Image)
		if err != nil {
			return pdf.Ref{}, err
		}
		res["XObject"] = pdf.Dict{"Im1": img}
		// Fit, keep the aspect ratio, centre.
		s := min(imgBox[2]/float64(iw), imgBox[3]/float64(ih))
		dw, dh := float64(iw)*s, float64(ih)*s
		x := imgBox[0] + (imgBox[2]-dw)/2
		y := imgBox[1] + (imgBox[3]-dh)/2
		fmt.Fprintf(&cs, "q %s 0 0 %s %s %s cm /Im1 Do Q\n", f2(dw), f2(dh), f2(x), f2(y))
	}
	font, err := pdffont.Serif()
	if err != nil {
		return pdf.Ref{}, apperr.Wrap(err, apperr.Internal, "Không nạp được phông chữ cho chữ ký hiển thị.")
	}
	fu := pdffont.NewUse(font)
	if len(a.Image) == 0 && a.Seal != nil {
		d := min(imgBox[2], imgBox[3])
		a.Seal.draw(&cs, fu, imgBox[0]+imgBox[2]/2, imgBox[1]+imgBox[3]/2, d/2)
	}
	if len(a.Lines) > 0 {
		// Shrink to fit the widest line and the height.
		for _, l := range a.Lines {
			if lw := font.Width(l, size); lw > txtBox[2]-2 && lw > 0 {
				size = size * (txtBox[2] - 2) / lw
			}
		}
		if float64(len(a.Lines))*size*1.2 > txtBox[3] {
			size = txtBox[3] / (float64(len(a.Lines)) * 1.2)
		}
		lineH = size * 1.2
		c := a.TextColor
		fmt.Fprintf(&cs, "BT /F1 %s Tf %s %s %s rg\n", f2(size), f2(c[0]), f2(c[1]), f2(c[2]))
		top := txtBox[1] + txtBox[3]
		for i, l := range a.Lines {
			lw := font.Width(l, size)
			x := txtBox[0] + (txtBox[2]-lw)/2
			if a.Layout == LayoutImageLeft && (len(a.Image) > 0 || a.Seal != nil) {
				x = txtBox[0] + 1
			}
			y := top - float64(i+1)*lineH + (lineH-size)/2 + size*0.2
			fmt.Fprintf(&cs, "1 0 0 1 %s %s Tm %s Tj\n", f2(x), f2(y), fu.Encode(l))
		}
		cs.WriteString("ET\n")
	}
	if len(a.Lines) > 0 || (len(a.Image) == 0 && a.Seal != nil) {
		res["Font"] = pdf.Dict{"F1": fu.Embed(u)}
	}
	cs.WriteString("Q\n")
	return u.Add(&pdf.Stream{
		Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
			"BBox":      pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(w), pdf.Real(h)},
			"Resources": res, "Filter": pdf.Name("FlateDecode"),
		},
		Data: pdf.FlateEncode(cs.Bytes()),
	}), nil
}

func f2(v float64) string { return pdf.FormatReal(v) }

// maxImagePixels bounds decoded images (a 4000×4000 seal is plenty).
const maxImagePixels = 16 << 20

// imageXObject decodes a PNG and writes it as an RGB image XObject with a
// DeviceGray soft mask when it has transparency.
func imageXObject(u *pdf.Update, data []byte) (pdf.Ref, int, int, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return pdf.Ref{}, 0, 0, apperr.Wrap(err, apperr.Invalid, "Ảnh chữ ký/con dấu phải là tệp PNG hợp lệ.")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return pdf.Ref{}, 0, 0, apperr.New(apperr.Invalid, "Ảnh chữ ký/con dấu quá lớn (tối đa %d điểm ảnh).", maxImagePixels)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return pdf.Ref{}, 0, 0, apperr.Wrap(err, apperr.Invalid, "Ảnh chữ ký/con dấu phải là tệp PNG hợp lệ.")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rgb := make([]byte, 0, w*h*3)
	alpha := make([]byte, 0, w*h)
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
			alpha = append(alpha, c.A)
			if c.A != 0xff {
				opaque = false
			}
		}
	}
	d := pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"),
		"Width": pdf.Integer(w), "Height": pdf.Integer(h),
		"ColorSpace": pdf.Name("DeviceRGB"), "BitsPerComponent": pdf.Integer(8),
		"Filter": pdf.Name("FlateDecode"),
	}
	if !opaque {
		d["SMask"] = u.Add(&pdf.Stream{Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"),
			"Width": pdf.Integer(w), "Height": pdf.Integer(h),
			"ColorSpace": pdf.Name("DeviceGray"), "BitsPerComponent": pdf.Integer(8),
			"Filter": pdf.Name("FlateDecode"),
		}, Data: pdf.FlateEncode(alpha)})
	}
	return u.Add(&pdf.Stream{Dict: d, Data: pdf.FlateEncode(rgb)}), w, h, nil
}
