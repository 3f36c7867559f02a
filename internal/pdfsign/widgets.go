package pdfsign

import (
	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// SignatureWidget is where a signed signature field is shown.
type SignatureWidget struct {
	FieldName string
	Page      int        // 1-based; 0 when the widget names no page of the document
	Rect      [4]float64 // llx, lly, urx, ury in points; all zero for an invisible signature
	Signer    string     // common name of the signing certificate, "" if unreadable
	DocTS     bool       // a document time-stamp, not a signature
}

// Visible reports whether the widget has an area on a page.
func (w SignatureWidget) Visible() bool {
	return w.Page > 0 && w.Rect[2] > w.Rect[0] && w.Rect[3] > w.Rect[1]
}

// SignatureWidgets lists the signed signature fields of the PDF in, in
// signing order, with their page and rectangle: the organisation's seal
// (SealAppearance) is placed over the leader's signature found here.
// Errors are those of reading the file (corrupt or encrypted PDF, or one
// that exceeds pdf.DefaultLimits).
func SignatureWidgets(in []byte) ([]SignatureWidget, error) {
	r, err := pdf.Open(in)
	if err != nil {
		return nil, err
	}
	pages, _ := r.Pages()
	pageOf := map[pdf.Ref]int{}
	for i, p := range pages {
		pageOf[p] = i + 1
	}
	var out []SignatureWidget
	for _, s := range findSignatures(r) {
		w := SignatureWidget{FieldName: s.field, DocTS: s.docTS}
		if s.cms != nil {
			if c, err := s.cms.signerCert(); err == nil {
				w.Signer = c.Subject.CommonName
			}
		}
		field, _ := r.Dict(s.fieldRef)
		widget := field
		if _, ok := field["Rect"]; !ok {
			// A field with separate widget kids: the first one.
			if kids, _ := r.Resolve(field["Kids"]).(pdf.Array); len(kids) > 0 {
				widget, _ = r.Dict(kids[0])
			}
		}
		if rect, ok := r.Resolve(widget["Rect"]).(pdf.Array); ok && len(rect) == 4 {
			for i, v := range rect {
				w.Rect[i], _ = pdf.Num(r.Resolve(v))
			}
			if w.Rect[0] > w.Rect[2] {
				w.Rect[0], w.Rect[2] = w.Rect[2], w.Rect[0]
			}
			if w.Rect[1] > w.Rect[3] {
				w.Rect[1], w.Rect[3] = w.Rect[3], w.Rect[1]
			}
		}
		if p, ok := widget["P"].(pdf.Ref); ok {
			w.Page = pageOf[p]
		}
		if w.Page == 0 {
			// No /P: find the page whose /Annots holds the widget.
			for i, p := range pages {
				pd, _ := r.Dict(p)
				annots, _ := r.Resolve(pd["Annots"]).(pdf.Array)
				for _, a := range annots {
					if ref, ok := a.(pdf.Ref); ok && ref == s.fieldRef {
						w.Page = i + 1
					}
				}
			}
		}
		out = append(out, w)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
