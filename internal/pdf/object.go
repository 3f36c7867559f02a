package pdf

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
)

// Object is a PDF object: nil (null), Bool, Integer, Real, String,
// HexString, Name, Array, Dict, *Stream or Ref. The writer also accepts Raw
// and *Placeholder.
type Object any

// Bool is a PDF boolean.
type Bool bool

// Integer is a PDF integer.
type Integer int64

// Real is a PDF real number.
type Real float64

// String is a PDF literal string "(…)"; the bytes are uninterpreted.
type String string

// HexString is a PDF hexadecimal string "<…>"; the value is the decoded bytes.
type HexString string

// Name is a PDF name without its leading slash, with #xx escapes decoded.
type Name string

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary.
type Dict map[Name]Object

// Ref is an indirect reference "Num Gen R".
type Ref struct {
	Num int
	Gen int
}

// String formats the reference as PDF does.
func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Stream is a stream object. Data holds the raw (still encoded) bytes; for a
// stream read from a file it aliases the input buffer and must not be
// modified.
type Stream struct {
	Dict Dict
	Data []byte
}

// Raw is written verbatim by the writer. It lets callers emit pre-formatted
// tokens; the caller guarantees it is valid PDF syntax.
type Raw []byte

// Placeholder reserves a fixed number of bytes in the written output (for
// example a signature's /ByteRange or /Contents). The writer writes Fill and
// records in Offset where it starts in the complete file, so the caller can
// patch the bytes in place afterwards without moving anything.
type Placeholder struct {
	Fill   []byte
	Offset int64
	// HexZeros, when Fill is empty, writes a hex string of HexZeros zero
	// bytes ("<" + 2×HexZeros '0' + ">"), the /Contents of a signature
	// before it is signed, without building it in memory first.
	HexZeros int
}

// Len is the number of bytes the placeholder occupies in the file.
func (p *Placeholder) Len() int {
	if len(p.Fill) > 0 {
		return len(p.Fill)
	}
	return 2*p.HexZeros + 2
}

// hexZeros is a run of '0' the writer copies /Contents placeholders from.
var hexZeros = bytes.Repeat([]byte{'0'}, 4096)

// Text returns the bytes of a String or HexString.
func Text(o Object) (string, bool) {
	switch v := o.(type) {
	case String:
		return string(v), true
	case HexString:
		return string(v), true
	}
	return "", false
}

// Int returns the value of an Integer (or of a Real with an integral value).
func Int(o Object) (int64, bool) {
	switch v := o.(type) {
	case Integer:
		return int64(v), true
	case Real:
		if float64(int64(v)) == float64(v) {
			return int64(v), true
		}
	}
	return 0, false
}

// Num returns the value of an Integer or Real as float64.
func Num(o Object) (float64, bool) {
	switch v := o.(type) {
	case Integer:
		return float64(v), true
	case Real:
		return float64(v), true
	}
	return 0, false
}

// Clone returns a shallow copy of d, so that a caller can change keys of an
// object read from a file without touching the reader's cache.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d)+2)
	for k, v := range d {
		c[k] = v
	}
	return c
}

// Name returns d[key] if it is a Name.
func (d Dict) Name(key Name) (Name, bool) {
	n, ok := d[key].(Name)
	return n, ok
}

// appendObject serialises o in PDF syntax. Placeholders get their offset
// relative to the start of buf, plus base.
func appendObject(buf *bytes.Buffer, o Object, base int64, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("object nested too deeply")
	}
	switch v := o.(type) {
	case nil:
		buf.WriteString("null")
	case Bool:
		if v {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case Integer:
		buf.WriteString(strconv.FormatInt(int64(v), 10))
	case int:
		buf.WriteString(strconv.Itoa(v))
	case Real:
		buf.WriteString(FormatReal(float64(v)))
	case String:
		appendLiteral(buf, []byte(v))
	case HexString:
		buf.WriteByte('<')
		buf.WriteString(hex.EncodeToString([]byte(v)))
		buf.WriteByte('>')
	case Name:
		appendName(buf, v)
	case Array:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(' ')
			}
			if err := appendObject(buf, e, base, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		buf.WriteString("<<")
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(' ')
			}
			appendName(buf, Name(k))
			buf.WriteByte(' ')
			if err := appendObject(buf, v[Name(k)], base, depth+1); err != nil {
				return err
			}
		}
		buf.WriteString(">>")
	case *Stream:
		d := v.Dict.Clone()
		d["Length"] = Integer(len(v.Data))
		if err := appendObject(buf, d, base, depth+1); err != nil {
			return err
		}
		buf.WriteString("\nstream\n")
		buf.Write(v.Data)
		buf.WriteString("\nendstream")
	case Ref:
		buf.WriteString(strconv.Itoa(v.Num))
		buf.WriteByte(' ')
		buf.WriteString(strconv.Itoa(v.Gen))
		buf.WriteString(" R")
	case Raw:
		buf.Write(v)
	case *Placeholder:
		v.Offset = base + int64(buf.Len())
		if len(v.Fill) > 0 {
			buf.Write(v.Fill)
			break
		}
		buf.WriteByte('<')
		for n := 2 * v.HexZeros; n > 0; n -= len(hexZeros) {
			buf.Write(hexZeros[:min(n, len(hexZeros))])
		}
		buf.WriteByte('>')
	default:
		return fmt.Errorf("cannot write %T", o)
	}
	return nil
}

// FormatReal formats f without exponent and with at most 4 decimals, which is
// the precision PDF viewers use for coordinates.
func FormatReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 4, 64)
	s = trimZeros(s)
	if s == "-0" {
		s = "0"
	}
	return s
}

func trimZeros(s string) string {
	if !bytes.ContainsRune([]byte(s), '.') {
		return s
	}
	i := len(s)
	for i > 0 && s[i-1] == '0' {
		i--
	}
	if i > 0 && s[i-1] == '.' {
		i--
	}
	return s[:i]
}

func appendLiteral(buf *bytes.Buffer, b []byte) {
	buf.WriteByte('(')
	for _, c := range b {
		switch c {
		case '(', ')', '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case '\r':
			buf.WriteString(`\r`)
		case '\n':
			buf.WriteString(`\n`)
		default:
			buf.WriteByte(c)
		}
	}
	buf.WriteByte(')')
}

func appendName(buf *bytes.Buffer, n Name) {
	buf.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			fmt.Fprintf(buf, "#%02X", c)
			continue
		}
		buf.WriteByte(c)
	}
}

// Marshal returns o in PDF syntax (placeholders are written but their
// offsets are relative to the returned slice).
func Marshal(o Object) ([]byte, error) {
	var buf bytes.Buffer
	err := appendObject(&buf, o, 0, 0)
	return buf.Bytes(), err
}
