// Package pdftest generates small, valid PDF files for tests and benchmarks:
// any number of pages, an optional padding image to reach a target size,
// and a choice of cross-reference table, cross-reference stream with object
// streams, or a hybrid file.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Shape selects how the generated file stores its cross-reference data.
type Shape int

// The shapes.
const (
	Table     Shape = iota // classic xref table
	ObjStream              // xref stream, non-stream objects in an object stream
	Hybrid                 // xref table with /XRefStm (PDF 1.5 hybrid)
)

// Options describe the generated document.
type Options struct {
	Pages int   // number of A4 pages (default 1)
	Size  int   // approximate file size; padding added as an incompressible image
	Shape Shape // cross-reference kind
	Seed  uint64
}

// New returns a PDF built from opts.
func New(opts Options) []byte {
	if opts.Pages <= 0 {
		opts.Pages = 1
	}
	objs := map[int]string{}    // non-stream objects (may go in an object stream)
	streams := map[int]string{} // stream objects, written in full
	n := 0
	alloc := func() int { n++; return n }
	catalog := alloc()
	pages := alloc()
	font := alloc()
	info := alloc()
	var kids []string
	padRef := 0
	if opts.Size > 0 {
		padRef = alloc()
	}
	for i := 0; i < opts.Pages; i++ {
		page := alloc()
		content := alloc()
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
		res := fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", font)
		if padRef != 0 && i == 0 {
			res = fmt.Sprintf("<< /Font << /F1 %d 0 R >> /XObject << /Pad %d 0 R >> >>", font, padRef)
		}
		objs[page] = fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595.28 841.89] /Resources %s /Contents %d 0 R >>", pages, res, content)
		text := fmt.Sprintf("BT /F1 14 Tf 72 760 Td (UY BAN NHAN DAN - trang %d/%d) Tj 0 -24 Td (Noi dung van ban thu nghiem.) Tj ET\n", i+1, opts.Pages)
		streams[content] = flateStream("", []byte(text))
	}
	objs[catalog] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)
	objs[pages] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), opts.Pages)
	objs[font] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	objs[info] = "<< /Producer (chinhquyen pdftest) /Title (Van ban thu nghiem) >>"
	if padRef != 0 {
		rng := rand.New(rand.NewPCG(opts.Seed, 7))
		side := 1
		for side*side < opts.Size {
			side++
		}
		img := make([]byte, side*side)
		for i := range img {
			img[i] = byte(rng.Uint32())
		}
		streams[padRef] = fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", side, side, len(img)) + string(img) + "\nendstream"
	}

	var buf bytes.Buffer
	buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := map[int]int{}
	writeObj := func(num int, body string) {
		offsets[num] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", num, body)
	}
	trailerKeys := fmt.Sprintf("/Root %d 0 R /Info %d 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]", catalog, info)

	nums := func(m map[int]string) []int {
		var k []int
		for x := range m {
			k = append(k, x)
		}
		sort.Ints(k)
		return k
	}
	switch opts.Shape {
	case Table:
		all := map[int]string{}
		for k, v := range objs {
			all[k] = v
		}
		for k, v := range streams {
			all[k] = v
		}
		for _, k := range nums(all) {
			writeObj(k, all[k])
		}
		xref := buf.Len()
		fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f\r\n", n+1)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&buf, "%010d 00000 n\r\n", offsets[i])
		}
		fmt.Fprintf(&buf, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", n+1, trailerKeys, xref)
	case ObjStream, Hybrid:
		for _, k := range nums(streams) {
			writeObj(k, streams[k])
		}
		// Object stream with all non-stream objects.
		stm := n + 1
		xs := n + 2
		var head, body bytes.Buffer
		idx := map[int]int{}
		for i, k := range nums(objs) {
			idx[k] = i
			fmt.Fprintf(&head, "%d %d ", k, body.Len())
			body.WriteString(objs[k])
			body.WriteByte('\n')
		}
		data := append(head.Bytes(), body.Bytes()...)
		writeObj(stm, flateStream(fmt.Sprintf("/Type /ObjStm /N %d /First %d", len(objs), head.Len()), data))
		xsOff := buf.Len()
		var rows bytes.Buffer
		for i := 0; i <= xs; i++ {
			switch {
			case i == 0:
				rows.Write([]byte{0, 0, 0, 0, 0xff, 0xff})
			case i == xs:
				rows.Write([]byte{1, byte(xsOff >> 24), byte(xsOff >> 16), byte(xsOff >> 8), byte(xsOff), 0})
			default:
				if j, ok := idx[i]; ok {
					rows.Write([]byte{2, byte(stm >> 24), byte(stm >> 16), byte(stm >> 8), byte(stm), byte(j)})
				} else {
					o := offsets[i]
					rows.Write([]byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0})
				}
			}
		}
		pngRows := pngUp(rows.Bytes(), 6)
		writeObj(xs, flateStream(fmt.Sprintf("/Type /XRef /Size %d /W [1 4 1] /DecodeParms << /Predictor 12 /Columns 6 >> %s", xs+1, trailerKeys), pngRows))
		if opts.Shape == ObjStream {
			fmt.Fprintf(&buf, "startxref\n%d\n%%%%EOF\n", xsOff)
			break
		}
		// Hybrid: a table listing only the uncompressed objects; the
		// compressed ones are found through /XRefStm.
		// Object numbers held in the object stream are left out of the
		// table (subsection gaps); poppler treats a free entry as final.
		xref := buf.Len()
		buf.WriteString("xref\n0 1\n0000000000 65535 f\r\n")
		for i := 1; i <= xs; i++ {
			if o, ok := offsets[i]; ok {
				fmt.Fprintf(&buf, "%d 1\n%010d 00000 n\r\n", i, o)
			}
		}
		fmt.Fprintf(&buf, "trailer\n<< /Size %d %s /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", xs+1, trailerKeys, xsOff, xref)
	}
	return buf.Bytes()
}

func flateStream(dict string, data []byte) string {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	return fmt.Sprintf("<< %s /Filter /FlateDecode /Length %d >>\nstream\n", dict, z.Len()) + z.String() + "\nendstream"
}

// pngUp applies the PNG "Up" filter to rows of the given width.
func pngUp(data []byte, width int) []byte {
	var out []byte
	prev := make([]byte, width)
	for i := 0; i+width <= len(data); i += width {
		row := data[i : i+width]
		out = append(out, 2)
		for j := range row {
			out = append(out, row[j]-prev[j])
		}
		prev = row
	}
	return out
}
