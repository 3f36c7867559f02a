package e2e

import (
	"bytes"
	"context"
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

// The citizen's online submission through the portal's pages on the demo:
// the form of the birth registration (1.001193) opened before signing in
// offers the sign-in, which comes back to it; the citizen fills the form
// (a date dd/mm/yyyy, selects, a CCCD, a phone, an address from the
// commune list), attaches the two mandatory documents, reviews what will be
// sent and submits; the dossier's page gives its code, and the public
// tracking page shows its status without personal data. Then the dossier
// goes the whole way (Decree 118/2025): the commune's one-stop officer
// accepts it and hands it on, the commune's civil-status officer examines
// it, the commune's chair approves with the result, which is sealed by
// the agency, the one-stop officer returns it, and the citizen downloads
// the result whose seal pdfsig accepts. Each page passes axe-core.
func TestCitizenSubmitsADossierOnline(t *testing.T) {
	ctx := tab(t)
	vietnamese(t, ctx)
	logout(ctx)
	t.Cleanup(func() { logout(ctx) })
	user, password := demoLogin(t, "citizen")
	dir := t.TempDir()
	const form = "/portal/dossiers/new?procedure=1.001193"

	// Anonymous: the form and a sign-in link that returns to it.
	do(t, ctx, chromedp.Navigate(baseURL+form), chromedp.WaitVisible(chromedp.CSS("#f_ho_ten_tre")))
	checkAccessibility(t, ctx)
	submit(t, ctx, `a[href^="/login?next="]`)
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f_ho_ten_tre")),
	)
	if loc := location(t, ctx); loc != form {
		t.Fatalf("after signing in the citizen is at %s, want %s", loc, form)
	}

	// The form, filled as a person would.
	fill(t, ctx, "#f_ho_ten_tre", "Nguyễn Văn Bình")
	fill(t, ctx, "#f_ngay_sinh", "02/12/2026")
	choose(t, ctx, "#f_gioi_tinh", "Nam")
	fill(t, ctx, "#f_noi_sinh", "Trạm y tế xã Bắc Hà")
	fill(t, ctx, "#f_dan_toc", "Kinh")
	fill(t, ctx, "#f_ho_ten_me", "Nguyễn Thị Dân")
	choose(t, ctx, "#f_quan_he", "Mẹ")
	fill(t, ctx, "#f_ho_ten_nguoi_khai", "Nguyễn Thị Dân")
	fill(t, ctx, "#f_cccd_nguoi_khai", "001090012345")
	fill(t, ctx, "#f_dien_thoai", "0912 345 678")
	choose(t, ctx, "#f_dia_chi_commune", "Xã Bắc Hà")
	fill(t, ctx, "#f_dia_chi_street", "Số 5 đường Hoàng Liên")
	var files []string
	for _, name := range []string{"to-khai.pdf", "giay-chung-sinh.pdf"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pdftest.New(pdftest.Options{Pages: 1}), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file_to_khai"), files[:1]),
		chromedp.SetUploadFiles(chromedp.CSS("#file_giay_chung_sinh"), files[1:]))
	submit(t, ctx, `form[action^="/portal/dossiers/new"] button[type="submit"]`)

	// The review: what will be sent, cleaned (the phone without spaces).
	page := text(t, ctx, "main")
	for _, want := range []string{"Xem lại hồ sơ trước khi nộp", "Nguyễn Văn Bình", "02/12/2026", "0912345678", "Số 5 đường Hoàng Liên, Xã Bắc Hà", "to-khai.pdf", "giay-chung-sinh.pdf"} {
		if !strings.Contains(page, want) {
			t.Errorf("the review misses %q:\n%s", want, page)
		}
	}
	checkAccessibility(t, ctx)
	submit(t, ctx, `button[name="confirm"]`)

	// The dossier's page: its code (agency code-YYMMDD-sequence), status 1.
	loc := location(t, ctx)
	m := regexp.MustCompile(`^/portal/dossiers/([A-Z0-9.]+-\d{6}-\d{4,})\?ok=submitted$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("submitting led to %s:\n%s", loc, text(t, ctx, "main"))
	}
	code := m[1]
	page = text(t, ctx, "main")
	for _, want := range []string{code, "Mới đăng ký", "Thủ tục đăng ký khai sinh", "Đã nộp hồ sơ"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dossier's page misses %q:\n%s", want, page)
		}
	}
	checkAccessibility(t, ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/portal/dossiers"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if page := text(t, ctx, "main"); !strings.Contains(page, code) {
		t.Errorf("my dossiers misses %s:\n%s", code, page)
	}
	checkAccessibility(t, ctx)

	// Anyone tracks it by code: status, no personal data.
	logout(ctx)
	do(t, ctx, chromedp.Navigate(baseURL+"/portal/track"), chromedp.WaitVisible(chromedp.CSS("#code")))
	fill(t, ctx, "#code", strings.ToLower(code))
	submit(t, ctx, `form[action="/portal/track"] button[type="submit"]`)
	if loc := location(t, ctx); loc != "/portal/track/"+code {
		t.Fatalf("the tracking box led to %s", loc)
	}
	page = text(t, ctx, "main")
	if !strings.Contains(page, "Mới đăng ký") || !strings.Contains(page, "Trung tâm Phục vụ hành chính công xã Bắc Hà") {
		t.Errorf("the tracking page misses the status or agency:\n%s", page)
	}
	for _, secret := range []string{"Nguyễn Văn Bình", "Nguyễn Thị Dân", "001090012345", "0912345678", "Hoàng Liên"} {
		if strings.Contains(page, secret) {
			t.Errorf("the public tracking page shows %q", secret)
		}
	}
	checkAccessibility(t, ctx)
	journey(t, tab(t), code, dir) // a tab of its own: the tab's minute is spent
}

// journey takes an online dossier of the commune from the desk to the
// citizen's signed result through the officers' pages.
func journey(t *testing.T, ctx context.Context, code, dir string) {
	page := "/onestop/dossiers/" + code
	open := func(login string) {
		as(t, ctx, "demo."+login)
		do(t, ctx, chromedp.Navigate(baseURL+page), chromedp.WaitVisible(chromedp.CSS("h1")))
	}
	act := func(form, want string) {
		submit(t, ctx, `form[action$="`+form+`"] button[type="submit"]`)
		if got := text(t, ctx, "main"); !strings.Contains(got, want) {
			t.Fatalf("after %s the dossier's page does not say %q:\n%s", form, want, got)
		}
	}

	open("commune_onestop_officer")
	checkAccessibility(t, ctx)
	act("/accept", "Được tiếp nhận")
	act("/step", "Đang xử lý")

	open("commune_specialist")
	act("/step", "Đang xử lý")

	open("commune_leader")
	result := filepath.Join(dir, "giay-khai-sinh.pdf")
	if err := os.WriteFile(result, pdftest.New(pdftest.Options{Pages: 1}), 0o644); err != nil {
		t.Fatal(err)
	}
	if !get(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector('#dec_result')`)) {
		t.Fatalf("the chair is offered no decision:\n%s", text(t, ctx, "main"))
	}
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#dec_result"), []string{result}))
	submit(t, ctx, `form:has(#dec_result) button[type="submit"]`)
	if got := text(t, ctx, "main"); !strings.Contains(got, "Đã xử lý xong") {
		t.Fatalf("after the decision the dossier's page says:\n%s", got)
	}

	open("commune_onestop_officer")
	act("/return", "Đã trả kết quả")

	// The citizen's result, sealed by the agency (the seal's job may still
	// be running when the officer returns it).
	citizen, _ := demoLogin(t, "citizen")
	as(t, ctx, citizen)
	var sealed []byte
	for i := 0; ; i++ {
		do(t, ctx, chromedp.Navigate(baseURL+"/portal/dossiers/"+code), chromedp.WaitVisible(chromedp.CSS("h1")))
		if get(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector('main a[href$="/files/result"]')`)) {
			if sealed = fetchBytes(t, ctx, "/portal/dossiers/"+code+"/files/result"); bytes.Contains(sealed, []byte("/ByteRange")) {
				break
			}
		}
		if i == 100 {
			t.Fatalf("no sealed result on the citizen's page after 20 s (%d bytes, link %v):\n%s", len(sealed),
				get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main a')].map(a => a.getAttribute('href')).join(' ')`)), text(t, ctx, "main"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Đã trả kết quả") {
		t.Errorf("the citizen's page does not say the result was returned:\n%s", got)
	}
	checkAccessibility(t, ctx)
	root := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(root, fetchBytes(t, ctx, "/pki/ca/root.pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	pdfsigntest.Check(t, sealed, root, 1, false)
}
