package pdfsign

import "github.com/chinhquyen/chinhquyen/internal/pdf"

// Appearance places a visible signature.
type Appearance struct {
	Page int        // 1-based page number (0 = first page)
	Rect [4]float64 // llx, lly, urx, ury in PDF points
}

func (a *Appearance) build(u *pdf.Update, w, h float64) (pdf.Ref, error) {
	return u.Add(&pdf.Stream{Dict: pdf.Dict{"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Real(w), pdf.Real(h)}}}), nil
}
