package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"sync"
)

// MaxDecodedSize bounds the decoded size of one stream, so a small
// "zip bomb" cannot exhaust memory.
const MaxDecodedSize = 256 << 20

// DecodeStream returns the decoded data of s. Only FlateDecode (with PNG and
// TIFF predictors) is supported, which covers object streams, xref streams,
// content streams and fonts written by common producers.
func (r *Reader) DecodeStream(s *Stream) ([]byte, error) {
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
			data, err = flateDecode(data, MaxDecodedSize)
			if err != nil {
				return nil, corrupt("flate: %v", err)
			}
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
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, limit+1))
	if n > limit {
		return nil, fmt.Errorf("decoded stream larger than %d bytes", limit)
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		// Many producers write a truncated final block; keep what decoded.
		if out.Len() == 0 {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

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
