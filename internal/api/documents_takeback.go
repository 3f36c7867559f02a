package api

import (
	"context"
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// getExchanged returns one package received from a peer, with the
// sender's request to take it back if any, for a clerk of its agency.
func (a *API) getExchanged(w http.ResponseWriter, r *http.Request) {
	act, ok := a.exchangeCall(w, r, nil, "")
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	item, err := a.deps.Exchange.Get(r.Context(), act, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, item)
}

// takeBack asks a recipient on a peer to give an issued document back
// (QCVN 102:2016/BTTTT status 13).
func (a *API) takeBack(w http.ResponseWriter, r *http.Request) {
	var b struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	a.exchangeStep(w, r, &b, `{"to": "000.00.01.H22", "reason": "Gửi nhầm nơi nhận"}`, func(ctx context.Context, act *actor.Actor, id int64) error {
		return a.deps.Exchange.TakeBack(ctx, act, id, b.To, b.Reason)
	})
}

// acceptTakeBack lets the sender take a received package back (15).
func (a *API) acceptTakeBack(w http.ResponseWriter, r *http.Request) {
	// A closure: the method value would panic when the exchange is off.
	a.exchangeStep(w, r, nil, "", func(ctx context.Context, act *actor.Actor, id int64) error {
		return a.deps.Exchange.AcceptTakeBack(ctx, act, id)
	})
}

// refuseTakeBack refuses the sender's request with a reason (16).
func (a *API) refuseTakeBack(w http.ResponseWriter, r *http.Request) {
	var b reasonBody
	a.exchangeStep(w, r, &b, `{"reason": "Văn bản đã được giao xử lý"}`, func(ctx context.Context, act *actor.Actor, id int64) error {
		return a.deps.Exchange.RefuseTakeBack(ctx, act, id, b.Reason)
	})
}
