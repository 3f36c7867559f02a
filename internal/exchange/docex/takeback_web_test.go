package docex_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// pagesOf serves node n's document and inbox pages as actor as.
func pagesOf(t *testing.T, n *node) func(as *actor.Actor, method, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	cat, err := locale.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Deps{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages.Office(web.OfficeDeps{Documents: n.docs, Uploads: n.blob, Tasks: n.tasks, Exchange: n.svc}).Register(mux)
	pages.Drafts(web.DraftsDeps{Documents: n.docs, Uploads: n.blob, Exchange: n.svc}).Register(mux)
	return func(as *actor.Actor, method, path string, form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r = r.WithContext(actor.With(n.ctx, as))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
}

// The sending document's page offers the take-back to the issuing clerk
// for each recipient that allows it; the receiver's inbox shows the
// request with its reason and the accept and refuse buttons in place of
// register and return; a registered document's page shows them too.
func TestTakeBackPages(t *testing.T) {
	p := setupPair(t, dbtest.SQLite(t, modules()...))
	a, b := p.a, p.b
	doc, err := p.issue(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, a, b)
	pageA, pageB := pagesOf(t, a), pagesOf(t, b)
	docPath := "/office/documents/" + strconv.FormatInt(doc.ID, 10)
	w := pageA(aClerk, "GET", docPath, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `action="`+docPath+`/takeback"`) ||
		!strings.Contains(w.Body.String(), `name="to" value="`+deptCode+`"`) {
		t.Fatalf("the clerk's document page %d lacks the take-back form:\n%s", w.Code, w.Body.String())
	}
	if w := pageA(aSpecialist, "GET", docPath, nil); w.Code != 200 || strings.Contains(w.Body.String(), docPath+"/takeback") {
		t.Fatalf("a specialist is offered the take-back (%d)", w.Code)
	}
	w = pageA(aClerk, "POST", docPath+"/takeback", url.Values{"to": {deptCode}, "reason": {" "}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.Contains(loc, "error=") {
		t.Fatalf("take-back without a reason: %d %s", w.Code, loc)
	}
	w = pageA(aClerk, "POST", docPath+"/takeback", url.Values{"to": {deptCode}, "reason": {"Gửi nhầm nơi nhận"}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != docPath+"?ok=takeback" {
		t.Fatalf("take-back: %d %s", w.Code, loc)
	}
	page := pageA(aClerk, "GET", docPath+"?ok=takeback", nil).Body.String()
	if !strings.Contains(page, "đang yêu cầu lấy lại: Gửi nhầm nơi nhận") || strings.Contains(page, docPath+"/takeback") ||
		!strings.Contains(page, "Đã gửi yêu cầu lấy lại văn bản") {
		t.Fatalf("the document page after asking:\n%s", page)
	}

	pump(t, a, b)
	inbox, _ := b.svc.Inbox(b.ctx, bClerk)
	item := "/office/inbox/remote/" + strconv.FormatInt(inbox[0].ID, 10)
	page = pageB(bClerk, "GET", "/office/inbox", nil).Body.String()
	if !strings.Contains(page, "Bên gửi yêu cầu lấy lại</strong>: Gửi nhầm nơi nhận") || !strings.Contains(page, item+"/takeback/accept") ||
		!strings.Contains(page, item+"/takeback/refuse") || strings.Contains(page, item+"/register") {
		t.Fatalf("the inbox with a take-back request:\n%s", page)
	}
	if w := pageB(bClerk, "POST", item+"/takeback/refuse", url.Values{"reason": {""}}); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "Lý do từ chối cho lấy lại") {
		t.Fatalf("refusing without a reason: %d\n%s", w.Code, w.Body.String())
	}
	if w := pageB(bClerk, "POST", item+"/takeback/accept", url.Values{}); w.Code != http.StatusSeeOther ||
		w.Header().Get("Location") != "/office/inbox?ok=takeback_answered" {
		t.Fatalf("accepting: %d %s", w.Code, w.Header().Get("Location"))
	}
	if page := pageB(bClerk, "GET", "/office/inbox", nil).Body.String(); strings.Contains(page, item) {
		t.Fatal("the package given back is still in the inbox")
	}
	pump(t, b, a)
	if page := pageA(aClerk, "GET", docPath, nil).Body.String(); !strings.Contains(page, "đã cho lấy lại") ||
		!strings.Contains(page, "Nơi nhận liên thông đồng ý cho lấy lại") {
		t.Fatalf("the document page after 15:\n%s", page)
	}

	// A registered document: the request and the buttons on its page.
	doc2, err := p.issue(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	pump(t, a, b)
	inbox, _ = b.svc.Inbox(b.ctx, bClerk)
	reg, err := b.svc.Register(b.ctx, bClerk, inbox[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.TakeBack(a.ctx, aClerk, doc2.ID, deptCode, "Ban hành nhầm"); err != nil {
		t.Fatal(err)
	}
	pump(t, a, b)
	regPath := "/office/documents/" + strconv.FormatInt(reg.ID, 10)
	item = "/office/inbox/remote/" + strconv.FormatInt(inbox[0].ID, 10)
	page = pageB(bClerk, "GET", regPath, nil).Body.String()
	if !strings.Contains(page, "Bên gửi yêu cầu lấy lại văn bản này: Ban hành nhầm") || !strings.Contains(page, item+"/takeback/refuse") {
		t.Fatalf("the registered document's page with a request:\n%s", page)
	}
	if page := pageB(bHandler, "GET", regPath, nil).Body.String(); strings.Contains(page, item+"/takeback") {
		t.Fatal("a specialist is offered to answer the take-back")
	}
	w = pageB(bClerk, "POST", item+"/takeback/refuse", url.Values{"reason": {"Đã giao xử lý"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != regPath+"?ok=takeback_answered" {
		t.Fatalf("refusing on the document page: %d %s", w.Code, w.Header().Get("Location"))
	}
	if page := pageB(bClerk, "GET", regPath, nil).Body.String(); !strings.Contains(page, "Đã từ chối cho bên gửi lấy lại văn bản này: Đã giao xử lý") {
		t.Fatalf("the registered document after refusing:\n%s", page)
	}
}

// The API asks, reads the request at the receiver and answers it.
func TestTakeBackAPI(t *testing.T) {
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
	path := "/api/v1/documents/" + strconv.FormatInt(doc.ID, 10) + "/takeback"
	if w := call(a, aClerk, "POST", path, `{"to": "`+deptCode+`", "reason": ""}`); w.Code != 400 || !strings.Contains(w.Body.String(), "Lý do lấy lại") {
		t.Fatalf("without a reason: %d %s", w.Code, w.Body.String())
	}
	if w := call(a, aClerk, "POST", path, `{"to": "`+deptCode+`", "reason": "Gửi nhầm"}`); w.Code != 204 {
		t.Fatalf("take-back: %d %s", w.Code, w.Body.String())
	}
	if w := call(a, aClerk, "POST", path, `{"to": "`+deptCode+`", "reason": "Lần nữa"}`); w.Code != 409 {
		t.Fatalf("asking twice: %d %s", w.Code, w.Body.String())
	}
	pump(t, a, b)
	inbox, _ := b.svc.Inbox(b.ctx, bClerk)
	item := "/api/v1/documents/exchange/inbox/" + strconv.FormatInt(inbox[0].ID, 10)
	w := call(b, bClerk, "GET", item, "")
	var got docex.Received
	if err := json.Unmarshal(w.Body.Bytes(), &got); w.Code != 200 || err != nil || got.TakeBack != "asked" || got.TakeBackReason != "Gửi nhầm" {
		t.Fatalf("the item: %d %s", w.Code, w.Body.String())
	}
	if w := call(b, bHandler, "GET", item, ""); w.Code != 404 {
		t.Fatalf("a specialist reads the item: %d", w.Code)
	}
	if w := call(b, bClerk, "POST", item+"/takeback/refuse", `{"reason": " "}`); w.Code != 400 {
		t.Fatalf("refusing without a reason: %d %s", w.Code, w.Body.String())
	}
	if w := call(b, bClerk, "POST", item+"/takeback/refuse", `{"reason": "Đã trình lãnh đạo"}`); w.Code != 204 {
		t.Fatalf("refusing: %d %s", w.Code, w.Body.String())
	}
	if w := call(b, bClerk, "POST", item+"/takeback/accept", ""); w.Code != 409 {
		t.Fatalf("accepting after refusing: %d %s", w.Code, w.Body.String())
	}
	pump(t, b, a)
	if s := sentTo(t, a, doc.ID); s.Status != "16" || s.Reason != "Đã trình lãnh đạo" {
		t.Fatalf("sent: %+v", s)
	}
}
