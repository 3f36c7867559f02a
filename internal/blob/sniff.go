package blob

import (
	"bytes"
	"encoding/binary"
	"io"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// The media types an upload may have: the documents officials exchange
// and the images citizens photograph.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeODT  = "application/vnd.oasis.opendocument.text"
)

// extensions lists each type's file-name extensions, the first canonical.
var extensions = map[string][]string{
	TypePDF:  {".pdf"},
	TypePNG:  {".png"},
	TypeJPEG: {".jpg", ".jpeg", ".jpe"},
	TypeDOCX: {".docx"},
	TypeXLSX: {".xlsx"},
	TypeODT:  {".odt"},
}

const allowedTypes = "PDF, PNG, JPEG, DOCX, XLSX hoặc ODT"

// Bounds of the ZIP check: office files are read through their central
// directory only, never decompressed, and a directory past these bounds
// is refused before it is parsed.
const (
	maxZipEntries = 5000
	maxZipDirSize = 1 << 20
	// maxZipExpanded bounds what the entries declare they expand to, and
	// maxZipRatio each entry's declared compression ratio (deflate cannot
	// exceed about 1032:1; office XML reaches 20:1 to 100:1).
	maxZipExpanded = 256 << 20
	maxZipRatio    = 200
)

// Sniff decides the media type of size bytes readable at r from their
// content alone. It reads at most the first 8 bytes, the ZIP end record
// and central directory (bounded), and an ODT's stored "mimetype" entry.
func Sniff(r io.ReaderAt, size int64) (string, error) {
	if size == 0 {
		return "", apperr.FieldError("file", "Tệp rỗng (0 byte): hãy chọn đúng tệp cần tải lên")
	}
	head := make([]byte, 8)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", apperr.Wrap(err, apperr.Internal, "Không đọc được tệp tải lên")
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(r, size)
	}
	return "", unsupported()
}

func unsupported() error {
	return apperr.FieldError("file", "Loại tệp không được nhận: chỉ nhận tệp %s", allowedTypes)
}

func badZip(why string) error {
	return apperr.FieldError("file", "Tệp văn phòng (ZIP) không hợp lệ hoặc bất thường (%s): không nhận", why)
}

type zipEntry struct {
	name              string
	method            uint16
	compressed, plain uint32
	offset            uint32
	localEnd          uint64 // offset + local header + name + compressed bytes, at least
}

// sniffZip reads the central directory within the bounds above and tells
// DOCX, XLSX and ODT by their marker entries. Overlapping entries (the
// construction of non-recursive ZIP bombs), declared expansion past the
// bounds and ZIP64 are refused: no office file under the upload limit
// needs them.
func sniffZip(r io.ReaderAt, size int64) (string, error) {
	const eocdLen = 22
	if size < eocdLen {
		return "", badZip("quá ngắn")
	}
	tail := int64(eocdLen + 0xFFFF)
	if tail > size {
		tail = size
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return "", apperr.Wrap(err, apperr.Internal, "Không đọc được tệp tải lên")
	}
	at := -1
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == 0x06054b50 && i+eocdLen+int(binary.LittleEndian.Uint16(buf[i+20:])) == len(buf) {
			at = i
			break
		}
	}
	if at < 0 {
		return "", badZip("không có mục lục")
	}
	e := buf[at:]
	if binary.LittleEndian.Uint16(e[4:]) != 0 || binary.LittleEndian.Uint16(e[6:]) != 0 {
		return "", badZip("nhiều phần")
	}
	count := int(binary.LittleEndian.Uint16(e[10:]))
	dirSize := int64(binary.LittleEndian.Uint32(e[12:]))
	dirOff := int64(binary.LittleEndian.Uint32(e[16:]))
	if count == 0xFFFF || dirOff == 0xFFFFFFFF || dirSize == 0xFFFFFFFF {
		return "", badZip("ZIP64")
	}
	if count == 0 || count > maxZipEntries || dirSize > maxZipDirSize || dirOff+dirSize > size-int64(len(buf)-at) {
		return "", badZip("mục lục bất thường")
	}
	dir := make([]byte, dirSize)
	if _, err := r.ReadAt(dir, dirOff); err != nil && err != io.EOF {
		return "", apperr.Wrap(err, apperr.Internal, "Không đọc được tệp tải lên")
	}
	entries := make([]zipEntry, 0, count)
	var expanded uint64
	for p := 0; len(entries) < count; {
		if p+46 > len(dir) || binary.LittleEndian.Uint32(dir[p:]) != 0x02014b50 {
			return "", badZip("mục lục hỏng")
		}
		h := dir[p:]
		z := zipEntry{
			method:     binary.LittleEndian.Uint16(h[10:]),
			compressed: binary.LittleEndian.Uint32(h[20:]),
			plain:      binary.LittleEndian.Uint32(h[24:]),
			offset:     binary.LittleEndian.Uint32(h[42:]),
		}
		nameLen := int(binary.LittleEndian.Uint16(h[28:]))
		extraLen := int(binary.LittleEndian.Uint16(h[30:]))
		commentLen := int(binary.LittleEndian.Uint16(h[32:]))
		if p+46+nameLen+extraLen+commentLen > len(dir) {
			return "", badZip("mục lục hỏng")
		}
		if z.compressed == 0xFFFFFFFF || z.plain == 0xFFFFFFFF || z.offset == 0xFFFFFFFF {
			return "", badZip("ZIP64")
		}
		z.name = string(h[46 : 46+nameLen])
		z.localEnd = uint64(z.offset) + 30 + uint64(nameLen) + uint64(z.compressed)
		expanded += uint64(z.plain)
		if expanded > maxZipExpanded || uint64(z.plain) > maxZipRatio*uint64(max(z.compressed, 1024)) {
			return "", badZip("tỉ lệ nén bất thường, có dấu hiệu bom ZIP")
		}
		entries = append(entries, z)
		p += 46 + nameLen + extraLen + commentLen
	}
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b zipEntry) int { return int(int64(a.offset) - int64(b.offset)) })
	for i, z := range sorted {
		next := uint64(dirOff)
		if i+1 < len(sorted) {
			next = uint64(sorted[i+1].offset)
		}
		if z.localEnd > next {
			return "", badZip("các phần chồng lên nhau, có dấu hiệu bom ZIP")
		}
	}
	has := func(name string) bool {
		return slices.ContainsFunc(entries, func(z zipEntry) bool { return z.name == name })
	}
	switch {
	case has("[Content_Types].xml") && has("word/document.xml"):
		return TypeDOCX, nil
	case has("[Content_Types].xml") && has("xl/workbook.xml"):
		return TypeXLSX, nil
	case len(entries) > 0 && entries[0].name == "mimetype" && entries[0].method == 0 && entries[0].offset == 0:
		// OpenDocument (ISO/IEC 26300, part 3 §3.3): the first entry is
		// "mimetype", stored uncompressed, holding the media type.
		want := TypeODT
		if int(entries[0].plain) != len(want) {
			break
		}
		local := make([]byte, 30)
		if _, err := r.ReadAt(local, 0); err != nil {
			break
		}
		data := make([]byte, len(want))
		off := int64(30) + int64(binary.LittleEndian.Uint16(local[26:])) + int64(binary.LittleEndian.Uint16(local[28:]))
		if _, err := r.ReadAt(data, off); err == nil && string(data) == want {
			return TypeODT, nil
		}
	}
	return "", unsupported()
}

// maxNameBytes bounds a cleaned name (most file systems allow 255 bytes).
const maxNameBytes = 255

// CleanName turns a client's file name into one safe to show and to offer
// for download: invalid UTF-8 replaced, NFC, only the last path element
// (either slash), no control or format characters (which hides bidi
// overrides that disguise an extension), none of the characters Windows
// forbids, no trailing dots and spaces nor a leading dot, at most 255 bytes with
// the extension kept. An empty result is "tệp".
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = norm.NFC.String(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.TrimRight(name, ". ")
	// The prefix comes before the cut, so that a second cleaning finds
	// nothing to change (the cut must see the final length).
	name = unhidden(name)
	if len(name) > maxNameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		stem := name[:maxNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = unhidden(strings.TrimRight(stem, ". ") + ext)
	}
	return name
}

// unhidden names a nameless file, or one whose name would hide it on Unix.
func unhidden(name string) string {
	if name == "" || strings.HasPrefix(name, ".") {
		return "tệp" + name
	}
	return name
}

// NameForType checks that a cleaned name's extension agrees with the
// sniffed type, so a PDF named .png (or a program dressed as a document)
// is refused; a name without extension gets the type's canonical one.
func NameForType(name, mediaType string) (string, error) {
	exts := extensions[mediaType]
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return name + exts[0], nil
	}
	if !slices.Contains(exts, ext) {
		return "", apperr.FieldError("file", "Phần mở rộng %q của tệp không khớp với nội dung (%s): hãy kiểm tra lại tệp", path.Ext(name), typeLabel(mediaType))
	}
	return name, nil
}

func typeLabel(mt string) string {
	return strings.ToUpper(strings.TrimPrefix(extensions[mt][0], "."))
}
