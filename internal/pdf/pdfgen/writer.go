// Package pdfgen writes simple PDF documents from scratch: the printed
// registers of Decree 30/2020/NĐ-CP Appendix IV and other tables
// (Table). Text uses the embedded Vietnamese font of package pdffont
// (a glyph subset with a ToUnicode map, so the printout shows every
// diacritic and its text can be copied and searched).
//
// The output is deterministic: the same input gives the same bytes (no
// creation date, a file identifier derived from the content), which lets
// tests compare it and lets a register printed twice be recognised as the
// same.
package pdfgen

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// document collects the objects of a new PDF; object numbers start at 1.
type document struct {
	objs []pdf.Object
}

// Add stores o and returns its reference (pdffont.Adder).
func (d *document) Add(o pdf.Object) pdf.Ref {
	d.objs = append(d.objs, o)
	return pdf.Ref{Num: len(d.objs)}
}

// reserve allocates an object number filled later with set (for objects
// that refer to each other, like a page and its parent).
func (d *document) reserve() pdf.Ref { return d.Add(nil) }

func (d *document) set(ref pdf.Ref, o pdf.Object) { d.objs[ref.Num-1] = o }

// write writes the document with a cross-reference table (PDF 1.7).
func (d *document) write(w io.Writer, root, info pdf.Ref) error {
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(d.objs))
	for i, o := range d.objs {
		offsets[i] = buf.Len()
		b, err := pdf.Marshal(o)
		if err != nil {
			return fmt.Errorf("write object %d: %w", i+1, err)
		}
		fmt.Fprintf(&buf, "%d 0 obj\n", i+1)
		buf.Write(b)
		buf.WriteString("\nendobj\n")
	}
	sum := sha256.Sum256(buf.Bytes())
	id := pdf.HexString(sum[:16])
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f\r\n", len(d.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n\r\n", off)
	}
	trailer, err := pdf.Marshal(pdf.Dict{
		"Size": pdf.Integer(len(d.objs) + 1), "Root": root, "Info": info,
		"ID": pdf.Array{id, id},
	})
	if err != nil {
		return err
	}
	buf.WriteString("trailer\n")
	buf.Write(trailer)
	fmt.Fprintf(&buf, "\nstartxref\n%d\n%%%%EOF\n", xref)
	_, err = w.Write(buf.Bytes())
	return err
}

// textString encodes s as a PDF text string: PDFDocEncoding's ASCII part
// as is, anything else as UTF-16BE with a byte order mark.
func textString(s string) pdf.String {
	ascii := true
	for _, r := range s {
		if r >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return pdf.String(s)
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return pdf.String(b)
}
