package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// Documents across nodes (edXML, QCVN 102:2016):
//
//	GET  /api/v1/documents/exchange/inbox                packages received from peers for the clerk's agencies (listExchangeInbox)
//	POST /api/v1/documents/exchange/inbox/{id}/register  register one as incoming; status 03 goes back (registerExchanged)
//	POST /api/v1/documents/exchange/inbox/{id}/return    return one with a reason; status 02 goes back (returnExchanged)
//	POST /api/v1/documents/{id}/revoke                   revoke an issued document sent to peers (revokeExchanged)
func (a *API) exchangeRoutes() []route {
	return []route{
		{"GET", "/api/v1/documents/exchange/inbox", a.listExchangeInbox},
		{"POST", "/api/v1/documents/exchange/inbox/{id}/register", a.registerExchanged},
		{"POST", "/api/v1/documents/exchange/inbox/{id}/return", a.returnExchanged},
		{"POST", "/api/v1/documents/{id}/revoke", a.revokeExchanged},
		{"GET", "/api/v1/documents/exchange/inbox/{id}", a.getExchanged},
		{"POST", "/api/v1/documents/exchange/inbox/{id}/takeback/accept", a.acceptTakeBack},
		{"POST", "/api/v1/documents/exchange/inbox/{id}/takeback/refuse", a.refuseTakeBack},
		{"POST", "/api/v1/documents/{id}/takeback", a.takeBack},
	}
}

func (a *API) exchangeCall(w http.ResponseWriter, r *http.Request, v any, example string) (*actor.Actor, bool) {
	if a.deps.Exchange == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Liên thông văn bản chưa được bật trên máy chủ này"))
		return nil, false
	}
	return a.outgoingCall(w, r, v, example)
}

func (a *API) listExchangeInbox(w http.ResponseWriter, r *http.Request) {
	act, ok := a.exchangeCall(w, r, nil, "")
	if !ok {
		return
	}
	items, err := a.deps.Exchange.Inbox(r.Context(), act)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) registerExchanged(w http.ResponseWriter, r *http.Request) {
	act, ok := a.exchangeCall(w, r, nil, "")
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	doc, err := a.deps.Exchange.Register(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10))
	httpx.JSON(w, http.StatusCreated, doc)
}

// exchangeStep reads the body into v, the document or package id from
// the path, runs do and answers 204: the shape of every action that
// changes a package and returns nothing.
func (a *API) exchangeStep(w http.ResponseWriter, r *http.Request, v any, example string, do func(ctx context.Context, act *actor.Actor, id int64) error) {
	act, ok := a.exchangeCall(w, r, v, example)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := do(r.Context(), act, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reasonBody is the body of the actions that need a reason.
type reasonBody struct {
	Reason string `json:"reason"`
}

func (a *API) returnExchanged(w http.ResponseWriter, r *http.Request) {
	var b reasonBody
	a.exchangeStep(w, r, &b, `{"reason": "Gửi nhầm cơ quan"}`, func(ctx context.Context, act *actor.Actor, id int64) error {
		return a.deps.Exchange.Return(ctx, act, id, b.Reason)
	})
}

func (a *API) revokeExchanged(w http.ResponseWriter, r *http.Request) {
	var b reasonBody
	a.exchangeStep(w, r, &b, `{"reason": "Ban hành nhầm nơi nhận"}`, func(ctx context.Context, act *actor.Actor, id int64) error {
		return a.deps.Exchange.Revoke(ctx, act, id, b.Reason)
	})
}
