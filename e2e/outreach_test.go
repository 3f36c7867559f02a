package e2e

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// smsbox stands in for Kannel's smsbox on loopback: it accepts every
// sendsms request as Kannel does ("0: Accepted for delivery") and keeps
// the dlr-url of each message, so a test can answer with delivery reports
// as the bearerbox would.
type smsbox struct {
	*httptest.Server
	mu   sync.Mutex
	sent []smsSent
}

type smsSent struct{ To, Text, DLR string }

// e2eKannelToken is the --sms-kannel-token of the instance under test.
const e2eKannelToken = "e2e-kannel-dlr-token"

func startSMSBox() *smsbox {
	b := &smsbox{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cgi-bin/sendsms" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		b.mu.Lock()
		b.sent = append(b.sent, smsSent{To: q.Get("to"), Text: q.Get("text"), DLR: q.Get("dlr-url")})
		b.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("0: Accepted for delivery"))
	}))
	return b
}

// messages returns the messages the gateway has received whose text
// contains part.
func (b *smsbox) messages(part string) []smsSent {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []smsSent
	for _, m := range b.sent {
		if strings.Contains(m.Text, part) {
			out = append(out, m)
		}
	}
	return out
}

// report calls a message's dlr-url with Kannel's escapes filled in: %d
// the DLR status (1 delivered), %i the SMSC, %F its message id, %T the
// time, %A its answer.
func report(t *testing.T, m smsSent, status, fid string) {
	t.Helper()
	if m.DLR == "" {
		t.Fatalf("the message to %s carries no dlr-url", m.To)
	}
	u := strings.NewReplacer("%d", status, "%i", "e2e-smsc", "%F", fid, "%T", strconv.FormatInt(clock.Now().Unix(), 10), "%A", "ACK").Replace(m.DLR)
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("delivery report %s: HTTP %d", u, resp.StatusCode)
	}
}

// The commune's outreach officer writes a bulletin in Vietnamese,
// previews it (UCS-2 with diacritics, its parts; GSM-7 without) and
// submits it; the commune leader approves it; the officer sends it; the
// bulletin's page lists the deliveries; the SMS gateway (a loopback
// smsbox the test serves, configured with --sms-kannel-url and
// --sms-kannel-token) receives the messages and answers with delivery
// reports on /outreach/kannel/dlr, and the page shows them delivered.
// Each page passes axe-core.
func TestOutreachOfficerSendsABulletinDelivered(t *testing.T) {
	ctx := tab(t)
	vietnamese(t, ctx)
	t.Cleanup(func() { logout(ctx) })
	const officer, leader = "demo.commune_outreach_officer", "demo.commune_leader"
	const title = "Thông báo lịch cắt điện thôn Na Hối"
	const body = "UBND xã thông báo: ngày 20/12/2026 từ 7h00 đến 11h00 cắt điện để sửa đường dây. Đề nghị bà con chủ động."

	as(t, ctx, officer)
	// The commune: the demo bulletin's. The officer reaches the bulletins from the office page.
	do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS("h1")))
	submit(t, ctx, `a[href="/outreach"]`)
	checkAccessibility(t, ctx)
	submit(t, ctx, `table a[href^="/outreach/bulletins/"]`)
	commune := strings.TrimSpace(strings.Split(text(t, ctx, "#b_communes"), ",")[0])
	if !regexp.MustCompile(`^\d{5}$`).MatchString(commune) {
		t.Fatalf("the demo bulletin's commune: %q", commune)
	}

	// The draft and its preview.
	do(t, ctx, chromedp.Navigate(baseURL+"/outreach"), chromedp.WaitVisible(chromedp.CSS("#title")))
	fill(t, ctx, "#title", title)
	fill(t, ctx, "#body", body)
	fill(t, ctx, "#communes", commune)
	submit(t, ctx, `button[name="action"][value="preview"]`)
	pv := text(t, ctx, "section[aria-labelledby=pv] table")
	if !strings.Contains(pv, "UCS2") || !strings.Contains(pv, "GSM7") {
		t.Fatalf("the preview shows no encodings: %q", pv)
	}
	if segs := text(t, ctx, "section[aria-labelledby=pv] tbody tr:first-child td:nth-of-type(2)"); segs != "2" {
		t.Fatalf("the preview's UCS-2 parts: %q, want 2 (%d characters)", segs, len([]rune(body)))
	}
	if v := attr(t, ctx, "#title", "value"); v != title {
		t.Fatalf("the preview lost the title: %q", v)
	}
	checkAccessibility(t, ctx)
	submit(t, ctx, `button[name="action"][value="save"]`)
	page := location(t, ctx)
	if !strings.HasPrefix(page, "/outreach/bulletins/") || text(t, ctx, "h1") != title {
		t.Fatalf("after saving: %s, %q", page, text(t, ctx, "h1"))
	}
	status := func(want string) {
		t.Helper()
		if got := text(t, ctx, "#b_status"); !strings.Contains(got, want) {
			t.Fatalf("status %q, want %q", got, want)
		}
	}
	status("Dự thảo")
	checkAccessibility(t, ctx)
	submit(t, ctx, `form[action$="/submit"] button`)
	status("Chờ duyệt")

	// The leader approves.
	as(t, ctx, leader)
	do(t, ctx, chromedp.Navigate(baseURL+page), chromedp.WaitVisible(chromedp.CSS("#b_status")))
	checkAccessibility(t, ctx)
	submit(t, ctx, `form[action$="/approve"] button`)
	status("Đã duyệt")

	// The officer sends it; the deliveries are listed.
	as(t, ctx, officer)
	do(t, ctx, chromedp.Navigate(baseURL+page), chromedp.WaitVisible(chromedp.CSS("#b_status")))
	submit(t, ctx, `form[action$="/send"] button`)
	if rows := text(t, ctx, "#deliveries_rows"); !strings.Contains(rows, "Tin nhắn SMS") {
		t.Fatalf("no SMS deliveries listed: %q", rows)
	}
	checkAccessibility(t, ctx)

	// The gateway receives the messages and reports them delivered.
	var msgs []smsSent
	for i := 0; ; i++ { // 30 s
		if msgs = smsbox1.messages("cat dien"); len(msgs) == 0 {
			msgs = smsbox1.messages("cắt điện")
		}
		if len(msgs) >= 3 || i == 150 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(msgs) < 3 {
		t.Fatalf("the SMS gateway received %d messages, want 3 (one per demo resident)", len(msgs))
	}
	for i, m := range msgs {
		report(t, m, "1", "e2e-"+strconv.Itoa(i))
	}
	for i := 0; ; i++ { // about 10 s
		do(t, ctx, chromedp.Navigate(baseURL+page), chromedp.WaitVisible(chromedp.CSS("#deliveries_rows")))
		rows := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#deliveries_rows tr[data-channel=sms]')].map(r => r.cells[3].textContent)`))
		n := 0
		for _, st := range rows {
			if st == "Đã đến máy" {
				n++
			}
		}
		if n >= 3 {
			break
		}
		if i == 30 {
			t.Fatalf("the SMS deliveries after the reports: %v", rows)
		}
		time.Sleep(300 * time.Millisecond)
	}
	checkAccessibility(t, ctx)

	// The commune's recipients and the figures, which count the deliveries.
	do(t, ctx, chromedp.Navigate(baseURL+"/outreach/residents"), chromedp.WaitVisible(chromedp.CSS("#phone")))
	checkAccessibility(t, ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/outreach/stats"), chromedp.WaitVisible(chromedp.CSS("table")))
	if figures := text(t, ctx, "table tbody"); !strings.Contains(figures, "Tin nhắn SMS") {
		t.Fatalf("the figures count no SMS: %q", figures)
	}
	checkAccessibility(t, ctx)
}
