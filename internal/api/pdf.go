package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// verifyPDF answers POST /api/v1/pdf/verify: the body is the PDF
// (application/pdf) or a multipart form with the PDF in "file"; the answer
// is the validation report (pdfsign.Report). Anyone may call it; the file
// is read in memory and not kept.
func (a *API) verifyPDF(w http.ResponseWriter, r *http.Request) {
	if a.deps.Signing == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ kiểm tra chữ ký số chưa được bật"))
		return
	}
	data, err := readPDF(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	rep, err := a.deps.Signing.Verify(r.Context(), actor.From(r.Context()), data)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, rep)
}

// readPDF reads the uploaded PDF of a raw or multipart body, in memory.
func readPDF(r *http.Request) ([]byte, error) {
	limit := int64(signing.MaxPDFSize)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var src io.Reader = r.Body
	if mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Biểu mẫu tải tệp không hợp lệ")
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, apperr.FieldError("file", "Thiếu tệp PDF (trường file)")
			}
			if err != nil {
				return nil, bodyError(err)
			}
			if part.FormName() == "file" {
				src = part
				break
			}
			part.Close()
		}
	}
	data, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if int64(len(data)) > limit {
		return nil, apperr.FieldError("file", "Tệp PDF lớn hơn %d MB: không xử lý được", limit>>20)
	}
	return data, nil
}

func bodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return apperr.Wrap(err, apperr.Invalid, "Tệp PDF lớn hơn %d MB: không xử lý được", signing.MaxPDFSize>>20)
	}
	return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp tải lên")
}
