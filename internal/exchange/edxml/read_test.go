package edxml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestStripSpace: the eight-bytes-at-once path keeps exactly what a plain
// filter keeps, whatever mixes of line breaks, spaces, tabs and other bytes
// (control characters and bytes past 0x7f are kept for the decoder to refuse).
func TestStripSpace(t *testing.T) {
	alphabet := []byte("ABCZaz09+/=\r\n \t\x00\x1f!\x80\xff")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		b := make([]byte, r.IntN(100))
		for j := range b {
			if r.IntN(4) == 0 {
				b[j] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[j] = alphabet[r.IntN(11)]
			}
		}
		var want []byte
		for _, c := range b {
			if !strings.ContainsRune("\r\n \t", rune(c)) {
				want = append(want, c)
			}
		}
		if got := stripSpace(bytes.Clone(b)); !bytes.Equal(got, want) {
			t.Fatalf("%d: %q: got %q, want %q", i, b, got, want)
		}
	}
}

// mimePackage is a MIME package of one envelope and attachment parts given
// as their encoded bodies (base64 with the given Content-Transfer-Encoding).
func mimePackage(cte string, bodies ...string) []byte {
	var b strings.Builder
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b\"; start=\"<env>\"\r\n\r\n")
	b.WriteString("--b\r\nContent-Type: text/xml\r\nContent-ID: <env>\r\n\r\n<Envelope><Header><MessageHeader/></Header><Body/></Envelope>")
	for i, body := range bodies {
		b.WriteString("\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: " + cte + "\r\nContent-ID: <a" + string(rune('0'+i)) + ">\r\n\r\n")
		b.WriteString(body)
	}
	b.WriteString("\r\n--b--\r\n")
	return []byte(b.String())
}

// TestReadBase64Parts: attachments decoded in bulk give the bytes written,
// line breaks and spaces anywhere, several parts of different sizes one
// after the other (the text buffer is reused); the decoded-size limit holds
// to the byte, whitespace does not count towards it, text that is not
// padded base64 is refused as malformed.
func TestReadBase64Parts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	spaced := func(b []byte) string {
		enc := base64.StdEncoding.EncodeToString(b)
		var s strings.Builder
		for i, c := range enc {
			s.WriteRune(c)
			switch i % 13 {
			case 3:
				s.WriteString("\r\n")
			case 7:
				s.WriteString(" \t")
			case 11:
				s.WriteString("\n")
			}
		}
		return s.String()
	}
	big, small, empty := data(100000), data(7), []byte{}
	p, err := Parse(mimePackage("base64", spaced(big), spaced(small), "", spaced(big[:1])), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{big, small, empty, big[:1]} {
		if got := p.parts["a"+string(rune('0'+i))]; !bytes.Equal(got, want) {
			t.Fatalf("part %d: %d bytes, want %d", i, len(got), len(want))
		}
	}

	const max = 1000
	lim := Limits{MaxAttachmentBytes: max}
	for _, n := range []int{max - 2, max - 1, max} {
		if _, err := Parse(mimePackage("base64", spaced(data(n))), lim); err != nil {
			t.Fatalf("%d bytes within a limit of %d: %v", n, max, err)
		}
	}
	for _, c := range []struct {
		name string
		body string
		want Reason
	}{
		{"one byte past", spaced(data(max + 1)), ReasonTooLarge},
		{"far past", spaced(data(50 * max)), ReasonTooLarge},
		{"past, then not base64", base64.StdEncoding.EncodeToString(data(2*max)) + "!!!!", ReasonTooLarge},
		{"whitespace only", strings.Repeat(" \r\n", 10*max), ""},
		{"unpadded", strings.TrimRight(base64.StdEncoding.EncodeToString(data(10)), "="), ReasonMalformed},
		{"bad character", "QUJD!EVG", ReasonMalformed},
		{"data after padding", "QQ==QUJD", ReasonMalformed},
		{"padding inside a group", "QQ=A", ReasonMalformed},
	} {
		_, err := Parse(mimePackage("base64", c.body), lim)
		if ReasonOf(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Parts sent as they are count every byte.
	if _, err := Parse(mimePackage("binary", strings.Repeat("x", max)), lim); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(mimePackage("binary", strings.Repeat("x", max+1)), lim); ReasonOf(err) != ReasonTooLarge {
		t.Fatalf("binary part past the limit: %v", err)
	}
}

// TestBase64Lines: the lines written line by line are those of the whole
// file's base64 cut every 76 characters, for every length around the cuts.
func TestBase64Lines(t *testing.T) {
	data := make([]byte, 400)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for n := range len(data) {
		enc := base64.StdEncoding.EncodeToString(data[:n])
		var want []string
		for len(enc) > 76 {
			want = append(want, enc[:76])
			enc = enc[76:]
		}
		want = append(want, enc)
		if got := string(appendBase64Lines([]byte("x"), data[:n])); got != "x"+strings.Join(want, "\r\n") {
			t.Fatalf("%d bytes: %q", n, got)
		}
	}
}

// TestCertificateCache: a certificate read again from the same bytes is the
// one parsed before; other bytes give another certificate, bytes that are
// not a certificate are refused every time, and the cache never holds more
// than its bound.
func TestCertificateCache(t *testing.T) {
	_, chain, _ := fixture(t)
	_, other, _ := otherCA(t, "Cơ quan khác")
	a, err := parseCertificate(bytes.Clone(chain[0].Raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseCertificate(bytes.Clone(chain[0].Raw))
	if err != nil || a != b || !a.Equal(chain[0]) {
		t.Fatalf("same bytes: %p %p %v", a, b, err)
	}
	if c, err := parseCertificate(other[0].Raw); err != nil || !c.Equal(other[0]) || c.Equal(a) {
		t.Fatalf("other bytes: %v", err)
	}
	for range 2 {
		if _, err := parseCertificate([]byte("không phải chứng thư")); err == nil {
			t.Fatal("garbage parsed")
		}
	}
	for range certCacheSize * 2 {
		_, more, _ := otherCA(t, "x")
		if _, err := parseCertificate(more[0].Raw); err != nil {
			t.Fatal(err)
		}
		certCache.Lock()
		n := len(certCache.m)
		certCache.Unlock()
		if n > certCacheSize {
			t.Fatalf("%d certificates cached", n)
		}
	}
}

// FuzzBase64Part: reading a base64 part in bulk gives what decoding its
// whole text without spaces gives (referenceBase64): the same bytes, or
// the same refusal (too large, malformed), whatever the sizes the part
// arrives in. Seed "000= 0000" is a padded group in the middle, which the
// streaming decoder used before accepted or not with the reads' sizes.
func FuzzBase64Part(f *testing.F) {
	f.Add([]byte("QUJD\r\nREVG\r\n"), uint16(6), uint8(0))
	f.Add([]byte("QUJD REVG\tRw=="), uint16(6), uint8(1))
	f.Add([]byte("QQ==QQ=="), uint16(10), uint8(3))
	f.Add([]byte("000=000="), uint16(4), uint8(0))
	f.Add([]byte("000= 0000"), uint16(7), uint8(0))
	f.Add([]byte("QUJDREVG!"), uint16(3), uint8(2))
	f.Add([]byte(""), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, text []byte, max16 uint16, chunk uint8) {
		max := int64(max16)
		want, wantReason := referenceBase64(text, max)
		var r io.Reader = bytes.NewReader(text)
		if chunk > 0 {
			r = &chunked{r: r, n: int(chunk)}
		}
		var scratch []byte
		got, err := readBase64(r, max, &scratch, len(text))
		if ReasonOf(err) != wantReason || !bytes.Equal(got, want) {
			t.Fatalf("%q max %d: got %q %v, want %q %q", text, max, got, err, want, wantReason)
		}
	})
}

// chunked returns at most n bytes a read.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// precheckTwoPasses is how the envelope was checked before: a raw
// tokenizer pass for the limits, then a full pass for well-formedness.
func precheckTwoPasses(x []byte, lim Limits) error {
	if int64(len(x)) > lim.MaxXMLBytes {
		return fail(ReasonTooLarge, "")
	}
	up := bytes.ToUpper(x)
	if bytes.Contains(up, []byte("<!DOCTYPE")) || bytes.Contains(up, []byte("<!ENTITY")) {
		return fail(ReasonDTD, "")
	}
	d := xml.NewDecoder(bytes.NewReader(x))
	d.Strict = true
	depth, elems := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(ReasonMalformed, "")
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elems++
			if depth > lim.MaxDepth || elems > lim.MaxElements {
				return fail(ReasonTooLarge, "")
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return fail(ReasonDTD, "")
		}
	}
	d = xml.NewDecoder(bytes.NewReader(x))
	d.Strict = true
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errors.New("encoding") }
	for {
		if _, err := d.Token(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fail(ReasonMalformed, "")
		}
	}
}

// FuzzPrecheck: the one-pass check accepts exactly what the two passes
// accepted, and refuses for the same reason, except that a document
// malformed before the point where it goes past a limit or holds a
// directive is now refused as malformed (the tags are matched as they come).
func FuzzPrecheck(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8"?><a xmlns:x="u"><x:b c="d">t</x:b><e/></a>`))
	f.Add([]byte(`<?xml version="1.0" encoding="latin1"?><a/>`))
	f.Add([]byte(`<a><b></a></b>`))
	f.Add([]byte(`<a><b><c><d><e/></d></c></b></a>`))
	f.Add([]byte(`<!doctype a><a/>`))
	f.Add([]byte(`<a><!-- x --><![CDATA[y]]><?p q?></a>`))
	lim := Limits{MaxXMLBytes: 1 << 16, MaxDepth: 4, MaxElements: 6}
	f.Fuzz(func(t *testing.T, x []byte) {
		old, now := ReasonOf(precheckTwoPasses(x, lim)), ReasonOf(precheck(x, lim))
		if old != now && !((old == ReasonTooLarge || old == ReasonDTD) && now == ReasonMalformed) {
			t.Fatalf("%q: two passes %q, one pass %q", x, old, now)
		}
	})
}

// referenceBase64 is decodePart's rule written plainly: the text without
// CR, LF, space and tab, too large past the base64 of max bytes, else one
// standard decoding.
func referenceBase64(text []byte, max int64) ([]byte, Reason) {
	var clean []byte
	for _, c := range text {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			clean = append(clean, c)
		}
	}
	if int64(len(clean)) > (max+2)/3*4 {
		return nil, ReasonTooLarge
	}
	b, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		return nil, ReasonMalformed
	}
	if int64(len(b)) > max {
		return nil, ReasonTooLarge
	}
	return b, ""
}
