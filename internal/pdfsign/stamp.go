package pdfsign

import (
	"context"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdffont"
)

// StampOptions configure AddTextStamp.
type StampOptions struct {
	Page     int     // 1-based (0 = first page)
	X, Y     float64 // lower-left corner of the text, PDF points
	Text     string  // e.g. "Số: 05/QĐ-UBND, ngày 25/11/2026"
	FontSize float64 // default 13 (Decree 30 body text)
	// Name identifies the annotation (/NM), e.g. "so-ky-hieu".
	Name string
}

// AddTextStamp adds a line of text (the document number and date that the
// clerk assigns after the leader has signed) as an incremental update, so
// earlier signatures stay valid. The text is a locked, read-only /Stamp
// annotation carrying its own appearance (embedded Vietnamese font): an
// annotation, not a change to the signed page content, which is what
// validators (and Verify) accept after an approval signature. Existing
// signatures must verify, or the stamp is refused.
func AddTextStamp(in []byte, opts StampOptions) ([]byte, error) {
	if opts.Text == "" {
		return nil, apperr.FieldError("text", "Nội dung cần đóng dấu trống.")
	}
	size := opts.FontSize
	if size <= 0 {
		size = 13
	}
	// No caller's context here: DefaultLimits' time limit still bounds it.
	r, err := openForUpdate(context.Background(), in)
	if err != nil {
		return nil, err
	}
	if err := checkExistingSignatures(r, false, &SignResult{}); err != nil {
		return nil, err
	}
	pages, err := r.Pages()
	if err != nil {
		return nil, err
	}
	idx := 0
	if opts.Page > 0 {
		idx = opts.Page - 1
	}
	if idx < 0 || idx >= len(pages) {
		return nil, apperr.FieldError("page", "Trang %d không tồn tại (tài liệu có %d trang).", opts.Page, len(pages))
	}
	font, err := pdffont.Serif()
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "Không nạp được phông chữ.")
	}
	w := font.Width(opts.Text, size) + 2
	h := size * 1.3
	u, err := pdf.NewUpdate(r)
	if err != nil {
		return nil, wrapPDF(err, apperr.Invalid, "Tệp PDF bị hỏng cấu trúc.")
	}
	ap := &Appearance{Rect: [4]float64{opts.X, opts.Y, opts.X + w, opts.Y + h}, Lines: []string{opts.Text}, FontSize: size}
	apRef, err := ap.build(u, w, h)
	if err != nil {
		return nil, err
	}
	annot := pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Stamp"),
		"Rect":     pdf.Array{pdf.Real(opts.X), pdf.Real(opts.Y), pdf.Real(opts.X + w), pdf.Real(opts.Y + h)},
		"Contents": textString(opts.Text),
		"F":        pdf.Integer(4 | 64 | 128), // Print | ReadOnly | Locked
		"AP":       pdf.Dict{"N": apRef},
		"P":        pages[idx],
	}
	if opts.Name != "" {
		annot["NM"] = textString(opts.Name)
	}
	ref := u.Add(annot)
	if err := addAnnot(u, r, pages[idx], ref); err != nil {
		return nil, err
	}
	app, err := u.Write()
	if err != nil {
		return nil, wrapPDF(err, apperr.Internal, "Không ghi được phần cập nhật của tệp PDF.")
	}
	out := make([]byte, len(in)+len(app))
	copy(out, in)
	copy(out[len(in):], app)
	return out, nil
}
