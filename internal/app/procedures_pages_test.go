package app

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// The procedure catalogue's pages on the demo: the portal links the
// search, which finds a procedure typed without diacritics and shows its
// agency, time and fee; the procedure's page says what it needs and links
// the online submission; the administrators' list exports, imports all or
// nothing, deactivates, and the edit page shows a mistake beside its input.
func TestProcedurePagesOnTheDemo(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			app, srv, logins := open(t, cheap(install(t, engine)))
			code, _, body := get(t, srv, "/portal")
			if code != 200 || !strings.Contains(body, `href="/portal/procedures"`) {
				t.Fatalf("/portal: %d, no link to the catalogue", code)
			}
			code, _, body = get(t, srv, "/portal/procedures?q="+url.QueryEscape("dang ky khai sinh"))
			if code != 200 || !strings.Contains(body, "Thủ tục đăng ký khai sinh") || !strings.Contains(body, "Trung tâm Phục vụ hành chính công xã Bắc Hà") ||
				!strings.Contains(body, "Trong ngày") || !strings.Contains(body, "Tìm thấy 1 thủ tục") || !strings.Contains(body, `<label for="q">`) {
				t.Fatalf("search: %d\n%s", code, body)
			}
			code, _, body = get(t, srv, "/portal/procedures?level=province")
			if code != 200 || !strings.Contains(body, "Phiếu lý lịch tư pháp") || strings.Contains(body, "Thủ tục đăng ký khai sinh") || !strings.Contains(body, "200.000 đ") || !strings.Contains(body, "Theo giá trị, xem chi tiết") {
				t.Fatalf("province level: %d\n%s", code, body)
			}
			code, _, body = get(t, srv, "/portal/procedures/1.004222")
			for _, want := range []string{"Đăng ký thường trú", "7 ngày làm việc", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", "20.000 đ", "10.000 đ",
				`href="/portal/dossiers/new?procedure=1.004222"`, "Nộp hồ sơ trực tuyến", "Luật Cư trú 2020", "Chuyên viên, Ủy ban nhân dân phường Sa Pa"} {
				if !strings.Contains(body, want) {
					t.Errorf("procedure page: no %q (%d)", want, code)
				}
			}
			if code, _, _ := get(t, srv, "/portal/procedures/9.999999"); code != 404 {
				t.Errorf("unknown procedure: %d", code)
			}

			pw := demoPassword(t, logins)
			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			if code, _ := clerk.get("/admin/procedures"); code != 403 {
				t.Errorf("clerk on /admin/procedures: %d", code)
			}
			admin := newBrowser(t, srv).signIn("demo.system_admin", pw)
			code, body = admin.get("/admin/procedures")
			if code != 200 || !strings.Contains(body, "1.001193") || !strings.Contains(body, `action="/admin/procedures/import"`) {
				t.Fatalf("admin list: %d", code)
			}
			// The province's agency administrator manages the provincial
			// centre's procedures, not the communes'.
			agencyAdmin := newBrowser(t, srv).signIn("demo.agency_admin", pw)
			code, body = agencyAdmin.get("/admin/procedures")
			if code != 200 || !strings.Contains(body, `href="/admin/procedures/3.000333/edit"`) || strings.Contains(body, `href="/admin/procedures/1.001193/edit"`) ||
				!strings.Contains(body, "Thủ tục của cơ quan khác") {
				t.Fatalf("agency admin's list: %d", code)
			}
			if code, _, _ := agencyAdmin.post("/admin/procedures/1.001193/active", url.Values{"active": {"0"}}); code != 403 {
				t.Errorf("agency admin deactivating a commune's procedure: %d", code)
			}
			// Export, change one name, add a bad procedure: nothing stored.
			export, err := app.Catalogue.Export(t.Context(), onestop.DemoSaPaCentre)
			if err != nil {
				t.Fatal(err)
			}
			var file onestop.ExportFile
			if err := json.Unmarshal(export, &file); err != nil {
				t.Fatal(err)
			}
			file.Procedures[0].Name = "Đăng ký tạm trú (đã sửa)"
			bad := file.Procedures[1]
			bad.Code = "1.777777"
			bad.Days = 2
			file.Procedures = append(file.Procedures, bad)
			data, _ := json.Marshal(file)
			code, _, out := admin.upload("/admin/procedures/import", nil, map[string][]byte{"file": data})
			if code != 400 || !bytes.Contains(out, []byte("Thủ tục thứ 3 (1.777777)")) || !bytes.Contains(out, []byte("procedures[2].steps")) {
				t.Fatalf("bad import: %d\n%s", code, out)
			}
			if p, _ := app.Catalogue.Get(t.Context(), file.Procedures[0].Code); p.Name == "Đăng ký tạm trú (đã sửa)" {
				t.Fatal("a refused import stored a change")
			}
			file.Procedures = file.Procedures[:2]
			data, _ = json.Marshal(file)
			code, _, out = admin.upload("/admin/procedures/import", nil, map[string][]byte{"file": data})
			if code != 200 || !bytes.Contains(out, []byte("Thêm mới 0, cập nhật 1, không đổi 1 thủ tục")) {
				t.Fatalf("import: %d\n%s", code, out)
			}
			// Deactivate: gone from the portal, kept in the admin list.
			code, hdr, _ := admin.post("/admin/procedures/1.004194/active", url.Values{"active": {"0"}})
			if code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/admin/procedures?ok=deactivated") {
				t.Fatalf("deactivate: %d %v", code, hdr)
			}
			if code, _, _ := get(t, srv, "/portal/procedures/1.004194"); code != 404 {
				t.Errorf("deactivated procedure's page: %d", code)
			}
			// The edit page: a mistake in the steps is shown beside them.
			code, body = admin.get("/admin/procedures/1.001193/edit")
			if code != 200 || !strings.Contains(body, `<label for="steps">`) || !strings.Contains(body, "Thủ tục đăng ký khai sinh") {
				t.Fatalf("edit page: %d", code)
			}
			p, _ := app.Catalogue.Get(t.Context(), "1.001193")
			steps, _ := json.Marshal(p.Steps)
			form := url.Values{"name": {p.Name + " (sửa)"}, "field": {p.Field}, "level": {"commune"}, "agency_code": {p.AgencyCode}, "days": {"2"},
				"cut_off": {"15:00"}, "fees": {"[]"}, "components": {"[]"}, "fields": {"[]"}, "steps": {string(steps)}, "active": {"1"}}
			code, _, body = admin.post("/admin/procedures/1.001193/edit", form)
			if code != 400 || !strings.Contains(body, `id="steps_error"`) || !strings.Contains(body, "phải bằng thời hạn giải quyết 2 ngày") {
				t.Fatalf("bad edit: %d\n%s", code, body)
			}
			form.Set("days", "0")
			code, hdr, _ = admin.post("/admin/procedures/1.001193/edit", form)
			if code != 303 {
				t.Fatalf("edit: %d", code)
			}
			if p, _ := app.Catalogue.Get(t.Context(), "1.001193"); p.Name != "Thủ tục đăng ký khai sinh (sửa)" || len(p.Fields) != 0 {
				t.Errorf("edit not stored: %+v", p)
			}
		})
	}
}
