package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
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
