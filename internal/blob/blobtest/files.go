package blobtest

import (
	"archive/zip"
	"bytes"
	"testing"
)

// PDF is a small well-formed PDF.
func PDF() []byte {
	return []byte("%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

// PNG is the PNG signature and an IHDR chunk: enough for sniffing.
func PNG() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
}

// JPEG is the start of a JFIF file.
func JPEG() []byte {
	return []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
}

// Zip builds a ZIP with the named entries in order; a nil value is
// replaced by a short XML document. stored names entries kept uncompressed.
func Zip(t testing.TB, entries []Entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e.Stored {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		data := e.Data
		if data == nil {
			data = []byte(`<?xml version="1.0" encoding="UTF-8"?><r>Ủy ban nhân dân</r>`)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Entry is one ZIP entry for Zip.
type Entry struct {
	Name   string
	Data   []byte
	Stored bool
}

// DOCX is the skeleton of a Word document.
func DOCX(t testing.TB) []byte {
	return Zip(t, []Entry{{Name: "[Content_Types].xml"}, {Name: "_rels/.rels"}, {Name: "word/document.xml"}})
}

// XLSX is the skeleton of an Excel workbook.
func XLSX(t testing.TB) []byte {
	return Zip(t, []Entry{{Name: "[Content_Types].xml"}, {Name: "xl/workbook.xml"}, {Name: "xl/worksheets/sheet1.xml"}})
}

// ODT is the skeleton of an OpenDocument text.
func ODT(t testing.TB) []byte {
	return Zip(t, []Entry{{Name: "mimetype", Data: []byte("application/vnd.oasis.opendocument.text"), Stored: true},
		{Name: "content.xml"}, {Name: "META-INF/manifest.xml"}})
}

// ZipBomb is a DOCX whose document expands to 64 MiB of zeros from about
// 64 KB: refused from its central directory alone.
func ZipBomb(t testing.TB) []byte {
	return Zip(t, []Entry{{Name: "[Content_Types].xml"}, {Name: "word/document.xml", Data: make([]byte, 64<<20)}})
}
