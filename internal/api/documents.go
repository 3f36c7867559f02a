package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// Official documents (Decree 30/2020/NĐ-CP):
//
//	POST /api/v1/documents/incoming  the clerk registers an incoming document (registerIncoming)
//	GET  /api/v1/documents/{id}      a document for who may read it (getDocument)
func (a *API) documentRoutes() []route {
	return []route{
		{"POST", "/api/v1/documents/incoming", a.registerIncoming},
		{"GET", "/api/v1/documents/{id}", a.getDocument},
	}
}

// maxIncomingBody bounds the JSON of a registration: a summary of 2,000
// bytes escaped, 20 upload ids and the other fields fit well within it.
const maxIncomingBody = 32 << 10

type incomingBody struct {
	AgencyID       int64    `json:"agency_id"`
	Symbol         string   `json:"symbol"`
	IssuedOn       string   `json:"issued_on"`
	Sender         string   `json:"sender"`
	Type           string   `json:"type"`
	Summary        string   `json:"summary"`
	Urgency        string   `json:"urgency"`
	Classification string   `json:"classification"`
	Attachments    []string `json:"attachments"`
	Force          bool     `json:"force"`
}

// duplicateBody is the 409 answer: the error and the first registration.
type duplicateBody struct {
	Error      httpx.ErrorDetail `json:"error"`
	ExistingID int64             `json:"existing_id"`
}

func (a *API) registerIncoming(w http.ResponseWriter, r *http.Request) {
	if a.deps.Documents == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ văn bản chưa được bật"))
		return
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để đăng ký văn bản đến"))
		return
	}
	var body incomingBody
	dec := json.NewDecoder(io.LimitReader(r.Body, maxIncomingBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		httpx.Error(w, r, apperr.Wrap(err, apperr.Invalid,
			`Nội dung phải là JSON dạng {"symbol": "05/QĐ-UBND", "issued_on": "2026-04-26", "sender": …, "type": "QĐ", "summary": …, "urgency": "thuong", "classification": "noi_bo", "attachments": []} (tối đa %d KB)`, maxIncomingBody>>10))
		return
	}
	issued, err := parseDay(body.IssuedOn)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	doc, err := a.deps.Documents.RegisterIncoming(r.Context(), act, documents.IncomingRequest{
		AgencyID: body.AgencyID, Symbol: body.Symbol, IssuedOn: issued, Sender: body.Sender, Type: body.Type,
		Summary: body.Summary, Urgency: body.Urgency, Classification: body.Classification, Attachments: body.Attachments, Force: body.Force})
	if id, ok := documents.FirstOf(err); ok {
		httpx.LogError(r, http.StatusConflict, err)
		httpx.JSON(w, http.StatusConflict, duplicateBody{ExistingID: id,
			Error: httpx.ErrorDetail{Code: apperr.Conflict, Message: apperr.MessageOf(err), RequestID: httpx.RequestID(r.Context())}})
		return
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10))
	httpx.JSON(w, http.StatusCreated, doc)
}

// parseDay reads a date as yyyy-mm-dd or the Vietnamese dd/mm/yyyy.
func parseDay(s string) (calendar.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return calendar.Date{}, apperr.FieldError("issued_on", "Thiếu ngày ban hành của văn bản (issued_on)")
	}
	var d calendar.Date
	var err error
	if strings.Contains(s, "/") {
		d, err = calendar.ParseVN(s)
	} else {
		d, err = calendar.ParseISO(s)
	}
	if err != nil {
		return d, apperr.FieldError("issued_on", "Ngày ban hành: %s", apperr.MessageOf(err))
	}
	return d, nil
}

func (a *API) getDocument(w http.ResponseWriter, r *http.Request) {
	if a.deps.Documents == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ văn bản chưa được bật"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Error(w, r, apperr.FieldError("id", "Mã văn bản phải là số nguyên dương"))
		return
	}
	doc, err := a.deps.Documents.Get(r.Context(), actor.From(r.Context()), id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, doc)
}
