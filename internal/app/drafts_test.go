package app

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
)

// The outgoing flow through the pages on the demo, both engines: the
// deputy chair drafts on /office/drafts/new (the chair offered as
// signer), submits; the chair finds it waiting and signs; the clerk finds
// it waiting for release and issues it: the document page shows its
// number. Wrong roles are refused, the office links the pages.
func TestDraftPagesOnTheDemo(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			leader := newBrowser(t, srv).signIn("demo.leader", pw)
			specialist := newBrowser(t, srv).signIn("demo.specialist", pw)
			// The deputy chair drafts for the committee; the chair signs;
			// the provincial office's clerk keeps the committee's register.
			deputy := newBrowser(t, srv).signIn("demo.deputy_leader", pw)
			lead := demoActor(t, a, "demo.leader")

			if code, body := specialist.get("/office"); code != 200 || !strings.Contains(body, `href="/office/drafts"`) {
				t.Errorf("office page without the drafts link: %d", code)
			}
			code, body := deputy.get("/office/drafts/new")
			if code != 200 || !strings.Contains(body, `<option value="`+strconv.FormatInt(lead.AccountID, 10)+`"`) {
				t.Fatalf("new draft form: %d, the leader %+v is not offered as signer:\n%s", code, lead, body[strings.Index(body, "id=\"signer\""):][:1500])
			}
			fields := map[string]string{"type": "QĐ", "summary": "Về việc ban hành Quy chế làm việc", "urgency": "thuong", "classification": "noi_bo",
				"signer": strconv.FormatInt(lead.AccountID, 10), "authority": "TM.", "position": "CHỦ TỊCH", "free": "Như trên;\nLưu: VT."}
			bad := map[string]string{}
			for k, v := range fields {
				bad[k] = v
			}
			bad["summary"] = ""
			if code, _, out := deputy.upload("/office/drafts/new", bad, map[string][]byte{"file": pdftest.New(pdftest.Options{})}); code != 400 ||
				!strings.Contains(string(out), `aria-invalid="true"`) {
				t.Errorf("empty summary: %d", code)
			}
			code, h, _ := deputy.upload("/office/drafts/new", fields, map[string][]byte{"file": pdftest.New(pdftest.Options{})})
			if code != 303 {
				t.Fatalf("create: %d", code)
			}
			m := regexp.MustCompile(`^/office/drafts/(\d+)`).FindStringSubmatch(h.Get("Location"))
			if m == nil {
				t.Fatalf("create redirects to %q", h.Get("Location"))
			}
			page := "/office/drafts/" + m[1]
			if code, body := deputy.get(h.Get("Location")); code != 200 || !strings.Contains(body, "Đã tạo dự thảo") || !strings.Contains(body, `action="`+page+`/submit"`) {
				t.Fatalf("draft page: %d\n%.2000s", code, body)
			}
			if code, _, _ := clerk.post(page+"/issue", url.Values{}); code != 409 {
				t.Errorf("issue before signing: %d", code)
			}
			if code, _, _ := deputy.post(page+"/submit", url.Values{"comment": {"Kính trình"}}); code != 303 {
				t.Fatalf("submit: %d", code)
			}
			if code, body := leader.get("/office/drafts"); code != 200 || !strings.Contains(body, `href="`+page+`"`) {
				t.Errorf("the leader's worklist misses the draft: %d", code)
			}
			// The specialist works at another agency: the draft does not exist for them.
			if code, _, _ := specialist.post(page+"/sign", url.Values{}); code != 404 {
				t.Errorf("a specialist of another agency signs: %d", code)
			}
			if code, _ := specialist.get(page); code != 404 {
				t.Errorf("a specialist of another agency opens the draft: %d", code)
			}
			if code, _, body := leader.post(page+"/sign", url.Values{}); code != 303 {
				t.Fatalf("sign: %d %.2000s", code, body)
			}
			if code, body := clerk.get("/office/drafts"); code != 200 || !strings.Contains(body, `href="`+page+`"`) {
				t.Errorf("the clerk's worklist misses the signed draft: %d", code)
			}
			code, h, body = clerk.post(page+"/issue", url.Values{})
			if code != 303 {
				t.Fatalf("issue: %d %.2000s", code, body)
			}
			code, body = clerk.get(h.Get("Location"))
			if code != 200 || !regexp.MustCompile(`\d{2,}/QĐ-`).MatchString(body) {
				t.Errorf("the issued document's page shows no number: %d\n%.3000s", code, body)
			}
			if code, _, _ := deputy.upload("/office/drafts/version", map[string]string{"id": m[1]}, map[string][]byte{"file": pdftest.New(pdftest.Options{})}); code != 409 {
				t.Errorf("a version after issue: %d", code)
			}
			if code, _ := clerk.get("/office/inbox"); code != 200 {
				t.Errorf("clerk's inbox: %d", code)
			}
			if code, _ := specialist.get("/office/inbox"); code != 403 {
				t.Errorf("a specialist's inbox: %d", code)
			}
		})
	}
}
