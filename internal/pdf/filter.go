package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// MaxDecodedSize bounds the decoded size of one stream, so a small
// "zip bomb" cannot exhaust memory; the document's Limits.MaxDecoded bounds
// all its streams together.
const MaxDecodedSize = 256 << 20

// DecodeStream returns the decoded data of s. Only FlateDecode (with PNG and
// TIFF predictors) is supported, which covers object streams, xref streams,
// content streams and fonts written by common producers. A stream is
// decoded once per document: the bytes returned are shared by every caller
// and must not be modified.
func (r *Reader) DecodeStream(s *Stream) ([]byte, error) {
	if r.b.err != nil {
		return nil, r.b.err
	}
	if d, ok := r.b.streams[s]; ok {
		return d.data, d.err
	}
	data, err := r.decodeStream(s)
	if err != nil && r.b.err != nil {
		return nil, r.b.err
	}
	r.b.streams[s] = decodedStream{data: data, err: err}
	return data, err
}

func (r *Reader) decodeStream(s *Stream) ([]byte, error) {
	filters, parms := r.filterList(s.Dict)
	data := s.Data
	for i, f := range filters {
		var p Dict
		if i < len(parms) {
			p = parms[i]
		}
		var err error
		switch f {
		case "FlateDecode", "Fl":
			room := r.b.decodeRoom()
			limit := min(room, MaxDecodedSize)
			data, err = flateDecode(data, limit)
			if errors.Is(err, errTooLarge) && limit == room {
				return nil, r.b.exceed("decoded streams larger than %d bytes", r.b.lim.MaxDecoded)
			}
			if err != nil {
				return nil, corrupt("flate: %v", err)
			}
			r.b.decoded += int64(len(data))
			data, err = r.applyPredictor(data, p)
			if err != nil {
				return nil, corrupt("predictor: %v", err)
			}
		default:
			return nil, unsupported("filter %s", f)
		}
	}
	return data, nil
}

func (r *Reader) filterList(d Dict) ([]Name, []Dict) {
	var fs []Name
	var ps []Dict
	switch f := r.Resolve(d["Filter"]).(type) {
	case Name:
		fs = []Name{f}
	case Array:
		for _, e := range f {
			if n, ok := r.Resolve(e).(Name); ok {
				fs = append(fs, n)
			}
		}
	}
	switch p := r.Resolve(d["DecodeParms"]).(type) {
	case Dict:
		ps = []Dict{p}
	case Array:
		for _, e := range p {
			pd, _ := r.Resolve(e).(Dict)
			ps = append(ps, pd)
		}
	}
	return fs, ps
}

// zlibReaders keeps zlib readers for reuse: a new one allocates its
// window and tables, which dominated decoding the many small streams of a
// signed file (DSS certificates, OCSP responses, CRLs).
var zlibReaders sync.Pool

func flateDecode(data []byte, limit int64) ([]byte, error) {
	var zr io.ReadCloser
	if v, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := v.(zlib.Resetter).Reset(bytes.NewReader(data), nil); err != nil {
			return nil, err
		}
		zr = v
	} else {
		var err error
		if zr, err = zlib.NewReader(bytes.NewReader(data)); err != nil {
			return nil, err
		}
	}
	defer func() {
		zr.Close()
		zlibReaders.Put(zr)
	}()
	// The buffer grows by doubling but never past limit+1, so a bomb that
	// is refused has cost at most about twice the limit in allocations. It
	// starts at twice the input: DER (certificates, OCSP, CRLs) barely
	// compresses, and a larger start wasted memory on every DSS entry.
	out := make([]byte, 0, min(max(int64(len(data))*2, 512), limit+1))
	var err error
	for {
		if len(out) == cap(out) {
			if int64(len(out)) > limit {
				return nil, fmt.Errorf("%w (%d bytes)", errTooLarge, limit)
			}
			out = slices.Grow(out, int(min(int64(cap(out)), limit+1-int64(cap(out)))))
		}
		var n int
		n, err = zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err != nil {
			break
		}
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", errTooLarge, limit)
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		// Many producers write a truncated final block; keep what decoded.
		if len(out) == 0 {
			return nil, err
		}
	}
	return out, nil
}

// errTooLarge: a stream decodes to more than the bytes allowed.
var errTooLarge = errors.New("decoded stream too large")

func (r *Reader) applyPredictor(data []byte, p Dict) ([]byte, error) {
	if p == nil {
		return data, nil
	}
	pred, _ := Int(r.Resolve(p["Predictor"]))
	if pred <= 1 {
		return data, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := Int(r.Resolve(p["Colors"])); ok {
		colors = v
	}
	if v, ok := Int(r.Resolve(p["BitsPerComponent"])); ok {
		bpc = v
	}
	if v, ok := Int(r.Resolve(p["Columns"])); ok {
		columns = v
	}
	if colors < 1 || colors > 32 || columns < 1 || columns > 1<<20 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) {
		return nil, fmt.Errorf("bad predictor parameters")
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((colors*bpc*columns + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return nil, fmt.Errorf("TIFF predictor with %d bits", bpc)
		}
		out := append([]byte(nil), data...)
		for row := 0; row+rowLen <= len(out); row += rowLen {
			for i := bpp; i < rowLen; i++ {
				out[row+i] += out[row+i-bpp]
			}
		}
		return out, nil
	}
	if pred < 10 {
		return nil, fmt.Errorf("predictor %d", pred)
	}
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	cur := make([]byte, rowLen)
	for pos := 0; pos < len(data); pos += rowLen + 1 {
		end := pos + rowLen + 1
		if end > len(data) {
			break // ignore a trailing partial row
		}
		ft := data[pos]
		copy(cur, data[pos+1:end])
		for i := 0; i < rowLen; i++ {
			var left, up, ul byte
			if i >= bpp {
				left = cur[i-bpp]
				ul = prev[i-bpp]
			}
			up = prev[i]
			switch ft {
			case 0:
			case 1:
				cur[i] += left
			case 2:
				cur[i] += up
			case 3:
				cur[i] += byte((int(left) + int(up)) / 2)
			case 4:
				cur[i] += paeth(left, up, ul)
			default:
				return nil, fmt.Errorf("PNG filter type %d", ft)
			}
		}
		out = append(out, cur...)
		prev, cur = cur, prev
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// FlateEncode compresses data with zlib at the default level.
func FlateEncode(data []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}
