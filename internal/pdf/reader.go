package pdf

import (
	"bytes"
	"context"
	"fmt"
	"sort"
)

// XRefKind says how a cross-reference section is stored.
type XRefKind int

// The two kinds of cross-reference section.
const (
	XRefTable  XRefKind = iota // classic "xref" table followed by "trailer"
	XRefStream                 // PDF 1.5 cross-reference stream (/Type /XRef)
)

func (k XRefKind) String() string {
	if k == XRefStream {
		return "stream"
	}
	return "table"
}

// Limits against hostile cross-reference data.
const (
	maxSections   = 4096     // /Prev chain length
	maxObjectNum  = 10000000 // highest object number accepted
	maxResolve    = 32       // Ref → Ref chains
	maxLoadDepth  = 16       // nested object loads (stream /Length in an object stream …)
	maxPages      = 200000
	maxPageDepth  = 64
	startxrefScan = 4096 // bytes searched at the end of the file for "startxref"
)

type xrefEntry struct {
	typ byte  // 0 free, 1 in use at offset a, 2 compressed in object stream a at index b
	a   int64 // offset, or object stream number
	b   int   // generation, or index in the object stream
}

// Section describes one cross-reference section of the file.
type Section struct {
	Offset  int64    // byte offset of the section ("xref" keyword or stream object)
	Kind    XRefKind // table or stream
	Trailer Dict     // the trailer (for a stream: the stream dictionary)
	Objects []int    // object numbers (in use or compressed) defined by the section
	entries map[int]xrefEntry
}

// Reader gives random access to the objects of a PDF held in memory. It is
// not safe for concurrent use.
type Reader struct {
	data      []byte
	version   string
	sections  []*Section // oldest first
	xref      map[int]xrefEntry
	trailer   Dict
	startxref int64
	repaired  bool

	cache map[int]Object
	// parsed holds the objects parsed at each file offset; AsOf views share
	// it with their reader (the bytes at an offset never change), so
	// comparing revisions does not parse the same objects again.
	parsed  map[int64]parsedObject
	objstms map[int]*objStream
	loading map[int]bool
	depth   int
	scanned map[int]int64 // lazy full-file scan for broken offsets
	// b accounts for the work done on the document; AsOf views share it.
	b *budget
	// An AsOf view looks its entries up in hist (the document's, shared)
	// as of viewLimit, and fills xref only if asked for all of them.
	hist      *history
	viewLimit int64
}

// history holds every entry each object number has in the sections, in
// the sections' file order. A view finds an object's entry by binary
// search instead of copying the entries of all its sections: validation
// takes a view per revision, and copies would cost revisions × objects.
type history struct {
	byNum map[int][]histEntry
}

type histEntry struct {
	off int64 // offset of the section
	e   xrefEntry
}

// entry returns the cross-reference entry of object num.
func (r *Reader) entry(num int) (xrefEntry, bool) {
	if r.viewLimit == 0 {
		e, ok := r.xref[num]
		return e, ok
	}
	h := r.hist.byNum[num]
	i := sort.Search(len(h), func(i int) bool { return h[i].off >= r.viewLimit })
	if i == 0 {
		return xrefEntry{}, false
	}
	return h[i-1].e, true
}

// entries returns all the cross-reference entries (for a view, built on
// first use and counted against the budget).
func (r *Reader) entries() map[int]xrefEntry {
	if r.viewLimit == 0 || r.xref != nil {
		return r.xref
	}
	n := 0
	for _, s := range r.sections {
		n += len(s.entries)
	}
	r.xref = make(map[int]xrefEntry, n)
	if r.b.copies(n) != nil {
		return r.xref
	}
	for _, s := range r.sections {
		for num, e := range s.entries {
			r.xref[num] = e
		}
	}
	return r.xref
}

type objStream struct {
	data    []byte
	first   int
	offsets map[int]int
}

// Open parses the structure of a PDF file. The Reader keeps data (no copy);
// the caller must not modify it. Encrypted files are refused with an
// *apperr.Error wrapping ErrEncrypted; unreadable ones wrap ErrCorrupt.
// A file whose cross-reference data is broken but whose objects can be
// found by scanning is opened in "repaired" mode (see Repaired).
// Reading is bounded by DefaultLimits.
func Open(data []byte) (*Reader, error) {
	return OpenLimited(context.Background(), data, DefaultLimits)
}

// OpenLimited is Open within lim, for as long as ctx lasts: when either
// runs out, Open and every later read fail with an *apperr.Error wrapping
// ErrTooComplex (see Reader.Err).
func OpenLimited(ctx context.Context, data []byte, lim Limits) (*Reader, error) {
	r := &Reader{data: data, b: newBudget(ctx, lim)}
	r.reset()
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return nil, corrupt("no %%PDF header")
	}
	if i+8 <= len(data) {
		r.version = string(data[i+5 : i+8])
	}
	if err := r.loadSections(); err != nil {
		if r.b.err != nil {
			return nil, r.b.err
		}
		if rerr := r.reconstruct(); rerr != nil {
			if r.b.err != nil {
				return nil, r.b.err
			}
			return nil, err
		}
	}
	if r.trailer["Encrypt"] != nil {
		return nil, encrypted()
	}
	if _, ok := r.trailer["Root"].(Ref); !ok {
		return nil, r.failed(corrupt("trailer has no /Root reference"))
	}
	if _, ok := r.Resolve(r.trailer["Root"]).(Dict); !ok {
		return nil, r.failed(corrupt("/Root is not a dictionary"))
	}
	if r.b.err != nil {
		return nil, r.b.err
	}
	return r, nil
}

// failed returns the budget's error if the document exceeded it (the real
// reason an object could not be read), else err.
func (r *Reader) failed(err error) error {
	if r.b.err != nil {
		return r.b.err
	}
	return err
}

// parsedObject is an object parsed at an offset, with its number.
type parsedObject struct {
	num int
	obj Object
}

func (r *Reader) reset() {
	r.cache = map[int]Object{}
	r.parsed = map[int64]parsedObject{}
	r.objstms = map[int]*objStream{}
	r.loading = map[int]bool{}
}

// Data returns the file bytes.
func (r *Reader) Data() []byte { return r.data }

// Version returns the header version, e.g. "1.7".
func (r *Reader) Version() string { return r.version }

// Trailer returns the effective trailer (the newest section's, completed by
// older ones for keys it lacks).
func (r *Reader) Trailer() Dict { return r.trailer }

// StartXRef returns the offset of the newest cross-reference section (the
// value an incremental update must write as /Prev).
func (r *Reader) StartXRef() int64 { return r.startxref }

// Repaired reports whether the cross-reference data was unusable and the
// objects were found by scanning the file. Such a file can be read but must
// not be signed incrementally.
func (r *Reader) Repaired() bool { return r.repaired }

// Sections returns the cross-reference sections, oldest first.
func (r *Reader) Sections() []*Section { return r.sections }

// LastKind returns the kind of the newest cross-reference section.
func (r *Reader) LastKind() XRefKind {
	for _, s := range r.sections {
		if s.Offset == r.startxref {
			return s.Kind
		}
	}
	if len(r.sections) > 0 {
		return r.sections[len(r.sections)-1].Kind
	}
	return XRefTable
}

// Size returns one more than the highest object number in use.
func (r *Reader) Size() int {
	n := 0
	if s, ok := Int(r.trailer["Size"]); ok && s > 0 && s <= maxObjectNum {
		n = int(s)
	}
	for num := range r.entries() {
		if num+1 > n {
			n = num + 1
		}
	}
	return n
}

// ObjectNumbers returns the numbers of all objects in use, sorted.
func (r *Reader) ObjectNumbers() []int {
	var nums []int
	for n, e := range r.entries() {
		if e.typ != 0 {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	return nums
}

// Generation returns the generation number of object num (0 if unknown).
func (r *Reader) Generation(num int) int {
	if e, ok := r.entry(num); ok && e.typ == 1 {
		return e.b
	}
	return 0
}

// AsOf returns a view of the document made only of the cross-reference
// sections that start before limit: the document as it was when the
// revision ending at limit was written. It shares the data.
func (r *Reader) AsOf(limit int64) (*Reader, error) {
	if r.viewLimit != 0 {
		limit = min(limit, r.viewLimit)
	}
	if r.hist == nil {
		if err := r.buildHistory(); err != nil {
			return nil, err
		}
	}
	// What a view still copies (its sections and trailers) is counted:
	// a view per revision costs revisions² of it.
	n := 0
	for _, s := range r.sections {
		if s.Offset < limit {
			n += 1 + len(s.Trailer)
		}
	}
	if err := r.b.copies(n); err != nil {
		return nil, err
	}
	v := &Reader{data: r.data, version: r.version, b: r.b, hist: r.hist, viewLimit: limit}
	v.reset()
	v.parsed = r.parsed
	v.trailer = Dict{}
	var latest int64 = -1
	for _, s := range r.sections {
		if s.Offset >= limit {
			continue
		}
		v.sections = append(v.sections, s)
		for k, val := range s.Trailer {
			v.trailer[k] = val
		}
		if s.Offset > latest {
			latest = s.Offset
		}
	}
	if len(v.sections) == 0 {
		return nil, corrupt("no cross-reference section before offset %d", limit)
	}
	v.startxref = latest
	return v, nil
}

// buildHistory fills r.hist from r.sections (in file order).
func (r *Reader) buildHistory() error {
	n := 0
	for _, s := range r.sections {
		n += len(s.entries)
	}
	if err := r.b.copies(n); err != nil {
		return err
	}
	h := &history{byNum: make(map[int][]histEntry, n)}
	for _, s := range r.sections {
		for num, e := range s.entries {
			h.byNum[num] = append(h.byNum[num], histEntry{off: s.Offset, e: e})
		}
	}
	r.hist = h
	return nil
}

// EOFMarkers returns, for each "%%EOF" marker in data, the offset just after
// it and its end-of-line (where the next revision would start).
func EOFMarkers(data []byte) []int64 {
	var out []int64
	pos := 0
	for {
		i := bytes.Index(data[pos:], []byte("%%EOF"))
		if i < 0 {
			return out
		}
		end := pos + i + 5
		if end < len(data) && data[end] == '\r' {
			end++
		}
		if end < len(data) && data[end] == '\n' {
			end++
		}
		out = append(out, int64(end))
		pos = pos + i + 5
	}
}

func findStartXRef(data []byte) (int64, error) {
	tail := data
	if len(tail) > startxrefScan {
		tail = tail[len(tail)-startxrefScan:]
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, corrupt("no startxref at end of file")
	}
	p := newParser(tail, i+len("startxref"), nil)
	t, err := p.lx.next()
	if err != nil || t.kind != tInt || t.i < 0 || t.i >= int64(len(data)) {
		return 0, corrupt("bad startxref value")
	}
	return t.i, nil
}

func (r *Reader) loadSections() error {
	off, err := findStartXRef(r.data)
	if err != nil {
		return err
	}
	r.startxref = off
	visited := map[int64]bool{}
	var newestFirst []*Section
	for {
		if visited[off] {
			return corrupt("cross-reference /Prev loop at %d", off)
		}
		if len(newestFirst) >= maxSections {
			return r.b.exceed("more than %d cross-reference sections", maxSections)
		}
		if err := r.b.tick(); err != nil {
			return err
		}
		visited[off] = true
		sec, err := r.readSection(off)
		if err != nil {
			return err
		}
		if sec.Kind == XRefTable {
			if xs, ok := Int(sec.Trailer["XRefStm"]); ok && !visited[xs] {
				// Hybrid file: the stream completes the table for PDF 1.5 readers.
				visited[xs] = true
				hs, err := r.readSection(xs)
				if err == nil && hs.Kind == XRefStream {
					for n, e := range hs.entries {
						if old, ok := sec.entries[n]; !ok || old.typ == 0 {
							sec.entries[n] = e
						}
					}
				}
			}
		}
		newestFirst = append(newestFirst, sec)
		prev, ok := Int(sec.Trailer["Prev"])
		if !ok {
			break
		}
		if prev < 0 || prev >= int64(len(r.data)) {
			return corrupt("bad /Prev %d", prev)
		}
		off = prev
	}
	r.xref = map[int]xrefEntry{}
	r.trailer = Dict{}
	for i := len(newestFirst) - 1; i >= 0; i-- {
		s := newestFirst[i]
		r.sections = append(r.sections, s)
		for n, e := range s.entries {
			r.xref[n] = e
		}
		for k, v := range s.Trailer {
			r.trailer[k] = v
		}
	}
	// The /Prev chain is newest-to-oldest in update order; sort by offset so
	// AsOf and revision analysis see file order.
	sort.SliceStable(r.sections, func(i, j int) bool { return r.sections[i].Offset < r.sections[j].Offset })
	for _, s := range r.sections {
		for n, e := range s.entries {
			if e.typ != 0 {
				s.Objects = append(s.Objects, n)
			}
		}
		sort.Ints(s.Objects)
	}
	for _, k := range []Name{"Prev", "XRefStm", "Type", "W", "Index", "Length", "Filter", "DecodeParms"} {
		delete(r.trailer, k)
	}
	return nil
}

func (r *Reader) readSection(off int64) (*Section, error) {
	if off < 0 || off >= int64(len(r.data)) {
		return nil, corrupt("cross-reference offset %d out of file", off)
	}
	p := newParser(r.data, int(off), r.b)
	p.lx.skipSpace()
	if bytes.HasPrefix(r.data[p.lx.pos:], []byte("xref")) {
		return r.readTable(off, p)
	}
	return r.readXRefStream(off)
}

func (r *Reader) readTable(off int64, p *parser) (*Section, error) {
	p.lx.pos += 4
	sec := &Section{Offset: off, Kind: XRefTable, entries: map[int]xrefEntry{}}
	for {
		t, err := p.lx.next()
		if err != nil {
			return nil, corrupt("xref table: %v", err)
		}
		if t.kind == tKeyword && t.s == "trailer" {
			break
		}
		if t.kind != tInt {
			return nil, corrupt("xref table: unexpected token")
		}
		t2, err := p.lx.next()
		if err != nil || t2.kind != tInt {
			return nil, corrupt("xref table: bad subsection header")
		}
		start, count := t.i, t2.i
		remaining := int64(len(r.data) - p.lx.pos)
		if start < 0 || count < 0 || start+count > maxObjectNum || count*18 > remaining+18 {
			return nil, corrupt("xref table: bad subsection %d %d", start, count)
		}
		for i := int64(0); i < count; i++ {
			if err := r.b.object(); err != nil {
				return nil, err
			}
			a, err1 := p.lx.next()
			b, err2 := p.lx.next()
			c, err3 := p.lx.next()
			if err1 != nil || err2 != nil || err3 != nil || a.kind != tInt || b.kind != tInt || c.kind != tKeyword {
				return nil, corrupt("xref table: bad entry")
			}
			n := int(start + i)
			switch c.s {
			case "n":
				if a.i <= 0 && n != 0 {
					// Offset 0 for an in-use object is a known producer bug: treat as free.
					sec.entries[n] = xrefEntry{typ: 0}
					continue
				}
				sec.entries[n] = xrefEntry{typ: 1, a: a.i, b: int(b.i)}
			case "f":
				sec.entries[n] = xrefEntry{typ: 0, b: int(b.i)}
			default:
				return nil, corrupt("xref table: bad entry type %q", c.s)
			}
		}
	}
	tr, err := p.parseObject()
	if err != nil {
		return nil, r.failed(corrupt("trailer: %v", err))
	}
	d, ok := tr.(Dict)
	if !ok {
		return nil, corrupt("trailer is not a dictionary")
	}
	sec.Trailer = d
	return sec, nil
}

func (r *Reader) readXRefStream(off int64) (*Section, error) {
	_, obj, err := r.parseIndirectAt(off, -1)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*Stream)
	if !ok {
		return nil, corrupt("startxref does not point at an xref table or stream")
	}
	if t, _ := s.Dict.Name("Type"); t != "XRef" {
		return nil, corrupt("cross-reference stream has no /Type /XRef")
	}
	data, err := r.DecodeStream(s)
	if err != nil {
		return nil, err
	}
	wArr, ok := s.Dict["W"].(Array)
	if !ok || len(wArr) < 3 {
		return nil, corrupt("xref stream: bad /W")
	}
	var w [3]int
	for i := 0; i < 3; i++ {
		v, ok := Int(wArr[i])
		if !ok || v < 0 || v > 8 {
			return nil, corrupt("xref stream: bad /W")
		}
		w[i] = int(v)
	}
	rowLen := w[0] + w[1] + w[2]
	if rowLen == 0 {
		return nil, corrupt("xref stream: empty /W")
	}
	size, _ := Int(s.Dict["Size"])
	if size < 0 || size > maxObjectNum {
		return nil, corrupt("xref stream: bad /Size")
	}
	var index []int64
	if ia, ok := s.Dict["Index"].(Array); ok {
		for _, e := range ia {
			v, ok := Int(e)
			if !ok || v < 0 || v > maxObjectNum {
				return nil, corrupt("xref stream: bad /Index")
			}
			index = append(index, v)
		}
		if len(index)%2 != 0 {
			return nil, corrupt("xref stream: odd /Index")
		}
	} else {
		index = []int64{0, size}
	}
	sec := &Section{Offset: off, Kind: XRefStream, Trailer: s.Dict, entries: map[int]xrefEntry{}}
	pos := 0
	for i := 0; i < len(index); i += 2 {
		start, count := index[i], index[i+1]
		if start+count > maxObjectNum {
			return nil, corrupt("xref stream: bad subsection")
		}
		for j := int64(0); j < count; j++ {
			if err := r.b.object(); err != nil {
				return nil, err
			}
			if pos+rowLen > len(data) {
				return nil, corrupt("xref stream: data too short")
			}
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := int64(1)
			if w[0] > 0 {
				typ = be(row[:w[0]])
			}
			f2 := be(row[w[0] : w[0]+w[1]])
			f3 := be(row[w[0]+w[1]:])
			n := int(start + j)
			switch typ {
			case 0:
				sec.entries[n] = xrefEntry{typ: 0}
			case 1:
				if f2 <= 0 || f2 >= int64(len(r.data)) {
					sec.entries[n] = xrefEntry{typ: 0}
					continue
				}
				sec.entries[n] = xrefEntry{typ: 1, a: f2, b: int(f3)}
			case 2:
				if f2 < 0 || f2 > maxObjectNum || f3 < 0 || f3 > maxObjectNum {
					return nil, corrupt("xref stream: bad compressed entry")
				}
				sec.entries[n] = xrefEntry{typ: 2, a: f2, b: int(f3)}
			default:
				// Unknown types are to be ignored (treated as null objects).
			}
		}
	}
	return sec, nil
}

func be(b []byte) int64 {
	var v int64
	for _, c := range b {
		v = v<<8 | int64(c)
	}
	return v
}

// Resolve follows indirect references; it returns nil for a missing or
// unreadable object (as PDF treats references to missing objects as null).
func (r *Reader) Resolve(o Object) Object {
	for i := 0; i < maxResolve; i++ {
		ref, ok := o.(Ref)
		if !ok {
			return o
		}
		v, err := r.Object(ref)
		if err != nil {
			return nil
		}
		o = v
	}
	return nil
}

// Dict resolves o and returns it if it is a dictionary (or a stream's
// dictionary).
func (r *Reader) Dict(o Object) (Dict, bool) {
	switch v := r.Resolve(o).(type) {
	case Dict:
		return v, true
	case *Stream:
		return v.Dict, true
	}
	return nil, false
}

// Object loads the indirect object ref.
func (r *Reader) Object(ref Ref) (Object, error) {
	if r.b.err != nil {
		return nil, r.b.err
	}
	if v, ok := r.cache[ref.Num]; ok {
		return v, nil
	}
	e, ok := r.entry(ref.Num)
	if !ok || e.typ == 0 {
		return nil, corrupt("object %d not found", ref.Num)
	}
	if r.loading[ref.Num] || r.depth >= maxLoadDepth {
		return nil, corrupt("object %d refers to itself while loading", ref.Num)
	}
	r.loading[ref.Num] = true
	r.depth++
	defer func() { delete(r.loading, ref.Num); r.depth-- }()
	var obj Object
	var err error
	switch e.typ {
	case 1:
		if p, ok := r.parsed[e.a]; ok && p.num == ref.Num {
			obj = p.obj
			break
		}
		_, obj, err = r.parseIndirectAt(e.a, ref.Num)
		if err == nil {
			r.parsed[e.a] = parsedObject{num: ref.Num, obj: obj}
		}
		if err != nil && r.b.err == nil {
			if off, ok := r.scanFor(ref.Num); ok && off != e.a {
				_, obj, err = r.parseIndirectAt(off, ref.Num)
			}
		}
	case 2:
		obj, err = r.compressed(int(e.a), e.b, ref.Num)
	}
	if err != nil {
		return nil, r.failed(err)
	}
	r.cache[ref.Num] = obj
	return obj, nil
}

// parseIndirectAt parses "num gen obj … endobj" at off. want<0 accepts any
// object number.
func (r *Reader) parseIndirectAt(off int64, want int) (Ref, Object, error) {
	if off < 0 || off >= int64(len(r.data)) {
		return Ref{}, nil, corrupt("object offset %d out of file", off)
	}
	p := newParser(r.data, int(off), r.b)
	t1, _ := p.lx.next()
	t2, _ := p.lx.next()
	if t1.kind != tInt || t2.kind != tInt || !p.expectKeyword("obj") {
		return Ref{}, nil, corrupt("no object header at offset %d", off)
	}
	ref := Ref{Num: int(t1.i), Gen: int(t2.i)}
	if want >= 0 && ref.Num != want {
		return Ref{}, nil, corrupt("offset %d holds object %d, not %d", off, ref.Num, want)
	}
	obj, err := p.parseObject()
	if err != nil {
		return Ref{}, nil, r.failed(corrupt("object %d: %v", ref.Num, err))
	}
	d, isDict := obj.(Dict)
	if !isDict {
		return ref, obj, nil
	}
	save := p.lx.pos
	t, _ := p.lx.next()
	if t.kind != tKeyword || t.s != "stream" {
		p.lx.pos = save
		return ref, obj, nil
	}
	pos := p.lx.pos
	if pos < len(r.data) && r.data[pos] == '\r' {
		pos++
	}
	if pos < len(r.data) && r.data[pos] == '\n' {
		pos++
	}
	length := int64(-1)
	if l, ok := Int(d["Length"]); ok {
		length = l
	} else if lr, ok := d["Length"].(Ref); ok && lr.Num != ref.Num {
		if l, ok := Int(r.Resolve(lr)); ok {
			length = l
		}
	}
	end := -1
	if length >= 0 && int64(pos)+length <= int64(len(r.data)) {
		q := newParser(r.data, pos+int(length), r.b)
		if q.expectKeyword("endstream") {
			end = pos + int(length)
		}
	}
	if end < 0 {
		i := bytes.Index(r.data[pos:], []byte("endstream"))
		if i < 0 {
			return Ref{}, nil, corrupt("object %d: stream without endstream", ref.Num)
		}
		end = pos + i
		// Drop the EOL that precedes "endstream".
		if end > pos && r.data[end-1] == '\n' {
			end--
		}
		if end > pos && r.data[end-1] == '\r' {
			end--
		}
	}
	return ref, &Stream{Dict: d, Data: r.data[pos:end:end]}, nil
}

func (r *Reader) compressed(stmNum, index, want int) (Object, error) {
	os, err := r.objStream(stmNum)
	if err != nil {
		return nil, err
	}
	off, ok := os.offsets[want]
	if !ok {
		return nil, corrupt("object %d not in object stream %d", want, stmNum)
	}
	pos := os.first + off
	if pos < 0 || pos >= len(os.data) {
		return nil, corrupt("object %d: bad offset in object stream", want)
	}
	obj, err := newParser(os.data, pos, r.b).parseObject()
	if err != nil {
		return nil, r.failed(corrupt("object %d in object stream: %v", want, err))
	}
	return obj, nil
}

func (r *Reader) objStream(num int) (*objStream, error) {
	if os, ok := r.objstms[num]; ok {
		return os, nil
	}
	e, ok := r.entry(num)
	if !ok || e.typ != 1 {
		return nil, corrupt("object stream %d not found", num)
	}
	obj, err := r.Object(Ref{Num: num})
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*Stream)
	if !ok {
		return nil, corrupt("object %d is not an object stream", num)
	}
	n, _ := Int(r.Resolve(s.Dict["N"]))
	first, _ := Int(r.Resolve(s.Dict["First"]))
	data, err := r.DecodeStream(s)
	if err != nil {
		return nil, err
	}
	if n < 0 || first < 0 || first > int64(len(data)) || n > int64(len(data)) {
		return nil, corrupt("object stream %d: bad /N or /First", num)
	}
	os := &objStream{data: data, first: int(first), offsets: map[int]int{}}
	p := newParser(data[:first], 0, r.b)
	for i := int64(0); i < n; i++ {
		if err := r.b.object(); err != nil {
			return nil, err
		}
		a, err1 := p.lx.next()
		b, err2 := p.lx.next()
		if err1 != nil || err2 != nil || a.kind != tInt || b.kind != tInt || b.i < 0 || b.i > int64(len(data)) {
			return nil, corrupt("object stream %d: bad header", num)
		}
		if _, dup := os.offsets[int(a.i)]; !dup {
			os.offsets[int(a.i)] = int(b.i)
		}
	}
	r.objstms[num] = os
	return os, nil
}

// scanFor finds "num gen obj" anywhere in the file (last occurrence), for
// files whose cross-reference offsets are slightly wrong.
func (r *Reader) scanFor(num int) (int64, bool) {
	if r.scanned == nil {
		r.scanned = scanObjects(r.data, r.b)
	}
	off, ok := r.scanned[num]
	return off, ok
}

// scanObjects finds every "N G obj" header in data; the last one wins.
// It stops when the budget b runs out.
func scanObjects(data []byte, b *budget) map[int]int64 {
	out := map[int]int64{}
	pos := 0
	for {
		i := bytes.Index(data[pos:], []byte("obj"))
		if i < 0 || b.object() != nil {
			return out
		}
		k := pos + i
		pos = k + 3
		// Walk back over "N G ".
		j := k - 1
		if j < 0 || !isWhite(data[j]) {
			continue
		}
		for j >= 0 && isWhite(data[j]) {
			j--
		}
		ge := j + 1
		for j >= 0 && data[j] >= '0' && data[j] <= '9' {
			j--
		}
		if j+1 == ge || j < 0 || !isWhite(data[j]) {
			continue
		}
		for j >= 0 && isWhite(data[j]) {
			j--
		}
		ne := j + 1
		for j >= 0 && data[j] >= '0' && data[j] <= '9' {
			j--
		}
		if j+1 == ne || ne-(j+1) > 8 {
			continue
		}
		if j >= 0 && !isWhite(data[j]) && !isDelim(data[j]) {
			continue
		}
		n := 0
		for _, c := range data[j+1 : ne] {
			n = n*10 + int(c-'0')
		}
		if n > maxObjectNum {
			continue
		}
		out[n] = int64(j + 1)
	}
}

// reconstruct rebuilds the cross-reference data by scanning the whole file.
func (r *Reader) reconstruct() error {
	r.reset()
	objs := scanObjects(r.data, r.b)
	if r.b.err != nil {
		return r.b.err
	}
	if len(objs) == 0 {
		return corrupt("no objects found")
	}
	sec := &Section{Offset: 0, Kind: XRefTable, entries: map[int]xrefEntry{}, Trailer: Dict{}}
	for n, off := range objs {
		sec.entries[n] = xrefEntry{typ: 1, a: off}
		sec.Objects = append(sec.Objects, n)
	}
	sort.Ints(sec.Objects)
	r.xref = sec.entries
	r.sections = []*Section{sec}
	r.trailer = Dict{}
	// Trailer dictionaries of tables, then of xref streams.
	pos := 0
	for {
		i := bytes.Index(r.data[pos:], []byte("trailer"))
		if i < 0 {
			break
		}
		pos += i + 7
		if d, err := newParser(r.data, pos, r.b).parseObject(); err == nil {
			if dd, ok := d.(Dict); ok {
				for k, v := range dd {
					r.trailer[k] = v
				}
			}
		}
	}
	if _, ok := r.trailer["Root"]; !ok {
		for _, n := range sec.Objects {
			if r.b.err != nil {
				return r.b.err
			}
			o, err := r.Object(Ref{Num: n})
			if err != nil {
				continue
			}
			var d Dict
			switch v := o.(type) {
			case Dict:
				d = v
			case *Stream:
				d = v.Dict
			}
			if t, _ := d.Name("Type"); t == "Catalog" {
				r.trailer["Root"] = Ref{Num: n}
			} else if t == "XRef" {
				for _, k := range []Name{"Root", "Info", "ID", "Encrypt"} {
					if v, ok := d[k]; ok {
						r.trailer[k] = v
					}
				}
			}
		}
	}
	r.reset()
	for _, k := range []Name{"Prev", "XRefStm"} {
		delete(r.trailer, k)
	}
	sec.Trailer = r.trailer
	r.repaired = true
	r.startxref = -1
	return nil
}

// Catalog returns the document catalog and its reference.
func (r *Reader) Catalog() (Dict, Ref, error) {
	ref, _ := r.trailer["Root"].(Ref)
	d, ok := r.Resolve(ref).(Dict)
	if !ok {
		return nil, ref, r.failed(corrupt("no document catalog"))
	}
	return d, ref, nil
}

// Pages returns the references of the page objects in document order.
func (r *Reader) Pages() ([]Ref, error) {
	cat, _, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, corrupt("catalog has no /Pages reference")
	}
	var out []Ref
	seen := map[int]bool{}
	var walk func(ref Ref, depth int) error
	walk = func(ref Ref, depth int) error {
		if depth > maxPageDepth || seen[ref.Num] || len(out) > maxPages {
			return corrupt("page tree loop or too deep")
		}
		seen[ref.Num] = true
		d, ok := r.Resolve(ref).(Dict)
		if !ok {
			return corrupt("page tree node %d is not a dictionary", ref.Num)
		}
		kids, hasKids := r.Resolve(d["Kids"]).(Array)
		if t, _ := d.Name("Type"); t == "Page" || (!hasKids && t != "Pages") {
			out = append(out, ref)
			return nil
		}
		for _, k := range kids {
			kr, ok := k.(Ref)
			if !ok {
				return corrupt("page tree kid is not a reference")
			}
			if err := walk(kr, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, 0); err != nil {
		return nil, r.failed(err)
	}
	if len(out) == 0 {
		return nil, corrupt("document has no pages")
	}
	return out, nil
}

// PageBox returns the page's /MediaBox (inherited if needed) as
// llx, lly, urx, ury.
func (r *Reader) PageBox(page Ref) ([4]float64, error) {
	var box [4]float64
	o := Object(page)
	for i := 0; i < maxPageDepth; i++ {
		d, ok := r.Resolve(o).(Dict)
		if !ok {
			break
		}
		for _, key := range []Name{"CropBox", "MediaBox"} {
			if a, ok := r.Resolve(d[key]).(Array); ok && len(a) == 4 {
				for j := range 4 {
					box[j], _ = Num(r.Resolve(a[j]))
				}
				if box[2] < box[0] {
					box[0], box[2] = box[2], box[0]
				}
				if box[3] < box[1] {
					box[1], box[3] = box[3], box[1]
				}
				return box, nil
			}
		}
		o = d["Parent"]
	}
	return box, fmt.Errorf("page %d has no MediaBox", page.Num)
}
