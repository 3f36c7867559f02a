package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// Signatures are the digital-signature pages: the certificate authority's
// pages of the security officer (/admin/pki…), the signing page of
// officials (/sign) and the public verification page (/verify). They are
// thin: read the form, call pki or signing (which ask access.Can and audit
// every change), render. Uploaded files are read in memory, never written
// to disk.
type Signatures struct {
	rd   *renderer
	pki  *pki.Service
	sign *signing.Service
	id   *identity.Service
	org  *org.Service
}

// SignaturesDeps are what the signature pages need.
type SignaturesDeps struct {
	PKI      *pki.Service
	Signing  *signing.Service
	Identity *identity.Service
	Org      *org.Service
}

// Signatures returns the signature pages sharing h's templates.
func (h *Handler) Signatures(d SignaturesDeps) *Signatures {
	return &Signatures{rd: h.rd, pki: d.PKI, sign: d.Signing, id: d.Identity, org: d.Org}
}

// Register mounts the pages on mux. The upload routes (POST /sign, POST
// /verify) need a larger request-body cap than the default one: the
// application's middleware gives them signing.MaxPDFSize and more.
func (p *Signatures) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /verify", p.verifyForm)
	mux.HandleFunc("POST /verify", p.verify)
	mux.HandleFunc("GET /sign", p.signForm)
	mux.HandleFunc("POST /sign", p.signPost)
	mux.HandleFunc("GET /admin/pki", p.certificates)
	mux.HandleFunc("POST /admin/pki/certificates/{serial}/revoke", p.revoke)
	mux.HandleFunc("GET /admin/pki/issue", p.issueForm)
	mux.HandleFunc("POST /admin/pki/issue", p.issue)
	mux.HandleFunc("GET /admin/pki/trust", p.trust)
	mux.HandleFunc("POST /admin/pki/trust", p.trustImport)
	mux.HandleFunc("POST /admin/pki/trust/{fingerprint}/remove", p.trustRemove)
}

// upload is a multipart form read in memory.
type upload struct {
	fields map[string]string
	files  map[string][]byte
	names  map[string]string // file field → the file's name on the client
}

func (u *upload) value(name string) string { return strings.TrimSpace(u.fields[name]) }

// readUpload reads a multipart/form-data body part by part, in memory only
// (http.Request.ParseMultipartForm would spill large files to temporary
// files): each file field up to its limit in limits, other fields up to
// 64 KB. A file over its limit or a body over the request cap is EINVALID
// with a message naming the limit.
func readUpload(r *http.Request, limits map[string]int64) (*upload, error) {
	u := &upload{fields: map[string]string{}, files: map[string][]byte{}, names: map[string]string{}}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, apperr.New(apperr.Invalid, "Biểu mẫu phải gửi dạng multipart/form-data (có tệp đính kèm)")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Biểu mẫu tải tệp không hợp lệ")
	}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return u, nil
		}
		if err != nil {
			return nil, uploadError(err, signing.MaxPDFSize)
		}
		if n > 64 {
			return nil, apperr.New(apperr.Invalid, "Biểu mẫu có quá nhiều trường")
		}
		name := part.FormName()
		if part.FileName() != "" {
			limit, ok := limits[name]
			if !ok {
				part.Close()
				continue
			}
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			part.Close()
			if err != nil {
				return nil, uploadError(err, limit)
			}
			if int64(len(data)) > limit {
				return nil, apperr.FieldError(name, "Tệp %q lớn hơn giới hạn %s", part.FileName(), sizeText(limit))
			}
			if len(data) > 0 {
				u.files[name], u.names[name] = data, part.FileName()
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, 64<<10+1))
		part.Close()
		if err != nil {
			return nil, uploadError(err, signing.MaxPDFSize)
		}
		if len(data) > 64<<10 {
			return nil, apperr.FieldError(name, "Trường %q quá dài", name)
		}
		u.fields[name] = string(data)
	}
}

func uploadError(err error, limit int64) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return apperr.Wrap(err, apperr.Invalid, "Tệp tải lên quá lớn (tối đa %s)", sizeText(limit))
	}
	return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp tải lên (kết nối bị ngắt hoặc biểu mẫu hỏng)")
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}
