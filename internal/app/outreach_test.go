package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

func (b *browser) postJSON(path, body string) (int, string) {
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	code, _, out := b.do(req)
	return code, string(out)
}

// The demo's commune outreach officer finds the approved demo bulletin,
// sees its reach and cost, sends it, and the commune's public page and feed
// show it; the leader of another commune cannot read it; the preview
// answers the shape; a subscription with a foreign number is
// refused with its field.
func TestOutreachDemoOnTheRunningProgram(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			officer := newBrowser(t, srv).signIn("demo.commune_outreach_officer", pw)
			provinceClerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			var id int64
			var commune string
			if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT b.id, c.commune_code FROM outreach_bulletins b JOIN outreach_bulletin_communes c ON c.bulletin_id = b.id WHERE b.status = 'approved'").Scan(&id, &commune); err != nil {
				t.Fatalf("no approved demo bulletin: %v", err)
			}
			code, body := officer.get(fmt.Sprintf("/api/v1/bulletins/%d", id))
			var got struct {
				Reach struct {
					Residents int    `json:"residents"`
					Encoding  string `json:"encoding"`
				} `json:"reach"`
			}
			if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Reach.Residents != 3 || got.Reach.Encoding != "GSM7" {
				t.Fatalf("getBulletin: %d %s", code, body)
			}
			if code, body := provinceClerk.get(fmt.Sprintf("/api/v1/bulletins/%d", id)); code != 403 {
				t.Fatalf("another agency's clerk reads the bulletin: %d %s", code, body)
			}
			if code, body := officer.postJSON(fmt.Sprintf("/api/v1/bulletins/%d/send", id), ""); code != 200 || !strings.Contains(body, `"status":"sending"`) {
				t.Fatalf("sendBulletin: %d %s", code, body)
			}
			code, body = newBrowser(t, srv).get("/communes/" + commune + "/bulletins")
			if code != 200 || !strings.Contains(body, "Lịch tiêm chủng mở rộng tháng 12") || strings.Contains(body, "<script") {
				t.Fatalf("public page: %d %s", code, body)
			}
			if code, body := newBrowser(t, srv).get("/communes/" + commune + "/bulletins.atom"); code != 200 || !strings.Contains(body, "http://www.w3.org/2005/Atom") {
				t.Fatalf("feed: %d %s", code, body)
			}
			// The officers' pages, without script.
			if code, body := officer.get("/outreach"); code != 200 || !strings.Contains(body, "Lịch tiêm chủng mở rộng tháng 12") || !strings.Contains(body, `<label for="body">`) || strings.Contains(body, "<script") {
				t.Fatalf("/outreach: %d %s", code, body)
			}
			code, _, body = officer.post("/outreach", url.Values{"action": {"preview"}, "title": {"Họp thôn"}, "body": {"Họp thôn lúc 19h30 tối nay"}, "communes": {commune}})
			if code != 200 || !strings.Contains(body, "UCS2") || !strings.Contains(body, "Hop thon luc 19h30 toi nay") {
				t.Fatalf("preview button: %d %s", code, body)
			}
			code, h, _ := officer.post("/outreach", url.Values{"action": {"save"}, "title": {"Họp thôn"}, "body": {"Họp thôn lúc 19h30 tối nay"}, "communes": {commune},
				"tr_lang": {"hmn"}, "tr_body": {"Sib tham hmo no"}})
			if code != 303 || !strings.HasPrefix(h.Get("Location"), "/outreach/bulletins/") {
				t.Fatalf("save: %d %v", code, h)
			}
			if code, body := officer.get(h.Get("Location")); code != 200 || !strings.Contains(body, "Dự thảo") || !strings.Contains(body, "3 người nhận") ||
				!strings.Contains(body, `/submit"`) || strings.Contains(body, `/approve"`) || strings.Contains(body, `/send"`) {
				t.Fatalf("the draft's page: %d %s", code, body)
			}
			loc := h.Get("Location")
			var translated int
			if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM outreach_translations WHERE lang = 'hmn' AND body = 'Sib tham hmo no'").Scan(&translated); err != nil || translated != 1 {
				t.Fatalf("the form's translation was not kept: %d %v", translated, err)
			}
			if code, _, body := officer.upload(loc+"/audio", map[string]string{"lang": "hmn"}, map[string][]byte{"file": []byte("%PDF-1.7 không phải âm thanh")}); code != 400 || !strings.Contains(string(body), "không phải âm thanh") {
				t.Fatalf("a PDF as audio: %d %s", code, body)
			}
			if code, _, body := officer.upload(loc+"/audio", map[string]string{"lang": "hmn"}, map[string][]byte{"file": append([]byte("OggS"), make([]byte, 200)...)}); code != 303 {
				t.Fatalf("an Ogg recording: %d %s", code, body)
			}
			if code, body := officer.get(loc); code != 200 || !strings.Contains(body, "audio?lang=hmn") {
				t.Fatalf("the recording is not listed: %d", code)
			}
			if code, body := officer.get("/outreach/residents"); code != 200 || !strings.Contains(body, "<td>0399990002</td><td>Tiếng Hmông</td>") {
				t.Fatalf("residents: %d %s", code, body)
			}
			// A refused number is shown beside its field, the form kept, on the site's layout.
			code, _, body = officer.post("/outreach/residents", url.Values{"phone": {"+1 202 555 0100"}, "village": {"Bản Pho"}, "purpose": {"Nhận bản tin"}})
			if code != 400 || !strings.Contains(body, `id="phone_error"`) || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `value="Bản Pho"`) || !strings.Contains(body, `class="skip"`) {
				t.Fatalf("a foreign number on the residents page: %d %s", code, body)
			}
			code, _, body = officer.post("/outreach?lang=en", url.Values{"action": {"save"}, "title": {"Họp thôn"}, "body": {"Họp thôn"}, "communes": {"99999"}})
			if code != 400 || !strings.Contains(body, `id="communes_error"`) || !strings.Contains(body, "Write a bulletin") {
				t.Fatalf("an unknown commune on the new bulletin form: %d %s", code, body)
			}
			if code, _ := newBrowser(t, srv).signIn("demo.commune_leader", pw).get("/outreach/residents"); code != 403 {
				t.Fatalf("the leader reads the residents' numbers: %d", code)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/outreach/stats?format=xlsx", nil)
			if code, h, body := officer.do(req); code != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") || len(body) < 1000 {
				t.Fatalf("stats xlsx: %d %v %d bytes", code, h, len(body))
			}
			code, body = newBrowser(t, srv).postJSON("/api/v1/bulletins/preview", `{"text":"Đề nghị bà con {họp}"}`)
			for _, want := range []string{`"sms":{"encoding":"UCS2"`, `"sms_plain":{"encoding":"GSM7"`, `"text":"De nghi ba con {hop}"`, `"spoken_text"`} {
				if code != 200 || !strings.Contains(body, want) {
					t.Fatalf("preview: %d, no %s in %s", code, want, body)
				}
			}
			code, body = newBrowser(t, srv).postJSON("/api/v1/subscriptions", `{"phone":"+1 202 555 0100","commune_code":"`+commune+`"}`)
			if code != 400 || !strings.Contains(body, `"field":"phone"`) {
				t.Fatalf("foreign number: %d %s", code, body)
			}
			// Each subscription costs an SMS: one address starts at most
			// api.SubscriptionsPerAddress in the window (the refused foreign
			// number above counted as one).
			anonymous := newBrowser(t, srv)
			for i := 1; i <= api.SubscriptionsPerAddress; i++ {
				code, body = anonymous.postJSON("/api/v1/subscriptions", fmt.Sprintf(`{"phone":"09120003%02d","commune_code":"%s"}`, i, commune))
				want := 202
				if i == api.SubscriptionsPerAddress {
					want = 429
				}
				if code != want {
					t.Fatalf("subscription %d from one address: %d %s", i+1, code, body)
				}
			}
		})
	}
}
