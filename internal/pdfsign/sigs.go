package pdfsign

import (
	"bytes"
	"cmp"
	"crypto"
	"errors"
	"fmt"
	"slices"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
)

// foundSig is a signature field with a value, as read from the document.
type foundSig struct {
	field     string
	fieldRef  pdf.Ref
	sigRef    pdf.Ref // zero if the sig dict is direct
	dict      pdf.Dict
	subFilter string
	docTS     bool
	byteRange [4]int64
	contents  []byte // DER with zero padding removed
	cms       *signedMessage
	parseErr  error
}

// findSignatures lists the signed signature fields in file order of their
// /ByteRange end.
func findSignatures(r *pdf.Reader) []*foundSig {
	var out []*foundSig
	walkFields(r, func(ref pdf.Ref, d pdf.Dict, name string, _ bool) bool {
		if ft, _ := r.Resolve(d["FT"]).(pdf.Name); ft == "Sig" {
			if v, ok := r.Dict(d["V"]); ok {
				s := &foundSig{field: name, fieldRef: ref, dict: v}
				s.sigRef, _ = d["V"].(pdf.Ref)
				parseSigDict(r, s)
				out = append(out, s)
			}
		}
		return len(out) <= 1000
	})
	// Order by coverage (signing order).
	slices.SortStableFunc(out, func(a, b *foundSig) int { return cmp.Compare(a.end(), b.end()) })
	return out
}

func (s *foundSig) end() int64 { return s.byteRange[2] + s.byteRange[3] }

func parseSigDict(r *pdf.Reader, s *foundSig) {
	sf, _ := r.Resolve(s.dict["SubFilter"]).(pdf.Name)
	s.subFilter = string(sf)
	t, _ := r.Resolve(s.dict["Type"]).(pdf.Name)
	s.docTS = t == "DocTimeStamp" || sf == "ETSI.RFC3161"
	arr, _ := r.Resolve(s.dict["ByteRange"]).(pdf.Array)
	if len(arr) != 4 {
		s.parseErr = errors.New("/ByteRange is not an array of 4 integers")
		return
	}
	for i := range 4 {
		v, ok := pdf.Int(r.Resolve(arr[i]))
		if !ok || v < 0 {
			s.parseErr = errors.New("/ByteRange is not an array of 4 integers")
			return
		}
		s.byteRange[i] = v
	}
	c, ok := pdf.Text(r.Resolve(s.dict["Contents"]))
	if !ok {
		s.parseErr = errors.New("/Contents missing")
		return
	}
	s.contents = trimDER([]byte(c))
	if s.docTS {
		ti, err := parseTimestampToken(s.contents)
		if err != nil {
			s.parseErr = err
			return
		}
		s.cms = ti.msg
		return
	}
	s.cms, s.parseErr = parseCMS(s.contents)
}

// trimDER removes zero padding after the outer DER element.
func trimDER(b []byte) []byte {
	if len(b) < 2 {
		return b
	}
	l := int(b[1])
	total := 2 + l
	if l >= 0x80 {
		n := l & 0x7f
		if n == 0 || n > 4 || len(b) < 2+n {
			return b
		}
		v := 0
		for _, c := range b[2 : 2+n] {
			v = v<<8 | int(c)
		}
		total = 2 + n + v
	}
	if total > 0 && total <= len(b) {
		return b[:total]
	}
	return b
}

// integrity errors, mapped to ETSI sub-indications by the validator.
var (
	errFormat = errors.New("format failure")
	errHash   = errors.New("hash failure")
	errCrypto = errors.New("signature crypto failure")
)

// checkRangeShape verifies that /ByteRange starts at 0, stays in the file,
// and that the gap is exactly the /Contents hex string.
func checkRangeShape(data []byte, br [4]int64) error {
	a, b, c, d := br[0], br[1], br[2], br[3]
	n := int64(len(data))
	if a != 0 || b <= 0 || c <= b || d < 0 || c+d > n {
		return fmt.Errorf("%w: /ByteRange %v outside file of %d bytes", errFormat, br, n)
	}
	gap := data[b:c]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return fmt.Errorf("%w: /ByteRange gap is not the /Contents string", errFormat)
	}
	if !isHex(bytes.TrimSpace(gap[1:len(gap)-1])) && len(gap)%2 == 0 {
		return fmt.Errorf("%w: /Contents is not hexadecimal", errFormat)
	}
	return nil
}

// isHex reports whether b is an even number of hexadecimal digits, like
// hex.DecodeString accepts, without decoding it.
func isHex(b []byte) bool {
	if len(b)%2 != 0 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func rangeDigest(data []byte, br [4]int64, h crypto.Hash) []byte {
	d := h.New()
	d.Write(data[br[0] : br[0]+br[1]])
	d.Write(data[br[2] : br[2]+br[3]])
	return d.Sum(nil)
}

// checkIntegrity verifies the digest and the cryptographic signature of s.
func checkIntegrity(data []byte, s *foundSig) error {
	return checkIntegrityWith(data, s, func(br [4]int64, h crypto.Hash) []byte { return rangeDigest(data, br, h) })
}

// checkIntegrityWith is checkIntegrity with the range digests computed by
// digest (the validator shares the hashing of common prefixes).
func checkIntegrityWith(data []byte, s *foundSig, digest func(br [4]int64, h crypto.Hash) []byte) error {
	if s.parseErr != nil {
		return fmt.Errorf("%w: %v", errFormat, s.parseErr)
	}
	if err := checkRangeShape(data, s.byteRange); err != nil {
		return err
	}
	if s.docTS {
		ti, err := parseTimestampToken(s.contents)
		if err != nil {
			return fmt.Errorf("%w: %v", errFormat, err)
		}
		if !bytes.Equal(digest(s.byteRange, ti.hash), ti.imprint) {
			return errHash
		}
		if _, err := ti.verify(); err != nil {
			return fmt.Errorf("%w: %v", errCrypto, err)
		}
		return nil
	}
	cert, err := s.cms.signerCert()
	if err != nil {
		return fmt.Errorf("%w: %v", errFormat, err)
	}
	if !s.cms.checkDigest(digest(s.byteRange, s.cms.digestHash)) {
		return errHash
	}
	if err := s.cms.verifySignature(cert); err != nil {
		return fmt.Errorf("%w: %v", errCrypto, err)
	}
	return nil
}

// checkExistingSignatures applies the broken-signature policy before
// signing: a document whose existing signature does not verify is refused,
// because adding a valid signature on top would lend it credibility.
func checkExistingSignatures(r *pdf.Reader, allowBroken bool, res *SignResult) error {
	for _, s := range findSignatures(r) {
		if err := checkIntegrity(r.Data(), s); err != nil {
			if allowBroken {
				res.Warnings = append(res.Warnings, fmt.Sprintf("Chữ ký %q có sẵn trong tài liệu không hợp lệ; vẫn ký theo yêu cầu.", s.field))
				continue
			}
			return apperr.Wrap(err, apperr.Conflict, "Tài liệu đã có chữ ký %q nhưng chữ ký đó không còn hợp lệ (tài liệu có thể đã bị sửa sau khi ký). Không ký chồng lên tài liệu này.", s.field)
		}
	}
	return nil
}
