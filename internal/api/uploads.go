package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// uploadBody is the answer of POST /api/v1/uploads.
type uploadBody struct {
	ID        string `json:"id"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
	Name      string `json:"name"`
}

// maxUploadFields bounds the form fields read before the file.
const maxUploadFields = 8

// upload answers POST /api/v1/uploads: a multipart form whose "file" part
// is streamed to the file store (optional "classification" and
// "personal_data" fields come before it).
func (a *API) upload(w http.ResponseWriter, r *http.Request) {
	if a.deps.Uploads == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ lưu tệp chưa được bật"))
		return
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để tải tệp lên"))
		return
	}
	u, err := a.readUpload(r, act)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, uploadBody{ID: u.ID, SHA256: u.SHA256, Size: u.Size, MediaType: u.MediaType, Name: u.Name})
}

func (a *API) readUpload(r *http.Request, act *actor.Actor) (blob.Upload, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return blob.Upload{}, apperr.FieldError("file", "Hãy gửi tệp trong biểu mẫu multipart/form-data, trường file")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return blob.Upload{}, apperr.Wrap(err, apperr.Invalid, "Biểu mẫu tải tệp không hợp lệ")
	}
	var req blob.Request
	for range maxUploadFields {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return blob.Upload{}, a.uploadBodyError(err)
		}
		switch part.FormName() {
		case "file":
			req.Name = part.FileName()
			return a.deps.Uploads.Upload(r.Context(), act, part, req)
		case "classification":
			v, err := smallField(part)
			if err != nil {
				return blob.Upload{}, a.uploadBodyError(err)
			}
			if req.Level, err = access.ParseLevel(v); err != nil {
				return blob.Upload{}, apperr.FieldError("classification", "%s", apperr.MessageOf(err))
			}
		case "personal_data":
			v, err := smallField(part)
			if err != nil {
				return blob.Upload{}, a.uploadBodyError(err)
			}
			switch strings.ToLower(v) {
			case "true", "1", "on":
				req.PersonalData = true
			case "false", "0", "":
			default:
				return blob.Upload{}, apperr.FieldError("personal_data", "Trường personal_data chỉ nhận true hoặc false")
			}
		}
		part.Close()
	}
	return blob.Upload{}, apperr.FieldError("file", "Thiếu tệp (trường file)")
}

func smallField(p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 65))
	if err == nil && len(b) > 64 {
		return "", apperr.New(apperr.Invalid, "Trường của biểu mẫu quá dài (tối đa 64 byte)")
	}
	return strings.TrimSpace(string(b)), err
}

func (a *API) uploadBodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return apperr.Wrap(err, apperr.Invalid, "Tệp lớn hơn giới hạn %d MB: hãy nén hoặc chia nhỏ tệp", a.deps.Uploads.MaxSize()>>20)
	}
	if apperr.CodeOf(err) != apperr.Internal {
		return err
	}
	return apperr.Wrap(err, apperr.Invalid, "Không đọc được biểu mẫu tải tệp")
}

// download answers GET /api/v1/uploads/{id}: the content as uploaded
// (decrypted when kept encrypted), for its uploader. The type is the one
// sniffed at upload and the browser is told not to guess another; the
// name travels as RFC 6266 filename* (UTF-8) with an ASCII fallback.
func (a *API) download(w http.ResponseWriter, r *http.Request) {
	if a.deps.Uploads == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ lưu tệp chưa được bật"))
		return
	}
	rc, u, err := a.deps.Uploads.Download(r.Context(), actor.From(r.Context()), r.PathValue("id"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", u.MediaType)
	h.Set("Content-Disposition", ContentDisposition("attachment", u.Name))
	h.Set("Content-Length", strconv.FormatInt(u.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if err := copyHeldBack(w, rc); err != nil {
		// The status is sent: cutting the connection short of
		// Content-Length is how the client learns the file is not whole
		// (the store's bytes did not match the recorded SHA-256, or the
		// store failed mid-way).
		httpx.LogError(r, http.StatusInternalServerError, err)
		panic(http.ErrAbortHandler)
	}
}

// copyHeldBack copies r to w holding back the last piece read until r
// reports its end: the reader checks the SHA-256 there, so the client
// never receives every byte of a file that failed the check.
func copyHeldBack(w io.Writer, r io.Reader) error {
	held, next := make([]byte, 32<<10), make([]byte, 32<<10)
	n := 0
	for {
		m, err := io.ReadFull(r, next)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return err
		}
		if _, werr := w.Write(held[:n]); werr != nil {
			return werr
		}
		held, next, n = next, held, m
		if err != nil {
			_, werr := w.Write(held[:n])
			return werr
		}
	}
}

// ContentDisposition builds a Content-Disposition header value (RFC 6266)
// for a file name in any script: filename* in UTF-8 (RFC 8187), and for
// older clients a filename of the name folded to ASCII (Vietnamese
// diacritics removed, đ → d) with anything else unsafe replaced by "_".
func ContentDisposition(kind, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, foldCase(name))
	var b strings.Builder
	b.WriteString(kind)
	b.WriteString(`; filename="`)
	b.WriteString(ascii)
	b.WriteString(`"; filename*=UTF-8''`)
	const hex = "0123456789ABCDEF"
	for _, c := range []byte(name) {
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// foldCase removes diacritics but keeps the letters' case ("Quyết định"
// → "Quyet dinh"), unlike locale.Fold, which also lower-cases.
func foldCase(s string) string {
	out := []rune(s)
	for i, r := range out {
		if f := []rune(locale.Fold(string(r))); len(f) == 1 && f[0] < utf8.RuneSelf {
			if unicode.IsUpper(r) {
				f[0] = unicode.ToUpper(f[0])
			}
			out[i] = f[0]
		}
	}
	return string(out)
}

// isAttrChar is RFC 8187's attr-char: what filename* carries unencoded.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
