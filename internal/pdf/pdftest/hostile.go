package pdftest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"
)

// HostileCase is a crafted file that tries to make a PDF reader recurse
// without end, allocate without bound or work for minutes.
type HostileCase struct {
	Name string
	Data []byte
	// TooComplex: reading the whole file (every object, every stream,
	// every revision) must end with pdf.ErrTooComplex. Otherwise any
	// outcome is acceptable as long as the reader stays up and small…
	TooComplex bool
	// … unless Readable: the file is costly only to a careless reader and
	// must be read (and validated) without error.
	Readable bool
}

// Hostile returns the crafted files. Each is at most a few MB, as any
// anonymous visitor can upload.
func Hostile() []HostileCase {
	var out []HostileCase
	add := func(name string, tooComplex bool, data []byte) {
		out = append(out, HostileCase{Name: name, Data: data, TooComplex: tooComplex})
	}
	readable := func() { out[len(out)-1].Readable = true }

	// One recursive call per "[" used to exhaust the goroutine stack: a
	// fatal error, not a panic, that took the whole server down.
	add("5 MB of nested arrays", true, doc("/X "+strings.Repeat("[", 5<<20), nil))
	add("3 MB of nested dictionaries", true, doc("/X "+strings.Repeat("<</A ", 600_000), nil))
	add("arrays nested just too deep", true, doc("/X "+strings.Repeat("[", 101)+strings.Repeat("]", 101), nil))

	// Small values, many of them: three arrays of 900,000 integers.
	many := "[" + strings.Repeat(strings.Repeat("0 ", 900_000)+"] [", 2) + strings.Repeat("0 ", 900_000) + "]"
	add("2.7 million values", true, doc("/X ["+many+"]", nil))

	// The DSS lists the same stream again and again: each reference used
	// to be decoded again and kept.
	bomb := zeroStream(200 << 20)
	add("DSS lists a 200 MB zero stream 1,000 times", true, doc("/DSS 4 0 R", []string{
		"<< /Certs [" + strings.Repeat("5 0 R ", 1000) + "] >>", bomb}))
	small := zeroStream(4 << 20)
	add("DSS lists a 4 MB zero stream 1,000 times", false, doc("/DSS 4 0 R", []string{
		"<< /Certs [" + strings.Repeat("5 0 R ", 1000) + "] >>", small}))
	readable()
	// Different streams, each within the limit for one stream but not
	// together.
	eight := zeroStream(8 << 20)
	add("DSS lists six different 8 MB zero streams", true, doc("/DSS 4 0 R", []string{
		"<< /CRLs [5 0 R 6 0 R 7 0 R 8 0 R 9 0 R 10 0 R] >>", eight, eight, eight, eight, eight, eight}))
	// Two filters: the second decodes what the first produced.
	add("stream compressed twice (60 MB)", true, doc("/DSS 4 0 R", []string{
		"<< /Certs [5 0 R] >>", twiceCompressed(60 << 20)}))

	add("stream with a huge /Length", false, doc("/DSS 4 0 R", []string{
		"<< /Certs [5 0 R] >>", "<< /Length 999999999999 >>\nstream\nabc\nendstream"}))
	add("stream whose /Length refers to itself", false, doc("/DSS 4 0 R", []string{
		"<< /Certs [5 0 R] >>", "<< /Length 5 0 R >>\nstream\nabc\nendstream"}))

	add("/Prev chain of 5,000 cross-reference sections", true, prevChain(5000, 0))
	// Validation looks at the document as of each revision: that work
	// grows with the square of the revisions…
	add("4,000 revisions", true, prevChain(4000, 0))
	// … but not with the objects: 300 views of 100,000 objects each used
	// to copy 30 million entries.
	add("300 revisions over 100,000 objects", false, prevChain(300, 100_000))
	readable()

	add("object streams inside object streams", false, nestedObjStreams())
	return out
}

// doc returns a one-page document whose catalog has the extra keys
// catalogExtra and whose objects 4, 5, … are extra.
func doc(catalogExtra string, extra []string) []byte {
	objs := append([]string{
		"<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}, extra...)
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func zlibBytes(r io.Reader, n int64) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	io.CopyN(zw, r, n)
	zw.Close()
	return z.Bytes()
}

// zeroStream is a FlateDecode stream object of n zero bytes (about n/1000
// bytes in the file).
func zeroStream(n int64) string {
	z := zlibBytes(zeros{}, n)
	return fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", len(z), z)
}

// twiceCompressed is a stream of n zero bytes compressed twice: a few KB.
func twiceCompressed(n int64) string {
	once := zlibBytes(zeros{}, n)
	z := zlibBytes(bytes.NewReader(once), int64(len(once)))
	return fmt.Sprintf("<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n%s\nendstream", len(z), z)
}

// prevChain is a document of objects objects (beyond its three) followed
// by revisions incremental updates chained by /Prev, the last of which
// adds a DSS.
func prevChain(revisions, objects int) []byte {
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.7\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	null := buf.Len()
	buf.WriteString("4 0 obj\nnull\nendobj\n")
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", 4+objects)
	for _, off := range offs {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	// Every extra object number points at the same null object: the
	// entries are what costs, not the objects.
	for range objects {
		fmt.Fprintf(&buf, "%010d 00000 n \n", null)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\n", 4+objects)
	prev := xref
	catalog := offs[0]
	for i := range revisions {
		if i == revisions-1 {
			// The last revision adds a DSS: a validator looks through the
			// revisions for the one that added it.
			catalog = buf.Len()
			buf.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R /DSS << /Certs [] >> >>\nendobj\n")
		}
		off := buf.Len()
		fmt.Fprintf(&buf, "xref\n1 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root 1 0 R /Prev %d >>\n", catalog, 4+objects, prev)
		prev = off
	}
	fmt.Fprintf(&buf, "startxref\n%d\n%%%%EOF\n", prev)
	return buf.Bytes()
}

// nestedObjStreams is a document whose objects live in object streams
// that claim to be stored in each other, and whose object stream /N is
// itself a compressed object of another object stream.
func nestedObjStreams() []byte {
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.7\n")
	offs := map[int]int{}
	stm := func(num int, dict, data string) {
		offs[num] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n<< /Type /ObjStm %s /Length %d >>\nstream\n%s\nendstream\nendobj\n", num, dict, len(data), data)
	}
	// 10 holds the catalog (1) and 11; its /N is object 12, held by 13,
	// whose /N is object 14, held by 10.
	body10 := "<< /Type /Catalog /Pages 2 0 R >> 1"
	stm(10, "/N 12 0 R /First 9", "1 0 11 35 "+body10)
	stm(13, "/N 14 0 R /First 5", "12 0 2")
	offs[2] = buf.Len()
	buf.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	type row struct {
		typ  byte
		a    uint32
		b    uint16
		used bool
	}
	rows := make([]row, 16)
	rows[1] = row{2, 10, 0, true}
	rows[2] = row{1, uint32(offs[2]), 0, true}
	rows[10] = row{1, uint32(offs[10]), 0, true}
	rows[11] = row{2, 10, 1, true}
	rows[12] = row{2, 13, 0, true}
	rows[13] = row{1, uint32(offs[13]), 0, true}
	rows[14] = row{2, 10, 1, true}
	// An object stream said to be inside another object stream.
	rows[15] = row{2, 13, 0, true}
	xref := buf.Len()
	rows = append(rows, row{1, uint32(xref), 0, true})
	var data []byte
	for _, r := range rows {
		data = append(data, r.typ)
		data = binary.BigEndian.AppendUint32(data, r.a)
		data = binary.BigEndian.AppendUint16(data, r.b)
	}
	fmt.Fprintf(&buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", len(rows)-1, len(rows), len(data))
	buf.Write(data)
	fmt.Fprintf(&buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return buf.Bytes()
}

// PeakHeap runs f and returns the most heap memory in use beyond what was
// in use before, sampled every millisecond while f runs.
func PeakHeap(f func()) uint64 {
	// A low GC target keeps garbage from counting as peak: otherwise the
	// figure is the collector's goal, set by whatever else the test
	// process holds, and varies with how busy the machine is.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}
