package api

import (
	"net/http"

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
	act, ok := a.exchangeCall(w, r, &b, `{"to": "000.00.01.H22", "reason": "Gửi nhầm nơi nhận"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Exchange.TakeBack(r.Context(), act, id, b.To, b.Reason); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// acceptTakeBack lets the sender take a received package back (15).
func (a *API) acceptTakeBack(w http.ResponseWriter, r *http.Request) {
	act, ok := a.exchangeCall(w, r, nil, "")
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Exchange.AcceptTakeBack(r.Context(), act, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refuseTakeBack refuses the sender's request with a reason (16).
func (a *API) refuseTakeBack(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reason string `json:"reason"`
	}
	act, ok := a.exchangeCall(w, r, &b, `{"reason": "Văn bản đã được giao xử lý"}`)
	if !ok {
		return
	}
	id, ok := outgoingID(w, r)
	if !ok {
		return
	}
	if err := a.deps.Exchange.RefuseTakeBack(r.Context(), act, id, b.Reason); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
