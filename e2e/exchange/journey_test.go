package exchange

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
)

// missingJourney names what the document journey between the two
// instances still lacks in this build; "" when everything is there: the
// exchange commands and listener (package exchange) and the documents
// exchange (package exchange/docex) wired into the program.
func missingJourney() string {
	if !hasCommand("exchange", "peer", "add") {
		return "the `exchange node` and `exchange peer add` commands"
	}
	if !serveHasFlag("exchange-addr") {
		return "serve's exchange listener (--exchange-addr)"
	}
	if !programImports("github.com/chinhquyen/chinhquyen/internal/exchange/docex") {
		return "the documents exchange (internal/exchange/docex) wired into the program, so that issuing a document to a peer's agency sends it"
	}
	return ""
}

// programImports reports whether the program's source imports a package
// (go list over the command's dependencies).
func programImports(pkg string) bool {
	out, err := exec.Command("go", "list", "-deps", "github.com/chinhquyen/chinhquyen/cmd/chinhquyen").Output()
	return err == nil && strings.Contains("\n"+string(out), "\n"+pkg+"\n")
}

// A document issued in Quảng Ninh to an agency of Lào Cai (the provincial
// People's Committee's office) arrives in that clerk's inbox with its PDF
// byte for byte and its signatures valid; registering it sends status 03
// back, which shows on the sender's timeline.
func TestDocumentIssuedInQuangNinhArrivesInLaoCai(t *testing.T) {
	if m := missingJourney(); m != "" {
		t.Skip("not in this build yet: " + m)
	}
	p := twoInstances(t)
	summary := "Về phối hợp tổ chức Hội chợ thương mại biên giới Lào Cai - Quảng Ninh năm 2027"
	sent := issue(t, p.qNinh, "DEMO.H15.01", summary)

	lc := p.laoCai.api(t, "demo.clerk")
	item := waitInbox(t, p.laoCai, lc, remoteInbox, summary, time.Minute)
	var reg document
	if st := lc.call(t, "POST", fmt.Sprintf("%s/%d/register", remoteInbox, item.ID), nil, &reg); st != http.StatusCreated {
		t.Fatalf("register at Lào Cai: %d", st)
	}
	if reg.Symbol != sent.Symbol || !strings.Contains(reg.Sender, "Quảng Ninh") || len(reg.Attachments) == 0 {
		t.Fatalf("registered %+v, sent %+v", reg, sent)
	}
	if a, b := reg.Attachments[0], sent.Attachments[0]; a.SHA256 != b.SHA256 || a.SignatureStatus == "invalid" {
		t.Fatalf("the received PDF %s (%s) is not the issued one %s", a.SHA256, a.SignatureStatus, b.SHA256)
	}
	// pdfsig accepts the received file against Quảng Ninh's root.
	signed := p.laoCai.webFile(t, "demo.clerk", reg.ID)
	root := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(root, []byte(get(t, p.qNinh.url+"/pki/ca/root.pem")), 0o644); err != nil {
		t.Fatal(err)
	}
	pdfsigntest.Check(t, signed, root, 2, false)

	// 03 reaches the sender's timeline.
	qn := p.qNinh.api(t, "demo.clerk")
	waitEvent(t, qn, sent.ID, "remote_accepted", time.Minute)
}

// The receiver stopped while the sender sends and restarted later: the
// package is retried and delivered exactly once.
func TestReceiverStoppedDuringSendingGetsItOnce(t *testing.T) {
	if m := missingJourney(); m != "" {
		t.Skip("not in this build yet: " + m)
	}
	p := twoInstances(t)
	p.laoCai.stop()
	summary := "Về việc trao đổi kinh nghiệm chuyển đổi số cấp xã giữa hai tỉnh"
	sent := issue(t, p.qNinh, "DEMO.H15.01", summary)
	pg, err := sql.Open("pgx", p.qNinh.database)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	message := func() (state, status string, attempts int) {
		t.Helper()
		err := pg.QueryRow(`SELECT state, receipt_status, attempts FROM exchange_messages
			WHERE direction = 'out' AND to_code = 'DEMO.H15.01' AND position(convert_to($1, 'UTF8') in package) > 0`, summary).Scan(&state, &status, &attempts)
		if err != nil {
			t.Fatalf("the outbound message of %s: %v", sent.Symbol, err)
		}
		return
	}
	// The sender tries while the receiver is down, and keeps the package.
	deadline := clock.Now().Add(time.Minute)
	for {
		state, _, attempts := message()
		if state != "queued" {
			t.Fatalf("with the receiver down the message is %s", state)
		}
		if attempts > 0 {
			break
		}
		if clock.Now().After(deadline) {
			t.Fatal("no delivery attempt while the receiver was down")
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.laoCai.restart(t)
	lc := p.laoCai.api(t, "demo.clerk")
	waitInbox(t, p.laoCai, lc, remoteInbox, summary, 3*time.Minute)
	// Delivered once, answered 01; later retries change nothing.
	deadline = clock.Now().Add(time.Minute)
	for {
		state, status, _ := message()
		if state == "delivered" && status == "01" {
			break
		}
		if clock.Now().After(deadline) {
			t.Fatalf("the message is %s (%s) after the receiver came back", state, status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	var inbox struct{ Items []inboxItem }
	lc.call(t, "GET", remoteInbox, nil, &inbox)
	n := 0
	for _, it := range inbox.Items {
		if it.Summary == summary {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d copies of %s in Lào Cai's inbox, want 1", n, sent.Symbol)
	}
}

// A package altered on the way is refused with status 02 and the reason,
// which the sender keeps with the message; nothing reaches the receiver's
// inbox. The package is altered in the sender's outbound queue (Quảng
// Ninh's database) while the receiver is stopped, so the next attempt
// carries the altered bytes.
func TestTamperedPackageRefusedWith02(t *testing.T) {
	if m := missingJourney(); m != "" {
		t.Skip("not in this build yet: " + m)
	}
	p := twoInstances(t)
	p.laoCai.stop()
	summary := "Về việc thống nhất mốc giới hành chính giữa hai tỉnh"
	sent := issue(t, p.qNinh, "DEMO.H15.01", summary)
	pg, err := sql.Open("pgx", p.qNinh.database)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	res, err := pg.Exec(`UPDATE exchange_messages SET package = convert_to(replace(convert_from(package, 'UTF8'), 'mốc giới', 'mốc giói'), 'UTF8')
		WHERE direction = 'out' AND state = 'queued' AND to_code = 'DEMO.H15.01' AND position(convert_to('mốc giới', 'UTF8') in package) > 0`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d queued packages of %s altered, want 1", n, sent.Symbol)
	}
	p.laoCai.restart(t)
	deadline := clock.Now().Add(3 * time.Minute)
	for {
		var state, status, reason string
		err := pg.QueryRow(`SELECT state, receipt_status, reason FROM exchange_messages
			WHERE direction = 'out' AND to_code = 'DEMO.H15.01' AND position(convert_to('mốc giói', 'UTF8') in package) > 0`).Scan(&state, &status, &reason)
		if err != nil {
			t.Fatal(err)
		}
		if status == "02" {
			if state != "refused" || reason == "" {
				t.Fatalf("refused package: state %s, reason %q", state, reason)
			}
			t.Logf("refused with 02: %s", reason)
			break
		}
		if clock.Now().After(deadline) {
			t.Fatalf("the altered package is %s (%s %q), not refused with 02", state, status, reason)
		}
		time.Sleep(500 * time.Millisecond)
	}
	lc := p.laoCai.api(t, "demo.clerk")
	var inbox struct{ Items []inboxItem }
	lc.call(t, "GET", remoteInbox, nil, &inbox)
	for _, it := range inbox.Items {
		if strings.Contains(it.Summary, "mốc gi") {
			t.Fatalf("the altered package reached Lào Cai's inbox: %+v", it)
		}
	}
}

// issue drafts, approves, signs and issues a Kế hoạch of the province's
// committee to recipient (an electronic code) on in, as its demo deputy
// chair, chair and clerk do; it returns the issued document.
func issue(t *testing.T, in *instance, recipient, summary string) document {
	t.Helper()
	drafter, leader, clerk := in.api(t, "demo.deputy_leader"), in.api(t, "demo.leader"), in.api(t, "demo.clerk")
	var me struct {
		ID int64 `json:"id"`
	}
	leader.call(t, "GET", "/api/v1/me", nil, &me)
	file := drafter.upload(t, pdftest.New(pdftest.Options{Pages: 1}))
	body := map[string]any{"type": "KH", "summary": summary, "recipients": []string{recipient}, "reviewers": []int64{}, "file": file,
		"signer": map[string]any{"account_id": me.ID, "authority": "TM.", "position": "CHỦ TỊCH"}}
	var d document
	if st := drafter.call(t, "POST", "/api/v1/documents/drafts", body, &d); st != http.StatusCreated {
		t.Fatalf("draft on %s: %d", in.name, st)
	}
	path := fmt.Sprintf("/api/v1/documents/%d", d.ID)
	for _, step := range []struct {
		who  *client
		verb string
		body any
	}{
		{drafter, "/submit", map[string]string{"comment": "Kính trình đồng chí Chủ tịch."}},
		{leader, "/approve", map[string]string{"decision": "approve", "comment": "Đồng ý ban hành."}},
		{leader, "/sign", map[string]string{"serial": ""}},
		{clerk, "/issue", map[string]string{"seal_serial": ""}},
	} {
		if st := step.who.call(t, "POST", path+step.verb, step.body, &d); st != http.StatusOK && st != http.StatusCreated {
			t.Fatalf("%s%s on %s: %d", path, step.verb, in.name, st)
		}
	}
	if d.Status != "issued" || d.Symbol == "" || len(d.Attachments) == 0 {
		t.Fatalf("issued %+v", d)
	}
	return d
}

type document struct {
	ID          int64  `json:"id"`
	Symbol      string `json:"symbol"`
	Sender      string `json:"sender"`
	Summary     string `json:"summary"`
	Status      string `json:"status"`
	Attachments []struct {
		SHA256          string `json:"sha256"`
		SignatureStatus string `json:"signature_status"`
	} `json:"attachments"`
}

// inboxItem is an entry of a clerk's inbox: a delivery from an agency on
// the same instance (DocumentID, /api/v1/documents/inbox) or a package
// received from a peer (ID, /api/v1/documents/exchange/inbox).
type inboxItem struct {
	ID         int64  `json:"id"`
	DocumentID int64  `json:"document_id"`
	Symbol     string `json:"symbol"`
	Summary    string `json:"summary"`
}

// The two inboxes of a clerk.
const (
	localInbox  = "/api/v1/documents/inbox"
	remoteInbox = "/api/v1/documents/exchange/inbox"
)

// waitInbox waits for a document with summary in one of the clerk's inboxes.
func waitInbox(t *testing.T, in *instance, c *client, inboxPath, summary string, within time.Duration) inboxItem {
	t.Helper()
	deadline := clock.Now().Add(within)
	for {
		var inbox struct{ Items []inboxItem }
		c.call(t, "GET", inboxPath, nil, &inbox)
		for _, it := range inbox.Items {
			if it.Summary == summary {
				return it
			}
		}
		if clock.Now().After(deadline) {
			t.Fatalf("%q not in %s's inbox within %v:\n%s", summary, in.name, within, in.out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitEvent waits for an event kind on a document's timeline.
func waitEvent(t *testing.T, c *client, id int64, kind string, within time.Duration) {
	t.Helper()
	deadline := clock.Now().Add(within)
	for {
		var tl struct {
			Events []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		c.call(t, "GET", fmt.Sprintf("/api/v1/documents/%d/timeline", id), nil, &tl)
		var kinds []string
		for _, e := range tl.Events {
			if e.Kind == kind {
				return
			}
			kinds = append(kinds, e.Kind)
		}
		if clock.Now().After(deadline) {
			t.Fatalf("no %s on document %d's timeline within %v: %v", kind, id, within, kinds)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// client calls an instance's API as one demo login.
type client struct {
	base, token string
}

func (in *instance) api(t *testing.T, user string) *client {
	t.Helper()
	l, ok := in.logins[user]
	if !ok {
		t.Fatalf("%s has no demo login %s", in.name, user)
	}
	c := &client{base: in.url}
	var s struct {
		Token string `json:"token"`
	}
	if st := c.call(t, "POST", "/api/v1/auth/login", map[string]string{"login": l.user, "password": l.password}, &s); st != http.StatusOK || s.Token == "" {
		t.Fatalf("API sign-in as %s on %s: %d", user, in.name, st)
	}
	c.token = s.Token
	return c
}

// call sends body as JSON and decodes the answer into out; it fails the
// test on a status of 400 or more.
func (c *client) call(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.do(t, req, out)
}

func (c *client) do(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode >= 400 {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", req.Method, req.URL.Path, err, data)
		}
	}
	return resp.StatusCode
}

// upload stores a PDF and returns its upload id.
func (c *client) upload(t *testing.T, pdf []byte) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "du-thao.pdf")
	w.Write(pdf)
	mw.Close()
	req, err := http.NewRequest("POST", c.base+"/api/v1/uploads", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	var u struct {
		ID string `json:"id"`
	}
	c.do(t, req, &u)
	return u.ID
}

var fileLink = regexp.MustCompile(`/office/documents/\d+/files/[^"]+`)

// webFile signs in through the login form and downloads the first file
// of a document from its page, as its reader's browser would.
func (in *instance) webFile(t *testing.T, user string, id int64) []byte {
	t.Helper()
	l := in.logins[user]
	noRedirect := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(in.url+"/login", url.Values{"login": {l.user}, "password": {l.password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == identityhttp.CookieName && c.Value != "" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("sign-in as %s on %s: %d, no session", user, in.name, resp.StatusCode)
	}
	fetch := func(path string) []byte {
		req, _ := http.NewRequest("GET", in.url+path, nil)
		req.AddCookie(session)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s on %s: %d", path, in.name, resp.StatusCode)
		}
		return data
	}
	link := fileLink.Find(fetch(fmt.Sprintf("/office/documents/%d", id)))
	if link == nil {
		t.Fatalf("document %d's page on %s links no file", id, in.name)
	}
	return fetch(strings.ReplaceAll(string(link), "&amp;", "&"))
}
