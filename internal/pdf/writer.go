package pdf

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"sort"
	"strconv"
)

// Update collects the objects of one incremental update. Write appends them
// to the original bytes with a new cross-reference section of the same kind
// as the file's newest one and /Prev pointing at it; earlier bytes are never
// rewritten.
type Update struct {
	r    *Reader
	objs map[int]Object
	next int
	// Trailer keys to set in the new trailer besides /Size, /Prev, /Root,
	// /Info and /ID (which are carried over).
	Trailer Dict
}

// NewUpdate starts an incremental update of r. It fails for repaired files,
// whose broken cross-reference data cannot be chained with /Prev, and for
// documents that exceeded their Limits (what was read of them is partial).
func NewUpdate(r *Reader) (*Update, error) {
	if r.b.err != nil {
		return nil, r.b.err
	}
	if r.repaired || r.startxref < 0 {
		return nil, corrupt("cross-reference data is broken; cannot append an incremental update")
	}
	return &Update{r: r, objs: map[int]Object{}, next: r.Size(), Trailer: Dict{}}, nil
}

// Reader returns the reader the update is based on.
func (u *Update) Reader() *Reader { return u.r }

// Add stores a new object and returns its reference.
func (u *Update) Add(o Object) Ref {
	ref := u.Reserve()
	u.objs[ref.Num] = o
	return ref
}

// Reserve allocates an object number to be filled with Set later (for
// objects that refer to each other).
func (u *Update) Reserve() Ref {
	ref := Ref{Num: u.next}
	u.next++
	u.objs[ref.Num] = nil
	return ref
}

// Set replaces object ref (an existing object of the file, or a reserved
// one) in this update.
func (u *Update) Set(ref Ref, o Object) { u.objs[ref.Num] = o }

// Get returns the object as it will be after the update: the updated value
// if Set/Add was called, else the file's.
func (u *Update) Get(ref Ref) Object {
	if o, ok := u.objs[ref.Num]; ok {
		return o
	}
	o, _ := u.r.Object(ref)
	return o
}

// Resolve is Reader.Resolve that sees the update's objects first.
func (u *Update) Resolve(o Object) Object {
	for i := 0; i < maxResolve; i++ {
		ref, ok := o.(Ref)
		if !ok {
			return o
		}
		o = u.Get(ref)
	}
	return nil
}

// Len returns the number of objects in the update.
func (u *Update) Len() int { return len(u.objs) }

// Write returns the bytes to append to the original file. Placeholders get
// absolute offsets (in the original file plus appended bytes).
func (u *Update) Write() ([]byte, error) {
	var buf bytes.Buffer
	if err := u.writeTo(&buf, int64(len(u.r.data))); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteDocument returns the whole updated document, the original bytes
// followed by the update, in one allocation of about len(original)+extra
// bytes: signing large files then costs one copy of the document, not two.
func (u *Update) WriteDocument(extra int) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, len(u.r.data)+extra))
	buf.Write(u.r.data)
	if err := u.writeTo(buf, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeTo appends the update to buf, whose first byte is at offset base of
// the final file (base = len(original) when buf holds the update alone, 0
// when it holds the whole document).
func (u *Update) writeTo(buf *bytes.Buffer, base int64) error {
	if u.r.b.err != nil {
		// The update was built from a partial reading of the document.
		return u.r.b.err
	}
	orig := u.r.data
	if len(orig) > 0 && orig[len(orig)-1] != '\n' && orig[len(orig)-1] != '\r' {
		buf.WriteByte('\n')
	}
	nums := make([]int, 0, len(u.objs))
	for n := range u.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	offsets := map[int]int64{}
	for _, n := range nums {
		gen := u.r.Generation(n)
		offsets[n] = base + int64(buf.Len())
		fmt.Fprintf(buf, "%d %d obj\n", n, gen)
		if err := appendObject(buf, u.objs[n], base, 0); err != nil {
			return fmt.Errorf("write object %d: %w", n, err)
		}
		buf.WriteString("\nendobj\n")
	}
	trailer := Dict{}
	for _, k := range []Name{"Root", "Info", "ID"} {
		if v, ok := u.r.trailer[k]; ok {
			trailer[k] = v
		}
	}
	for k, v := range u.Trailer {
		trailer[k] = v
	}
	if _, ok := trailer["ID"]; !ok {
		// PDF 2.0 requires /ID; derive one from the file's bytes.
		sum := md5.Sum(orig)
		trailer["ID"] = Array{HexString(sum[:]), HexString(sum[:])}
	}
	trailer["Prev"] = Integer(u.r.startxref)
	size := u.next
	xrefOff := base + int64(buf.Len())
	if u.r.LastKind() == XRefStream {
		xnum := size
		size++
		offsets[xnum] = xrefOff
		nums = append(nums, xnum)
		trailer["Size"] = Integer(size)
		trailer["Type"] = Name("XRef")
		w2 := 1
		for v := xrefOff; v > 0xff; v >>= 8 {
			w2++
		}
		trailer["W"] = Array{Integer(1), Integer(w2), Integer(2)}
		var rows bytes.Buffer
		var index Array
		for _, run := range runs(nums) {
			index = append(index, Integer(run[0]), Integer(run[1]))
			for n := run[0]; n < run[0]+run[1]; n++ {
				rows.WriteByte(1)
				off := offsets[n]
				for i := w2 - 1; i >= 0; i-- {
					rows.WriteByte(byte(off >> (8 * i)))
				}
				g := u.r.Generation(n)
				if n == xnum {
					g = 0
				}
				rows.WriteByte(byte(g >> 8))
				rows.WriteByte(byte(g))
			}
		}
		trailer["Index"] = index
		fmt.Fprintf(buf, "%d 0 obj\n", xnum)
		if err := appendObject(buf, &Stream{Dict: trailer, Data: rows.Bytes()}, base, 0); err != nil {
			return err
		}
		buf.WriteString("\nendobj\n")
	} else {
		trailer["Size"] = Integer(size)
		buf.WriteString("xref\n")
		for _, run := range runs(nums) {
			fmt.Fprintf(buf, "%d %d\n", run[0], run[1])
			for n := run[0]; n < run[0]+run[1]; n++ {
				fmt.Fprintf(buf, "%010d %05d n\r\n", offsets[n], u.r.Generation(n))
			}
		}
		buf.WriteString("trailer\n")
		if err := appendObject(buf, trailer, base, 0); err != nil {
			return err
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("startxref\n")
	buf.WriteString(strconv.FormatInt(xrefOff, 10))
	buf.WriteString("\n%%EOF\n")
	return nil
}

// runs groups sorted object numbers into consecutive [start, count] runs.
func runs(nums []int) [][2]int {
	var out [][2]int
	for _, n := range nums {
		if len(out) > 0 && out[len(out)-1][0]+out[len(out)-1][1] == n {
			out[len(out)-1][1]++
			continue
		}
		out = append(out, [2]int{n, 1})
	}
	return out
}
