package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
)

// The documents flows of Decree 30/2020/NĐ-CP through the real pages, one
// person after another in the same browser, on the demo province:
//
//  1. incoming: the provincial office's clerk registers a PDF into the
//     committee's register, the chair directs it to the vice-chair as main
//     handler, who reports, completes and drafts the reply from the
//     document's page;
//  2. outgoing: the vice-chair drafts a plan for Xã Bắc Hà, the chair
//     approves and signs it, the clerk numbers, seals and releases it, and
//     the commune's clerk finds it in the commune's inbox and registers it;
//     the file she receives carries two valid signatures for pdfsig;
//  3. search: the commune's clerk finds it again on /office/search with
//     the words typed without diacritics.
//
// Each new kind of page passes axe-core. The steps depend on each other,
// so they are subtests of one test and stop at the first failure.
func TestDocumentsFlowsThroughThePages(t *testing.T) {
	ctx := tab(t)
	vietnamese(t, ctx)
	t.Cleanup(func() { logout(ctx) })
	dir := t.TempDir()

	var incoming string // the registered incoming document's page
	var symbol = "917/SNV-CCVC"
	ok := t.Run("incoming registered, directed, handled and replied", func(t *testing.T) {
		// The clerk registers a scanned request into the committee's register.
		as(t, ctx, "demo.clerk")
		do(t, ctx, chromedp.Navigate(baseURL+"/office/documents/new"), chromedp.WaitVisible(chromedp.CSS("#symbol")))
		checkAccessibility(t, ctx)
		pdf := filepath.Join(dir, "cong-van-den.pdf")
		if err := os.WriteFile(pdf, pdftest.New(pdftest.Options{Pages: 1}), 0o644); err != nil {
			t.Fatal(err)
		}
		choose(t, ctx, "#agency", "Ủy ban nhân dân tỉnh Lào Cai")
		fill(t, ctx, "#symbol", symbol)
		fill(t, ctx, "#sender", "Sở Nội vụ tỉnh Lào Cai")
		fill(t, ctx, "#summary", "Về việc rà soát vị trí việc làm công chức cấp xã")
		chooseValue(t, ctx, "#type", "CV")
		do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{pdf}))
		submit(t, ctx, `form[action="/office/documents/new"] button[type="submit"]`)
		incoming = location(t, ctx)
		if !regexp.MustCompile(`^/office/documents/\d+\?ok=registered$`).MatchString(incoming) {
			t.Fatalf("registration led to %s:\n%s", incoming, text(t, ctx, "main"))
		}
		incoming = strings.TrimSuffix(incoming, "?ok=registered")
		page := text(t, ctx, "main")
		for _, want := range []string{symbol, "Ủy ban nhân dân tỉnh Lào Cai", "Sở Nội vụ tỉnh Lào Cai", "cong-van-den.pdf"} {
			if !strings.Contains(page, want) {
				t.Errorf("the registered document's page misses %q:\n%s", want, page)
			}
		}
		checkAccessibility(t, ctx)

		// The chair directs it to the vice-chair.
		as(t, ctx, "demo.leader")
		do(t, ctx, chromedp.Navigate(baseURL+incoming), chromedp.WaitVisible(chromedp.CSS("h1")))
		submit(t, ctx, `a[href="`+incoming+`/direct"]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#main_handler")))
		checkAccessibility(t, ctx)
		choose(t, ctx, "#main_handler", "Giàng Thị Dung")
		fill(t, ctx, "#deadline_days", "5")
		fill(t, ctx, "#comment", "Giao đồng chí Phó Chủ tịch chủ trì, báo cáo kết quả rà soát.")
		submit(t, ctx, `form[action="`+incoming+`/direct"] button[type="submit"]`)
		task := location(t, ctx)
		if !regexp.MustCompile(`^/office/tasks/\d+\?ok=created$`).MatchString(task) {
			t.Fatalf("the direction led to %s:\n%s", task, text(t, ctx, "main"))
		}
		task = strings.TrimSuffix(task, "?ok=created")
		if page := text(t, ctx, "main"); !strings.Contains(page, "Giàng Thị Dung") {
			t.Fatalf("the direction's page does not name the main handler:\n%s", page)
		}

		// The vice-chair finds the task, reports, then completes it.
		as(t, ctx, "demo.deputy_leader")
		do(t, ctx, chromedp.Navigate(baseURL+"/office/tasks"), chromedp.WaitVisible(chromedp.CSS("h1")))
		checkAccessibility(t, ctx)
		submit(t, ctx, `main a[href="`+task+`"]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#content")))
		checkAccessibility(t, ctx)
		fill(t, ctx, "#progress", "50")
		fill(t, ctx, "#content", "Đã rà soát 12 xã, còn 3 xã đang tổng hợp.")
		submit(t, ctx, `form[action="`+task+`/reports"] button[type="submit"]`)
		if page := text(t, ctx, "main"); !strings.Contains(page, "Đã rà soát 12 xã") {
			t.Fatalf("the report is not on the task's timeline:\n%s", page)
		}
		fill(t, ctx, "#progress", "100")
		fill(t, ctx, "#content", "Đã hoàn thành rà soát, dự thảo văn bản trả lời.")
		do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="complete"]`)))
		submit(t, ctx, `form[action="`+task+`/reports"] button[type="submit"]`)
		if page := text(t, ctx, "main"); !strings.Contains(page, "100%") || !strings.Contains(page, "Đã hoàn thành rà soát") {
			t.Fatalf("the completed task's page:\n%s", page)
		}

		// The document's timeline shows the direction; the vice-chair
		// drafts the reply from its page.
		do(t, ctx, chromedp.Navigate(baseURL+incoming), chromedp.WaitVisible(chromedp.CSS("h1")))
		if page := text(t, ctx, "main"); !strings.Contains(page, "Giàng Thị Dung") {
			t.Errorf("the document's timeline does not show its handling:\n%s", page)
		}
		submit(t, ctx, `a[href^="/office/drafts/new?replies_to="]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#summary")))
		checkAccessibility(t, ctx)
		if rel := text(t, ctx, "#related"); !strings.Contains(rel, symbol) {
			t.Fatalf("the reply form does not name the document it answers: %q", rel)
		}
		draft := writeDraft(t, ctx, dir, "BC", "Báo cáo kết quả rà soát vị trí việc làm công chức cấp xã", "")
		if page := text(t, ctx, "main"); !strings.Contains(page, "Trả lời văn bản") || !strings.Contains(page, symbol) {
			t.Fatalf("the reply draft %s does not show what it answers:\n%s", draft, page)
		}
		checkAccessibility(t, ctx)
	})
	if !ok {
		return
	}

	var received string // the commune's incoming document
	summary := "Kế hoạch kiểm tra công tác cải cách hành chính tại thôn Nậm Mòn"
	ok = t.Run("outgoing drafted, approved, signed, issued and registered by the commune", func(t *testing.T) {
		as(t, ctx, "demo.deputy_leader")
		do(t, ctx, chromedp.Navigate(baseURL+"/office/drafts"), chromedp.WaitVisible(chromedp.CSS("h1")))
		checkAccessibility(t, ctx)
		submit(t, ctx, `a[href="/office/drafts/new"]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#summary")))
		draft := writeDraft(t, ctx, dir, "KH", summary, "DEMO.H15.02839")
		fill(t, ctx, "#submit-comment", "Kính trình đồng chí Chủ tịch.")
		submit(t, ctx, `form[action="`+draft+`/submit"] button[type="submit"]`)

		// The chair finds it waiting, approves and signs.
		as(t, ctx, "demo.leader")
		do(t, ctx, chromedp.Navigate(baseURL+"/office/drafts"), chromedp.WaitVisible(chromedp.CSS("h1")))
		submit(t, ctx, `main a[href="`+draft+`"]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#approve-comment")))
		checkAccessibility(t, ctx)
		fill(t, ctx, "#approve-comment", "Đồng ý ban hành.")
		submit(t, ctx, `form[action="`+draft+`/approve"] button[type="submit"]`)
		submit(t, ctx, `form[action="`+draft+`/sign"] button[type="submit"]`)
		if loc := location(t, ctx); !strings.HasPrefix(loc, draft+"?ok=sign") {
			t.Fatalf("signing led to %s:\n%s", loc, text(t, ctx, "main"))
		}

		// The clerk numbers, seals and releases it.
		as(t, ctx, "demo.clerk")
		do(t, ctx, chromedp.Navigate(baseURL+"/office/drafts"), chromedp.WaitVisible(chromedp.CSS("h1")))
		submit(t, ctx, `main a[href="`+draft+`"]`)
		submit(t, ctx, `form[action="`+draft+`/issue"] button[type="submit"]`)
		issued := text(t, ctx, "h1")
		m := regexp.MustCompile(`\b(\d{2,})/KH-UBND\b`).FindString(issued)
		if m == "" {
			t.Fatalf("the issued document has no number: %q\n%s", issued, text(t, ctx, "main"))
		}
		checkAccessibility(t, ctx)

		// The commune's clerk finds it in the inbox and registers it.
		as(t, ctx, "demo.commune_clerk")
		do(t, ctx, chromedp.Navigate(baseURL+"/office/inbox"), chromedp.WaitVisible(chromedp.CSS("table")))
		checkAccessibility(t, ctx)
		row := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const r = [...document.querySelectorAll('main tbody tr')].find(tr => tr.textContent.includes(%q)); return r ? r.querySelector('form[action$="/register"]').getAttribute('action') : ''; })()`, m)))
		if row == "" {
			t.Fatalf("%s is not in the commune's inbox:\n%s", m, text(t, ctx, "main"))
		}
		submit(t, ctx, `form[action="`+row+`"] button[type="submit"]`)
		received = location(t, ctx)
		if !regexp.MustCompile(`^/office/documents/\d+\?ok=registered$`).MatchString(received) {
			t.Fatalf("registering from the inbox led to %s:\n%s", received, text(t, ctx, "main"))
		}
		received = strings.TrimSuffix(received, "?ok=registered")
		// The platform validated the signatures on registration and keeps
		// the report with the document.
		if page := text(t, ctx, "main"); !strings.Contains(page, "Ủy ban nhân dân tỉnh Lào Cai") || !strings.Contains(page, summary) ||
			!strings.Contains(page, "TOTAL-PASSED") {
			t.Fatalf("the commune's document page:\n%s", page)
		}
		checkAccessibility(t, ctx)

		// The file the commune received: the chair's signature and the
		// committee's seal, both valid for pdfsig.
		file := attr(t, ctx, `main a[href*="/files/"]`, "href")
		signed := fetchBytes(t, ctx, file)
		root := filepath.Join(dir, "root.pem")
		if err := os.WriteFile(root, fetchBytes(t, ctx, "/pki/ca/root.pem"), 0o644); err != nil {
			t.Fatal(err)
		}
		pdfsigntest.Check(t, signed, root, 2, false)
	})
	if !ok {
		return
	}

	t.Run("search without diacritics finds the registered document", func(t *testing.T) {
		as(t, ctx, "demo.commune_clerk")
		do(t, ctx, chromedp.Navigate(baseURL+"/office"), chromedp.WaitVisible(chromedp.CSS(`a[href="/office/search"]`)))
		submit(t, ctx, `a[href="/office/search"]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#q")))
		checkAccessibility(t, ctx)
		fill(t, ctx, "#q", "kiem tra cai cach nam mon")
		submit(t, ctx, `form[action="/office/search"] button[type="submit"]`)
		hit := get(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector('main a[href=%q]')`, received)))
		if !hit {
			t.Fatalf("the search does not find %s:\n%s", received, text(t, ctx, "main"))
		}
		if marks := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main mark')].map(m => m.textContent).join('|')`)); !strings.Contains(marks, "Nậm") {
			t.Errorf("the matched words are not marked in their Vietnamese form: %q", marks)
		}
		checkAccessibility(t, ctx)
	})
}

// writeDraft fills the drafting form on the current page (type, summary,
// the chair as signer for the committee, recipients by electronic code, a
// PDF) and submits it; it returns the draft's page.
func writeDraft(t *testing.T, ctx context.Context, dir, typ, summary, recipients string) string {
	t.Helper()
	pdf := filepath.Join(dir, "du-thao-"+typ+".pdf")
	if err := os.WriteFile(pdf, pdftest.New(pdftest.Options{Pages: 1}), 0o644); err != nil {
		t.Fatal(err)
	}
	chooseValue(t, ctx, "#type", typ)
	fill(t, ctx, "#summary", summary)
	choose(t, ctx, "#signer", "Hoàng Quốc Khánh")
	chooseValue(t, ctx, "#authority", "TM.")
	fill(t, ctx, "#position", "CHỦ TỊCH")
	if recipients != "" {
		fill(t, ctx, "#recipients", recipients)
	}
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{pdf}))
	submit(t, ctx, `form[action="/office/drafts/new"] button[type="submit"]`)
	loc := location(t, ctx)
	m := regexp.MustCompile(`^(/office/drafts/\d+)\?ok=created$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("the draft form led to %s:\n%s", loc, text(t, ctx, "main"))
	}
	return m[1]
}

// as signs out whoever the browser holds and signs in a demo login.
func as(t *testing.T, ctx context.Context, login string) {
	t.Helper()
	logout(ctx)
	signIn(t, ctx, login, demoPasswordOf(t, login))
}

func logout(ctx context.Context) {
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch('/logout', {method: 'POST'}).then(() => true)`, chromedp.EvalAwaitPromise))
}

// demoPasswordOf is the password printed for a demo login.
func demoPasswordOf(t *testing.T, login string) string {
	t.Helper()
	for _, l := range demo {
		if l.Username == login {
			return l.Password
		}
	}
	t.Fatalf("no demo login %s among %d", login, len(demo))
	return ""
}

// fill types into a field as a person would, after clearing it.
func fill(t *testing.T, ctx context.Context, css, value string) {
	t.Helper()
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(css)))
	get(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { document.querySelector(%q).value = ''; return true; })()`, css)))
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(css), value))
}

// choose selects the option of a select whose text is label, or starts
// with it, and returns its value.
func choose(t *testing.T, ctx context.Context, css, label string) string {
	t.Helper()
	v := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const s = document.querySelector(%q); if (!s) return '';
		const os = [...s.options];
		const o = os.find(o => o.textContent.trim() === %q) || os.find(o => o.textContent.trim().startsWith(%q));
		if (!o) return '';
		o.selected = true; s.dispatchEvent(new Event('change', {bubbles: true})); return o.value; })()`, css, label, label)))
	if v == "" {
		opts := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`[...(document.querySelector(%q) || {options: []}).options].map(o => o.textContent.trim()).join(' | ')`, css)))
		t.Fatalf("%s offers no %q: %s", css, label, opts)
	}
	return v
}

// chooseValue selects the option of a select with a value.
func chooseValue(t *testing.T, ctx context.Context, css, value string) {
	t.Helper()
	if !get(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.querySelector(%q);
		const o = s && [...s.options].find(o => o.value === %q); if (!o) return false; o.selected = true; return true; })()`, css, value))) {
		t.Fatalf("%s has no option %q", css, value)
	}
}

// submit clicks a button or link and waits until the next page has
// loaded (the old document's marker is gone).
func submit(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(css)))
	get(t, ctx, chromedp.Evaluate[bool](`window.__cqOld = true`))
	do(t, ctx, chromedp.Click(chromedp.CSS(css)))
	for i := 0; ; i++ {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__cqOld !== true && document.readyState === 'complete'`))
		if err == nil && done {
			break
		}
		if i == 600 { // 30 s
			t.Fatalf("clicking %s led to no new page", css)
		}
		time.Sleep(50 * time.Millisecond)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
}

// fetchBytes reads a URL with the browser's session.
func fetchBytes(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	b64 := get(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.arrayBuffer(); }).then(b => {
		const u = new Uint8Array(b); let s = '';
		for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
		return btoa(s); })`, path), chromedp.EvalAwaitPromise))
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
