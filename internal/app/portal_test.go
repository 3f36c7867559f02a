package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// The citizen's online submission through the portal's pages on the demo,
// on both engines, with the real dossier service: the form of the birth
// registration offers the demo province's communes; files and values go
// to a review step; confirming twice stores one dossier, whose applicant
// is the signed-in account (its CCCD); the public tracking page is small
// and shows no personal data.
func TestPortalSubmissionOnTheDemo(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			a, srv, logins := open(t, cheap(install(t, engine)))
			citizen := newBrowser(t, srv).signIn(identity.DemoCitizenCCCD, demoPassword(t, logins))
			const form = "/portal/dossiers/new?procedure=1.001193"
			code, body := citizen.get(form)
			if code != 200 || !strings.Contains(body, ">Xã Bắc Hà</option>") || !strings.Contains(body, "trong ngày làm việc") {
				t.Fatalf("form: %d\n%s", code, body)
			}
			key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(body)
			commune := regexp.MustCompile(`<option value="(\d{5})">Xã Bắc Hà</option>`).FindStringSubmatch(body)
			if key == nil || commune == nil {
				t.Fatal("the form has no key or no Xã Bắc Hà")
			}
			fields := map[string]string{"procedure": "1.001193", "key": key[1], "f_ho_ten_tre": "Nguyễn Văn Bình", "f_ngay_sinh": "02/12/2026",
				"f_gioi_tinh": "Nam", "f_noi_sinh": "Trạm y tế xã Bắc Hà", "f_dan_toc": "Kinh", "f_ho_ten_me": "Nguyễn Thị Dân", "f_quan_he": "Mẹ",
				"f_ho_ten_nguoi_khai": "Nguyễn Thị Dân", "f_cccd_nguoi_khai": "001090012345", "f_dien_thoai": "0912 345 678",
				"f_dia_chi_commune": commune[1], "f_dia_chi_street": "Số 5 đường Hoàng Liên"}
			code, _, raw := citizen.upload(web.NewDossierRoute, fields, map[string][]byte{"file_to_khai": blobtest.PDF(), "file_giay_chung_sinh": blobtest.PDF()})
			review := string(raw)
			if code != 200 || !strings.Contains(review, "Xem lại hồ sơ trước khi nộp") || !strings.Contains(review, "Số 5 đường Hoàng Liên, Xã Bắc Hà") {
				t.Fatalf("review: %d\n%s", code, review)
			}
			confirm := url.Values{"confirm": {"1"}}
			for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(review, -1) {
				confirm.Add(m[1], htmlUnescape(m[2]))
			}
			var where []string
			for range 2 {
				code, h, body := citizen.post(web.NewDossierRoute, confirm)
				if code != http.StatusSeeOther {
					t.Fatalf("confirm: %d\n%s", code, body)
				}
				where = append(where, h.Get("Location"))
			}
			m := regexp.MustCompile(`^/portal/dossiers/([A-Z0-9.]+-\d{6}-\d{4,})\?ok=submitted$`).FindStringSubmatch(where[0])
			if m == nil || where[1] != where[0] {
				t.Fatalf("confirmed twice: %v", where)
			}
			dcode := m[1]
			d, err := a.Dossiers.GetByCode(t.Context(), actor.SystemActor("test"), dcode)
			if err != nil {
				t.Fatal(err)
			}
			if d.Applicant.IDNumber != identity.DemoCitizenCCCD || d.Applicant.AccountID == 0 || len(d.Files) != 2 || d.Form["dien_thoai"] != "0912345678" {
				t.Fatalf("stored dossier: applicant %+v, %d files, form %v", d.Applicant, len(d.Files), d.Form)
			}
			page, err := a.Dossiers.List(t.Context(), demoActor(t, a, identity.DemoCitizenCCCD), onestop.DossierFilter{Mine: true})
			if err != nil || page.Total != 1 {
				t.Fatalf("the citizen's dossiers after a double confirm: %v %v", page, err)
			}
			if code, body := citizen.get(where[0]); code != 200 || !strings.Contains(body, dcode) || !strings.Contains(body, "Mới đăng ký") {
				t.Fatalf("dossier page: %d\n%s", code, body)
			}

			// The desk asks for a supplement; the citizen answers on the
			// dossier's page with a new file and a corrected value.
			officer := demoActor(t, a, "demo.commune_onestop_officer")
			if _, err := a.Dossiers.RequestSupplement(t.Context(), officer, d.ID, onestop.SupplementAsk{Reason: "Giấy chứng sinh chụp mờ",
				Items: []string{"Giấy chứng sinh bản chụp rõ"}}); err != nil {
				t.Fatalf("request supplement: %v", err)
			}
			if code, body := citizen.get("/portal/dossiers/" + dcode); code != 200 || !strings.Contains(body, "Giấy chứng sinh chụp mờ") ||
				!strings.Contains(body, `action="/portal/dossiers/supplement"`) {
				t.Fatalf("supplement asked: %d\n%s", code, body)
			}
			code, h, raw := citizen.upload(web.SupplementDossierRoute, map[string]string{"code": dcode, "note": "Gửi bản rõ", "f_noi_sinh": "Bệnh viện đa khoa Bắc Hà"},
				map[string][]byte{"file_giay_chung_sinh": blobtest.PDF()})
			if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?ok=supplemented") {
				t.Fatalf("supplement answer: %d\n%s", code, raw)
			}
			if d, err = a.Dossiers.GetByCode(t.Context(), actor.SystemActor("test"), dcode); err != nil {
				t.Fatal(err)
			}
			if d.Status == onestop.StatusSupplement || d.Form["noi_sinh"] != "Bệnh viện đa khoa Bắc Hà" || len(d.Files) != 3 {
				t.Fatalf("after the answer: status %d, noi_sinh %q, %d files", d.Status, d.Form["noi_sinh"], len(d.Files))
			}

			// Public tracking: gzip'd under 20 KB, no personal data.
			req, _ := http.NewRequest("GET", srv.URL+"/portal/track/"+dcode, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			wire, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(wire) >= 20<<10 || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("tracking: %d, %d bytes, encoding %q", resp.StatusCode, len(wire), resp.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(wire))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			for _, secret := range []string{"Nguyễn Văn Bình", "Nguyễn Thị Dân", identity.DemoCitizenCCCD, "0912345678", "Hoàng Liên"} {
				if bytes.Contains(plain, []byte(secret)) {
					t.Errorf("the tracking page shows %q", secret)
				}
			}
			if !bytes.Contains(plain, []byte(d.Status.Name())) {
				t.Errorf("the tracking page has no status:\n%s", plain)
			}
			if code, _, _ := get(t, srv, "/api/v1/track/"+dcode); code != 200 {
				t.Errorf("trackDossier: %d", code)
			}
			if code, _, body := get(t, srv, "/api/v1/track/H15.99-261207-0001"); code != 404 || !strings.Contains(body, "hồ sơ") {
				t.Errorf("trackDossier of an unknown code: %d %s", code, body)
			}
			// Anonymous: the dossier's page sends to sign-in and back.
			anon := newBrowser(t, srv)
			req, _ = http.NewRequest("GET", srv.URL+"/portal/dossiers/"+dcode, nil)
			if code, h, _ := anon.do(req); code != http.StatusSeeOther || h.Get("Location") != "/login?next="+url.QueryEscape("/portal/dossiers/"+dcode) {
				t.Errorf("anonymous dossier page: %d %q", code, h.Get("Location"))
			}
		})
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}
