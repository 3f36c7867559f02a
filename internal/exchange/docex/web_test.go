package docex_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// The clerk's inbox page lists a package from a peer, marked with the peer,
// and returning it from the page sends 02 with the reason.
func TestInboxPageShowsPackagesFromPeers(t *testing.T) {
	p := setupPair(t, dbtest.SQLite(t, modules()...))
	a, b := p.a, p.b
	doc, err := p.issue(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, a, b)
	cat, err := locale.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Deps{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages.Drafts(web.DraftsDeps{Documents: b.docs, Uploads: b.blob, Exchange: b.svc,
		People: func(context.Context, int64) ([]documents.Person, error) { return nil, nil }}).Register(mux)
	serve := func(method, path string, form url.Values) *httptest.ResponseRecorder {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		r := httptest.NewRequest(method, path, body)
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r = r.WithContext(actor.With(b.ctx, bClerk))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := serve("GET", "/office/inbox", nil)
	page := w.Body.String()
	if w.Code != 200 || !strings.Contains(page, "liên thông từ Lào Cai") || !strings.Contains(page, doc.Summary) {
		t.Fatalf("inbox page %d:\n%s", w.Code, page)
	}
	inbox, _ := b.svc.Inbox(b.ctx, bClerk)
	action := "/office/inbox/remote/" + strconv.FormatInt(inbox[0].ID, 10)
	if !strings.Contains(page, action+"/register") {
		t.Fatalf("no register form for %s", action)
	}
	if w := serve("POST", action+"/return", url.Values{"reason": {"Không thuộc thẩm quyền"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("return: %d %s", w.Code, w.Body.String())
	}
	if n, _ := pump(t, b, a); n != 1 {
		t.Fatalf("statuses after the return: %d", n)
	}
	sent, err := a.svc.Sent(a.ctx, aClerk, doc.ID)
	if err != nil || len(sent) != 1 || sent[0].Status != "02" || sent[0].Reason != "Không thuộc thẩm quyền" {
		t.Fatalf("sent: %+v %v", sent, err)
	}
}

// A restricted draft cannot name an agency on a peer: the peer would keep
// it as internal.
func TestRestrictedDraftRefusesRemoteRecipients(t *testing.T) {
	p := setupPair(t, dbtest.SQLite(t, modules()...))
	a := p.a
	up, err := a.blob.Upload(a.ctx, aSpecialist, strings.NewReader("%PDF-1.4\n%%EOF\n"), blob.Request{Name: "x.pdf", Level: access.Restricted})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.docs.CreateDraft(a.ctx, aSpecialist, documents.DraftRequest{Type: "CV", Summary: "Hạn chế", Classification: access.Restricted.String(),
		Recipients: []string{deptCode}, Signer: documents.SignerRequest{AccountID: aLeader.AccountID, Position: "CHỦ TỊCH"}, File: up.ID})
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != "recipients" {
		t.Fatalf("restricted draft to a peer: %v", err)
	}
}

// The API lists the package and registers it; revoking through the API
// reaches the receiver.
func TestExchangeAPI(t *testing.T) {
	p := setupPair(t, dbtest.SQLite(t, modules()...))
	a, b := p.a, p.b
	doc, err := p.issue(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, a, b)
	call := func(n *node, as *actor.Actor, method, path, body string) *httptest.ResponseRecorder {
		mux := http.NewServeMux()
		api.New(api.Deps{Documents: n.docs, Exchange: n.svc}).Register(mux)
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r = r.WithContext(actor.With(n.ctx, as))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := call(b, bClerk, "GET", "/api/v1/documents/exchange/inbox", "")
	var list struct {
		Items []docex.Received `json:"items"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); w.Code != 200 || err != nil || len(list.Items) != 1 || list.Items[0].Peer != "Lào Cai" {
		t.Fatalf("inbox: %d %s", w.Code, w.Body.String())
	}
	if w := call(b, bHandler, "GET", "/api/v1/documents/exchange/inbox", ""); w.Code != 403 {
		t.Fatalf("a specialist's inbox: %d", w.Code)
	}
	id := strconv.FormatInt(list.Items[0].ID, 10)
	if w := call(b, bClerk, "POST", "/api/v1/documents/exchange/inbox/"+id+"/register", ""); w.Code != 201 {
		t.Fatalf("register: %d %s", w.Code, w.Body.String())
	}
	if w := call(a, aClerk, "POST", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10)+"/revoke", `{"reason": "Ban hành nhầm"}`); w.Code != 204 {
		t.Fatalf("revoke: %d %s", w.Code, w.Body.String())
	}
	if n, refused := pump(t, a, b); n != 1 || len(refused) != 0 {
		t.Fatalf("revocation: %d %v", n, refused)
	}
	if w := call(a, aClerk, "POST", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10)+"/revoke", `{"reason": "Lần nữa"}`); w.Code != 409 {
		t.Fatalf("second revocation: %d %s", w.Code, w.Body.String())
	}
}
