package exchange

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Bounds on a directory, which is outside input when read from a peer.
const (
	MaxDirectorySize = 1 << 20
	MaxAgencies      = 5000
	MaxCodeLen       = 100
	MaxNameLen       = 500
)

// Directory is what a node publishes about itself: its URL and the agency
// codes it hosts.
type Directory struct {
	URL      string    `json:"url"`
	Agencies []Agency  `json:"agencies"`
	IssuedAt time.Time `json:"issued_at"`
}

// signedDirectory is the wire form: the directory's JSON and the node
// key's signature over those exact bytes (SHA-256; ECDSA, RSA PKCS#1 v1.5
// or Ed25519 as the key is).
type signedDirectory struct {
	Payload   []byte `json:"payload"`   // base64 of the directory's JSON
	Signature []byte `json:"signature"` // base64
}

// SignDirectory returns the directory signed with id's key.
func SignDirectory(d Directory, id *Identity) ([]byte, error) {
	payload, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return signPayload(payload, id)
}

// signPayload wraps payload with id's signature over its exact bytes (the
// directory's and the statistics report's wire form).
func signPayload(payload []byte, id *Identity) ([]byte, error) {
	var sig []byte
	var err error
	switch id.Signer.Public().(type) {
	case ed25519.PublicKey:
		sig, err = id.Signer.Sign(rand.Reader, payload, crypto.Hash(0))
	default:
		sum := sha256.Sum256(payload)
		sig, err = id.Signer.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return json.Marshal(signedDirectory{Payload: payload, Signature: sig})
}

func signatureAlgorithm(pub any) x509.SignatureAlgorithm {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return x509.ECDSAWithSHA256
	case *rsa.PublicKey:
		return x509.SHA256WithRSA
	case ed25519.PublicKey:
		return x509.PureEd25519
	}
	return x509.UnknownSignatureAlgorithm
}

func badDirectory(format string, args ...any) error {
	return apperr.New(apperr.Invalid, "Danh bạ của nút kết nối không hợp lệ: "+format, args...)
}

// ParseDirectory reads a signed directory and checks its signature against
// the peer's pinned certificate. Codes must be unique, printable, without
// spaces and at most MaxCodeLen bytes; names are NFC-normalised.
func ParseDirectory(data []byte, cert *x509.Certificate) (*Directory, error) {
	if len(data) > MaxDirectorySize {
		return nil, apperr.New(apperr.Invalid, "Danh bạ của nút kết nối quá lớn (tối đa %d byte)", MaxDirectorySize)
	}
	var sd signedDirectory
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sd); err != nil {
		return nil, badDirectory("không đọc được JSON (%v)", err)
	}
	if len(sd.Payload) == 0 || len(sd.Signature) == 0 {
		return nil, badDirectory("thiếu nội dung hoặc chữ ký")
	}
	if cert == nil {
		return nil, badDirectory("không có chứng thư số để kiểm tra chữ ký")
	}
	if err := cert.CheckSignature(signatureAlgorithm(cert.PublicKey), sd.Payload, sd.Signature); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Chữ ký của danh bạ không khớp với chứng thư số đã ghim của nút kết nối")
	}
	var d Directory
	dec = json.NewDecoder(bytes.NewReader(sd.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, badDirectory("nội dung không phải JSON đúng mẫu (%v)", err)
	}
	if len(d.Agencies) > MaxAgencies {
		return nil, badDirectory("quá nhiều cơ quan (tối đa %d)", MaxAgencies)
	}
	if len(d.URL) > 2000 || !utf8.ValidString(d.URL) {
		return nil, badDirectory("địa chỉ quá dài")
	}
	seen := make(map[string]bool, len(d.Agencies))
	for i := range d.Agencies {
		a := &d.Agencies[i]
		if err := checkCode(a.Code); err != nil {
			return nil, badDirectory("cơ quan thứ %d: %s", i+1, apperr.MessageOf(err))
		}
		if seen[a.Code] {
			return nil, badDirectory("mã định danh %q lặp lại", a.Code)
		}
		seen[a.Code] = true
		if !utf8.ValidString(a.Name) || len(a.Name) > MaxNameLen {
			return nil, badDirectory("tên cơ quan %q không hợp lệ hoặc quá dài", a.Code)
		}
		a.Name = locale.NFC(a.Name)
	}
	return &d, nil
}

// checkCode accepts an electronic identifier code: printable ASCII letters,
// digits, dots, hyphens and underscores (the 2025 hierarchical format has no
// fixed length).
func checkCode(code string) error {
	if code == "" || len(code) > MaxCodeLen {
		return apperr.New(apperr.Invalid, "mã định danh rỗng hoặc quá dài (tối đa %d ký tự)", MaxCodeLen)
	}
	for _, c := range code {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune(".-_", c)) {
			return apperr.New(apperr.Invalid, "mã định danh %q có ký tự không hợp lệ", code)
		}
	}
	return nil
}

// directory is this node's directory now.
func (s *Service) directory(ctx context.Context) (Directory, error) {
	ags, err := s.opts.Agencies(ctx)
	if err != nil {
		return Directory{}, err
	}
	out := make([]Agency, 0, len(ags))
	for _, a := range ags {
		if a.Code != "" {
			out = append(out, a)
		}
	}
	return Directory{URL: s.opts.URL, Agencies: out, IssuedAt: s.now().UTC().Truncate(time.Second)}, nil
}

func (s *Service) serveDirectory(w http.ResponseWriter, r *http.Request) {
	id, err := s.opts.Identity(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := s.directory(r.Context())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	body, err := SignDirectory(d, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}
