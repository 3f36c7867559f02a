package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// takeBack asks a recipient on a peer node to give an issued document
// back (QCVN 102:2016/BTTTT status 13), with a reason.
func (p *Office) takeBack(w http.ResponseWriter, r *http.Request) {
	p.remoteStep(w, r, "takeback", func(a *actor.Actor, id int64) error {
		return p.remote.TakeBack(r.Context(), a, id, r.PostFormValue("to"), r.PostFormValue("reason"))
	})
}

// remoteStep runs an action on an issued document's remote recipients
// and goes back to the document's page with ok or the error beside the
// form; a document that is not there, or not the official's, is an error
// page.
func (p *Office) remoteStep(w http.ResponseWriter, r *http.Request, ok string, do func(a *actor.Actor, id int64) error) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || p.remote == nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	back := "/office/documents/" + strconv.FormatInt(id, 10)
	if err := do(a, id); err != nil {
		if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Unauthorized || c == apperr.Forbidden {
			p.rd.errorPage(w, r, err)
			return
		}
		msg, _, _ := formFailure(r, err)
		http.Redirect(w, r, back+"?error="+url.QueryEscape(msg), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, back+"?ok="+ok, http.StatusSeeOther)
}

// answerTakeBack accepts (15) or refuses with a reason (16) a sender's
// request to take back a package received from a peer: from the inbox
// while it waits there, from the document's page once registered.
func (p *Drafts) answerTakeBack(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, ok := pathInt(r, "id")
	if !ok || p.remote == nil {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	item, err := p.remote.Get(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	switch r.PathValue("answer") {
	case "accept":
		err = p.remote.AcceptTakeBack(r.Context(), a, id)
	case "refuse":
		err = p.remote.RefuseTakeBack(r.Context(), a, id, r.PostFormValue("reason"))
	default:
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có thao tác này"))
		return
	}
	if item.IncomingID != 0 {
		back := "/office/documents/" + strconv.FormatInt(item.IncomingID, 10)
		if err != nil {
			msg, _, _ := formFailure(r, err)
			http.Redirect(w, r, back+"?error="+url.QueryEscape(msg), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, back+"?ok=takeback_answered", http.StatusSeeOther)
		return
	}
	if err != nil {
		msg, _, status := formFailure(r, err)
		p.renderInbox(w, r, a, status, inboxData{Error: msg})
		return
	}
	http.Redirect(w, r, "/office/inbox?ok=takeback_answered", http.StatusSeeOther)
}
