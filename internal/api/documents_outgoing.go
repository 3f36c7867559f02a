package api

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// The outgoing flow (Decree 30/2020/NĐ-CP Arts. 10–16):
//
//	POST /api/v1/documents/drafts                   a specialist starts a draft (createDraft)
//	POST /api/v1/documents/{id}/versions            the drafter adds a file version (addDraftVersion)
//	POST /api/v1/documents/{id}/submit              the drafter sends it for review (submitDraft)
//	POST /api/v1/documents/{id}/approve             the reviewer whose turn it is approves or returns (approveDocument)
//	POST /api/v1/documents/{id}/comments            a comment on a version (commentDraft)
//	POST /api/v1/documents/{id}/sign                the named leader signs (signDocument)
//	POST /api/v1/documents/{id}/issue               the clerk numbers, stamps, seals and releases (issueDocument)
//	GET  /api/v1/documents/{id}/timeline            every step (getDocumentTimeline)
//	GET  /api/v1/documents/inbox                    documents delivered to the clerk's agency (listInbox)
//	POST /api/v1/documents/inbox/{id}/register      register one as incoming (registerDelivered)
//	POST /api/v1/documents/inbox/{id}/return        return one with a reason (returnDelivered)
func (a *API) outgoingRoutes() []route {
	return []route{
		{"POST", "/api/v1/documents/drafts", a.createDraft},
		{"POST", "/api/v1/documents/{id}/versions", a.addDraftVersion},
		{"POST", "/api/v1/documents/{id}/submit", a.submitDraft},
		{"POST", "/api/v1/documents/{id}/approve", a.approveDocument},
		{"POST", "/api/v1/documents/{id}/comments", a.commentDraft},
		{"POST", "/api/v1/documents/{id}/sign", a.signDocument},
		{"POST", "/api/v1/documents/{id}/issue", a.issueDocument},
		{"GET", "/api/v1/documents/{id}/timeline", a.getDocumentTimeline},
		{"GET", "/api/v1/documents/inbox", a.listInbox},
		{"POST", "/api/v1/documents/inbox/{id}/register", a.registerDelivered},
		{"POST", "/api/v1/documents/inbox/{id}/return", a.returnDelivered},
	}
}

// maxDraftBody bounds a draft's JSON: a 2,000-byte summary, 50
// recipients, 30 lines of free recipients and the rest fit in it.
const maxDraftBody = 64 << 10

type draftBody struct {
	Type           string   `json:"type"`
	Summary        string   `json:"summary"`
	Urgency        string   `json:"urgency"`
	Classification string   `json:"classification"`
	LegalNormative bool     `json:"legal_normative"`
	Recipients     []string `json:"recipients"`
	FreeRecipients []string `json:"free_recipients"`
	Signer         struct {
		AccountID int64  `json:"account_id"`
		Authority string `json:"authority"`
		Position  string `json:"position"`
	} `json:"signer"`
	Reviewers []int64              `json:"reviewers"`
	Relations []documents.Relation `json:"relations"`
	File      string               `json:"file"`
}

// outgoingCall checks the service and the caller and reads a JSON body
// into v (nil: no body expected).
func (a *API) outgoingCall(w http.ResponseWriter, r *http.Request, v any, example string) (*actor.Actor, bool) {
	if a.deps.Documents == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ văn bản chưa được bật"))
		return nil, false
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập"))
		return nil, false
	}
	if v != nil {
		if err := decodeJSON(r.Body, v, maxDraftBody, example); err != nil {
			httpx.Error(w, r, err)
			return nil, false
		}
	}
	return act, true
}

func outgoingID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Error(w, r, apperr.FieldError("id", "Mã văn bản phải là số nguyên dương"))
		return 0, false
	}
	return id, true
}

func (a *API) createDraft(w http.ResponseWriter, r *http.Request) {
	var b draftBody
	act, ok := a.outgoingCall(w, r, &b, `{"type": "QĐ", "summary": …, "signer": {"account_id": 12, "authority": "TM.", "position": "CHỦ TỊCH"}, "reviewers": [], "recipients": ["H15.20"], "file": "<upload id>"}`)
	if !ok {
		return
	}
	doc, err := a.deps.Documents.CreateDraft(r.Context(), act, documents.DraftRequest{Type: b.Type, Summary: b.Summary, Urgency: b.Urgency,
		Classification: b.Classification, Legal: b.LegalNormative, Recipients: b.Recipients, FreeRecipients: b.FreeRecipients,
		Signer:    documents.SignerRequest{AccountID: b.Signer.AccountID, Authority: b.Signer.Authority, Position: b.Signer.Position},
		Reviewers: b.Reviewers, Relations: b.Relations, File: b.File})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10))
	httpx.JSON(w, http.StatusCreated, doc)
}

// answer replies with the document as it now is.
func (a *API) answer(w http.ResponseWriter, r *http.Request, act *actor.Actor, id int64, status int) {
	doc, err := a.deps.Documents.Get(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, status, doc)
}

func (a *API) addDraftVersion(w http.ResponseWriter, r *http.Request) {
	var b struct {
		File string `json:"file"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"file": "<upload id>"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	v, err := a.deps.Documents.AddVersion(r.Context(), act, id, b.File)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, v)
}

func (a *API) submitDraft(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Comment string `json:"comment"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"comment": "Kính trình"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Documents.Submit(r.Context(), act, id, b.Comment); err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.answer(w, r, act, id, http.StatusOK)
}

func (a *API) approveDocument(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Decision string `json:"decision"`
		Comment  string `json:"comment"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"decision": "approve" | "return", "comment": "…"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Documents.Review(r.Context(), act, id, b.Decision, b.Comment); err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.answer(w, r, act, id, http.StatusOK)
}

func (a *API) commentDraft(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Version int    `json:"version"`
		Comment string `json:"comment"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"version": 2, "comment": "…"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Documents.Comment(r.Context(), act, id, b.Version, b.Comment); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) signDocument(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Serial string `json:"serial"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"serial": ""}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if _, err := a.deps.Documents.Sign(r.Context(), act, id, documents.SignRequest{Serial: b.Serial}); err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.answer(w, r, act, id, http.StatusOK)
}

func (a *API) issueDocument(w http.ResponseWriter, r *http.Request) {
	var b struct {
		SealSerial string `json:"seal_serial"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"seal_serial": ""}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if _, err := a.deps.Documents.Issue(r.Context(), act, id, documents.IssueRequest{SealSerial: b.SealSerial}); err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.answer(w, r, act, id, http.StatusOK)
}

func (a *API) getDocumentTimeline(w http.ResponseWriter, r *http.Request) {
	act, ok := a.outgoingCall(w, r, nil, "")
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	events, err := a.deps.Documents.Timeline(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": events})
}

func (a *API) listInbox(w http.ResponseWriter, r *http.Request) {
	act, ok := a.outgoingCall(w, r, nil, "")
	if !ok {
		return
	}
	items, err := a.deps.Documents.Inbox(r.Context(), act)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) registerDelivered(w http.ResponseWriter, r *http.Request) {
	act, ok := a.outgoingCall(w, r, nil, "")
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	doc, err := a.deps.Documents.ReceiveDelivered(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10))
	httpx.JSON(w, http.StatusCreated, doc)
}

func (a *API) returnDelivered(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reason string `json:"reason"`
	}
	act, ok := a.outgoingCall(w, r, &b, `{"reason": "Gửi nhầm cơ quan"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Documents.ReturnDelivered(r.Context(), act, id, b.Reason); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
