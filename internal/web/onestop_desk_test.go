package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// deskPages serves the workspace over the one-stop fixture; the actor of
// a request is named by the X-Test-Actor header.
type deskPages struct {
	t   *testing.T
	f   *apitest.Desk
	mux *http.ServeMux
}

func newDeskPages(t *testing.T, d *db.DB) *deskPages {
	t.Helper()
	f := apitest.NewDesk(t, d)
	cat, err := locale.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Deps{Catalog: cat, Now: f.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Onestop(web.OnestopDeps{Dossiers: f.Dossiers, Catalogue: f.Catalogue, Uploads: f.Uploads, Calendar: f.Calendar, Holders: f.Holders}).Register(mux)
	return &deskPages{t: t, f: f, mux: mux}
}

func (x *deskPages) serve(req *http.Request, who *actor.Actor) *httptest.ResponseRecorder {
	ctx := x.f.Ctx
	if who != nil {
		ctx = actor.With(ctx, who)
	}
	rec := httptest.NewRecorder()
	x.mux.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

func (x *deskPages) get(path string, who *actor.Actor) (int, string) {
	rec := x.serve(httptest.NewRequest("GET", path, nil), who)
	return rec.Code, rec.Body.String()
}

func (x *deskPages) post(path string, who *actor.Actor, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return x.serve(req, who)
}

func (x *deskPages) multipart(path string, who *actor.Actor, fields map[string]string, files map[string][]byte) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for k, content := range files {
		fw, _ := mw.CreateFormFile(k, k+".pdf")
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return x.serve(req, who)
}

// uniqueIDs checks that every id of a page is unique: labels and anchors
// name one element.
func uniqueIDs(t *testing.T, what, body string) {
	t.Helper()
	seen := map[string]bool{}
	for _, part := range strings.Split(body, ` id="`)[1:] {
		id := part[:strings.Index(part, `"`)]
		if seen[id] {
			t.Errorf("%s: id %q twice", what, id)
		}
		seen[id] = true
	}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// The queue: officials of the agency only; filters; overdue and due-soon
// dossiers marked in words; counts.
func TestDeskQueuePage(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskPages(t, d)
		f := x.f
		d1, d2 := f.Online(t, 1), f.Online(t, 2)
		if _, err := f.Dossiers.Accept(f.Ctx, f.Officer, d1.ID, onestop.ActionRequest{}); err != nil {
			t.Fatal(err)
		}
		code, body := x.get("/onestop", f.Officer)
		if code != 200 {
			t.Fatalf("queue: %d", code)
		}
		uniqueIDs(t, "queue", body)
		mustContain(t, "queue", body, d1.Code, d2.Code, "Đăng ký thành lập hộ kinh doanh", "Nguyễn Thị Hoa", "Mới đăng ký", "Được tiếp nhận", `<label for="status">`, `<label for="due">`,
			`href="/onestop/new"`, "2 hồ sơ; đang giải quyết: 0 quá hạn, 0 sắp đến hạn")
		code, body = x.get("/onestop?status=1", f.Officer)
		if code != 200 || strings.Contains(body, d1.Code) || !strings.Contains(body, d2.Code) {
			t.Fatalf("status filter: %d", code)
		}
		code, body = x.get("/onestop?status=12", f.Officer)
		if code != 400 || !strings.Contains(body, "Trạng thái hồ sơ") {
			t.Fatalf("bad status filter: %d", code)
		}
		// Received Monday 09:00 with 3 working days: due Thursday. On
		// Wednesday afternoon it is due soon, on Friday overdue.
		f.Set(time.Date(2026, 12, 9, 14, 0, 0, 0, locale.VN))
		_, body = x.get("/onestop", f.Officer)
		mustContain(t, "queue on Wednesday", body, `class="soon"`, "Sắp đến hạn", "đang giải quyết: 0 quá hạn, 1 sắp đến hạn")
		f.Set(time.Date(2026, 12, 11, 9, 0, 0, 0, locale.VN))
		_, body = x.get("/onestop?due=overdue", f.Officer)
		mustContain(t, "queue on Friday", body, `class="overdue"`, "<strong class=\"badge overdue\">Quá hạn</strong>", d1.Code, "đang giải quyết: 1 quá hạn, 0 sắp đến hạn")
		if strings.Contains(body, d2.Code) {
			t.Error("a dossier not yet received is listed as overdue")
		}
		// The statistics name the step that held d1 past its share.
		_, body = x.get("/onestop/stats", f.Leader)
		mustContain(t, "stats on Friday", body, "<td>Trung tâm Phục vụ hành chính công tỉnh</td><td>Tiếp nhận hồ sơ</td><td>1</td>")
		// Another agency sees none of ours; citizens and visitors no queue.
		if code, body = x.get("/onestop", f.Outsider); code != 200 || strings.Contains(body, d1.Code) {
			t.Fatalf("another agency's queue: %d", code)
		}
		if code, _ = x.get("/onestop", f.Citizen); code != 403 {
			t.Fatalf("citizen: %d", code)
		}
		if rec := x.serve(httptest.NewRequest("GET", "/onestop", nil), nil); rec.Code != 303 || rec.Header().Get("Location") != "/login" {
			t.Fatalf("visitor: %d", rec.Code)
		}
	})
}

// The dossier page: its data, files through the access check, the control
// slip, the actions the viewer may take, and a conflict shown over the
// fresh state.
func TestDeskDossierPage(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskPages(t, d)
		f := x.f
		d1, d2 := f.Online(t, 1), f.Online(t, 2)
		page := "/onestop/dossiers/" + d1.Code
		code, body := x.get(page, f.Officer)
		if code != 200 {
			t.Fatalf("dossier page: %d", code)
		}
		mustContain(t, "new dossier", body, "Hồ sơ "+d1.Code, "Nguyễn Thị Hoa", "001190012345", "Tên hộ kinh doanh", "Hộ kinh doanh Hoa Sen 1",
			page+"/files/1", "Giấy đề nghị đăng ký hộ kinh doanh", `action="`+page+`/accept"`, `action="`+page+`/refuse"`, `action="`+page+`/supplement"`,
			`name="version" value="1"`, `<label for="ref_reason">`)
		// The specialist reads the dossier but has no reception actions.
		code, body = x.get(page, f.Specialist)
		if code != 200 || strings.Contains(body, "/accept\"") {
			t.Fatalf("specialist's page: %d", code)
		}
		// Files: downloaded by who reads the dossier, no one else.
		rec := x.serve(httptest.NewRequest("GET", page+"/files/1", nil), f.Specialist)
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), blobtest.PDF()) || rec.Header().Get("Cache-Control") != "private, no-store" {
			t.Fatalf("file download: %d %q", rec.Code, rec.Header())
		}
		if rec = x.serve(httptest.NewRequest("GET", page+"/files/1", nil), f.Outsider); rec.Code == 200 {
			t.Fatal("another agency's officer downloads the dossier's file")
		}
		if code, _ = x.get(page+"/files/9", f.Officer); code != 404 {
			t.Fatalf("file 9: %d", code)
		}
		if code, _ = x.get(page, f.Outsider); code == 200 {
			t.Fatal("another agency's officer reads the dossier")
		}

		// Accept; a second officer's accept from the same page is a
		// conflict shown over the fresh state.
		rec = x.post(page+"/accept", f.Officer, url.Values{"version": {"1"}, "note": {"Đủ thành phần"}})
		if rec.Code != 303 || rec.Header().Get("Location") != page+"?done=accept" {
			t.Fatalf("accept: %d %s", rec.Code, rec.Body.String())
		}
		code, body = x.get(page+"?done=accept", f.Officer)
		uniqueIDs(t, "accepted dossier", body)
		mustContain(t, "accepted", body, "Đã tiếp nhận hồ sơ; thời hạn giải quyết bắt đầu tính.", "Được tiếp nhận", "Phiếu kiểm soát",
			"Tiếp nhận hồ sơ", "Thẩm định", "Phê duyệt", `aria-current="step"`, `action="`+page+`/step"`)
		rec = x.post(page+"/accept", f.Officer2, url.Values{"version": {"1"}})
		body = rec.Body.String()
		if rec.Code != 409 {
			t.Fatalf("second accept: %d", rec.Code)
		}
		mustContain(t, "conflict", body, "Hồ sơ vừa được người khác xử lý; trang hiển thị trạng thái mới nhất.", "<strong>Được tiếp nhận</strong>")
		if strings.Contains(body, `action="`+page+`/accept"`) {
			t.Error("the conflict page still offers to accept")
		}

		// The desk's step, given to the specialist by name, then the
		// specialist's; the leader decides with the result PDF, the desk
		// returns it.
		mustContain(t, "desk's step", body, `<label for="step_to">Giao bước tiếp theo (Thẩm định) cho</label>`, `<option value="101">Hoàng Văn Thẩm</option>`)
		if rec = x.post(page+"/step", f.Officer, url.Values{"note": {"Chuyển thẩm định"}, "to": {"101"}}); rec.Code != 303 {
			t.Fatalf("desk step: %d %s", rec.Code, rec.Body.String())
		}
		if rec = x.post(page+"/step", f.Officer, url.Values{}); rec.Code != 403 {
			t.Fatalf("the desk completes the specialist's step: %d", rec.Code)
		}
		if _, body = x.get(page, f.Specialist); !strings.Contains(body, "Hoàng Văn Thẩm") {
			t.Error("the control slip does not name the specialist given the step")
		}
		// The specialist asks for the fee; the desk records it paid.
		_, body = x.get(page, f.Specialist)
		mustContain(t, "specialist's step", body, `action="`+page+`/fee"`, `<label for="fee_note">`)
		if rec = x.post(page+"/fee", f.Specialist, url.Values{"note": {""}}); rec.Code != 400 {
			t.Fatalf("fee request without its content: %d", rec.Code)
		}
		if rec = x.post(page+"/fee", f.Specialist, url.Values{"note": {"Lệ phí đăng ký 100.000 đồng, nộp tại bộ phận một cửa"}}); rec.Code != 303 {
			t.Fatalf("fee request: %d %s", rec.Code, rec.Body.String())
		}
		_, body = x.get(page, f.Officer)
		mustContain(t, "waiting for the fee", body, "Yêu cầu thực hiện nghĩa vụ tài chính", `action="`+page+`/feepaid"`)
		if rec = x.post(page+"/feepaid", f.Specialist, url.Values{}); rec.Code != 403 {
			t.Fatalf("the specialist records the fee paid: %d", rec.Code)
		}
		if rec = x.post(page+"/feepaid", f.Officer, url.Values{"note": {"Biên lai số 0012"}}); rec.Code != 303 {
			t.Fatalf("fee paid: %d %s", rec.Code, rec.Body.String())
		}
		if rec = x.post(page+"/step", f.Specialist, url.Values{"note": {"Đủ điều kiện cấp"}}); rec.Code != 303 {
			t.Fatalf("specialist's step: %d %s", rec.Code, rec.Body.String())
		}
		_, body = x.get(page, f.Leader)
		uniqueIDs(t, "leader's page", body)
		mustContain(t, "leader's page", body, `action="/onestop/decision"`, `enctype="multipart/form-data"`, `name="code" value="`+d1.Code+`"`,
			`action="`+page+`/apology"`, `action="`+page+`/stop"`, "Đủ điều kiện cấp")
		if strings.Contains(body, `action="`+page+`/step"`) {
			t.Error("the last step is offered as a step, not as the decision")
		}
		rec = x.post(page+"/apology", f.Leader, url.Values{"reason": {"Cần xác minh"}, "new_appointment": {"30/02/2026"}})
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Ngày hẹn mới") {
			t.Fatalf("apology with a bad date: %d", rec.Code)
		}
		rec = x.multipart("/onestop/decision", f.Leader, map[string]string{"code": d1.Code, "decision": "approve"}, nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Đính kèm tệp PDF kết quả") {
			t.Fatalf("approval without a result: %d", rec.Code)
		}
		rec = x.multipart("/onestop/decision", f.Leader, map[string]string{"code": d1.Code, "decision": "approve"}, map[string][]byte{"result": blobtest.PDF()})
		if rec.Code != 303 {
			t.Fatalf("approval: %d %s", rec.Code, rec.Body.String())
		}
		_, body = x.get(page, f.Officer)
		mustContain(t, "decided", body, "Đã xử lý xong", "Kết quả giải quyết (PDF)</a>", `action="`+page+`/return"`)
		if rec = x.post(page+"/return", f.Officer, url.Values{}); rec.Code != 303 {
			t.Fatalf("return: %d", rec.Code)
		}
		_, body = x.get(page, f.Officer)
		mustContain(t, "returned", body, "Đã trả kết quả", "Ngày trả kết quả", "Bạn không có thao tác nào", "Quá trình xử lý",
			"Nộp hồ sơ (Trực tuyến)</strong>, Nguyễn Thị Hoa", "Tiếp nhận tại Trung tâm Phục vụ hành chính công tỉnh", "Bắt đầu bước Thẩm định</strong>, Hoàng Văn Thẩm",
			"Hoàn thành bước Thẩm định</strong>, Hoàng Văn Thẩm: <span>Đủ điều kiện cấp</span>", "Lãnh đạo phê duyệt kết quả</strong>, Nguyễn Văn Lãnh", "Trả kết quả (trước hạn)")

		// Supplement once, refusal with reasons.
		p2 := "/onestop/dossiers/" + d2.Code
		rec = x.post(p2+"/supplement", f.Officer, url.Values{"items": {"\n \n"}, "reason": {"Thiếu"}})
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Ghi ít nhất một nội dung") {
			t.Fatalf("supplement without items: %d", rec.Code)
		}
		rec = x.post(p2+"/supplement", f.Officer, url.Values{"items": {"1. Ký giấy đề nghị\n2) Bản sao CCCD"}, "reason": {"Hồ sơ chưa đủ"}})
		if rec.Code != 303 {
			t.Fatalf("supplement: %d %s", rec.Code, rec.Body.String())
		}
		_, body = x.get(p2, f.Officer)
		mustContain(t, "supplement asked", body, "<li>Ký giấy đề nghị</li>", "<li>Bản sao CCCD</li>", "Yêu cầu bổ sung giấy tờ")
		if strings.Contains(body, `action="`+p2+`/supplement"`) {
			t.Error("a second supplement request is offered")
		}
		if rec = x.post(p2+"/supplement", f.Officer, url.Values{"items": {"Thêm"}, "reason": {"Lần hai"}}); rec.Code != 409 {
			t.Fatalf("second supplement: %d", rec.Code)
		}
		if rec = x.post(p2+"/refuse", f.Officer, url.Values{"reason": {""}}); rec.Code != 400 {
			t.Fatalf("refusal without reason: %d", rec.Code)
		}
		if rec = x.post(p2+"/refuse", f.Officer, url.Values{"reason": {"Không bổ sung theo yêu cầu"}}); rec.Code != 303 {
			t.Fatalf("refusal: %d", rec.Code)
		}
		if rec = x.post(p2+"/dance", f.Officer, url.Values{}); rec.Code != 404 {
			t.Fatalf("unknown action: %d", rec.Code)
		}
	})
}

// The walk-in entry: pick a procedure, type the applicant and the form,
// attach the scans; accepted at once. A mistake keeps the stored scans.
func TestDeskWalkIn(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskPages(t, d)
		f := x.f
		code, body := x.get("/onestop/new", f.Officer)
		if code != 200 {
			t.Fatalf("walk-in: %d", code)
		}
		mustContain(t, "procedure choice", body, `value="`+apitest.DeskProcedure+`"`, "Đăng ký thành lập hộ kinh doanh", "3 ngày làm việc", "Bưu chính công ích")
		code, body = x.get("/onestop/new?procedure="+apitest.DeskProcedure+"&channel=3", f.Officer)
		if code != 200 {
			t.Fatalf("walk-in form: %d", code)
		}
		uniqueIDs(t, "walk-in form", body)
		mustContain(t, "walk-in form", body, `<label for="applicant_name">`, `<label for="f_ten_ho">Tên hộ kinh doanh *</label>`,
			`<label for="c_GDN">Giấy đề nghị đăng ký hộ kinh doanh *</label>`, `name="channel" value="3" checked`)
		if code, _ = x.get("/onestop/new", f.Specialist); code != 403 {
			t.Fatalf("specialist's walk-in: %d", code)
		}
		fields := map[string]string{"procedure": apitest.DeskProcedure, "channel": "1", "applicant_name": "", "applicant_id": "001190012345",
			"f_ten_ho": "Hộ kinh doanh Tạp hoá Bình An"}
		rec := x.multipart("/onestop/new", f.Officer, fields, map[string][]byte{"c_GDN": blobtest.PDF()})
		body = rec.Body.String()
		if rec.Code != 400 || !strings.Contains(body, "Ghi họ và tên người nộp hồ sơ") || !strings.Contains(body, `name="kept_GDN"`) {
			t.Fatalf("walk-in without a name: %d", rec.Code)
		}
		kept := body[strings.Index(body, `name="kept_GDN" value="`)+len(`name="kept_GDN" value="`):]
		kept = kept[:strings.Index(kept, `"`)]
		fields["applicant_name"] = "Trần Văn Bình"
		fields["kept_GDN"] = kept
		rec = x.multipart("/onestop/new", f.Officer, fields, nil)
		if rec.Code != 303 || !strings.HasPrefix(rec.Header().Get("Location"), "/onestop/dossiers/H15.01.01-261207-") {
			t.Fatalf("walk-in: %d %s", rec.Code, rec.Body.String())
		}
		code, body = x.get(rec.Header().Get("Location"), f.Officer)
		mustContain(t, "walk-in dossier", body, "Đã tiếp nhận hồ sơ trực tiếp", "Trần Văn Bình", "Trực tiếp", "Được tiếp nhận", "Hộ kinh doanh Tạp hoá Bình An",
			"/files/1")
		// A walk-in whose form misses a required field is refused whole.
		delete(fields, "f_ten_ho")
		if rec = x.multipart("/onestop/new", f.Officer, fields, nil); rec.Code != 400 {
			t.Fatalf("walk-in without the form: %d", rec.Code)
		}
		page, err := f.Dossiers.List(f.Ctx, f.Officer, onestop.DossierFilter{Page: 1, PageSize: 10})
		if err != nil || page.Total != 1 {
			t.Fatalf("dossiers stored: %v %v", page, err)
		}
	})
}

// The statistics page and its xlsx download, for who may read them.
func TestDeskStatsPage(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskPages(t, d)
		f := x.f
		f.Online(t, 1)
		code, body := x.get("/onestop/stats?from=01/12/2026&to=31/12/2026", f.Leader)
		if code != 200 {
			t.Fatalf("stats: %d", code)
		}
		mustContain(t, "stats", body, "Thống kê một cửa", "Tỷ lệ đúng hạn", "Không có bước nào chậm.", "Theo cơ quan", "Theo thủ tục", "Theo lĩnh vực", "Theo tháng",
			`href="/onestop/stats?format=xlsx&amp;from=01%2F12%2F2026&amp;to=31%2F12%2F2026"`, `<label for="from">`)
		uniqueIDs(t, "stats page", body)
		if code, body = x.get("/onestop/stats?from=hôm+qua", f.Leader); code != 400 || !strings.Contains(body, "Từ ngày") {
			t.Fatalf("stats with a bad date: %d", code)
		}
		rec := x.serve(httptest.NewRequest("GET", "/onestop/stats?format=xlsx", nil), f.Leader)
		if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), "PK") {
			t.Fatalf("xlsx: %d", rec.Code)
		}
		if code, _ = x.get("/onestop/stats", f.Specialist); code != 403 {
			t.Fatalf("specialist's stats: %d", code)
		}
	})
}

// Liên thông: a dossier received here whose appraisal and decision belong
// to another agency reaches that agency's queue and officials, who act on
// it; the receiving agency's leader is not offered their decision.
func TestDeskLinkedAgencies(t *testing.T) {
	dbtest.Each(t, apitest.DeskModules(), func(t *testing.T, d *db.DB) {
		x := newDeskPages(t, d)
		f := x.f
		dl := f.Linked(t)
		page := "/onestop/dossiers/" + dl.Code
		if _, body := x.get("/onestop", f.OtherSpecialist); strings.Contains(body, dl.Code) {
			t.Fatal("the other agency sees the dossier before its step")
		}
		if rec := x.post(page+"/accept", f.Officer, url.Values{}); rec.Code != 303 {
			t.Fatalf("accept: %d", rec.Code)
		}
		if rec := x.post(page+"/step", f.Officer, url.Values{"note": {"Chuyển Sở Xây dựng thẩm định"}}); rec.Code != 303 {
			t.Fatalf("desk step: %d %s", rec.Code, rec.Body.String())
		}
		code, body := x.get("/onestop", f.OtherSpecialist)
		if code != 200 || !strings.Contains(body, dl.Code) {
			t.Fatalf("the other agency's queue lacks the dossier at its step: %d", code)
		}
		_, body = x.get(page, f.OtherSpecialist)
		mustContain(t, "other agency's specialist", body, "Sở Xây dựng", `action="`+page+`/step"`, "Chuyển Sở Xây dựng thẩm định", "trước hạn")
		if _, body = x.get(page, f.Specialist); strings.Contains(body, `action="`+page+`/step"`) {
			t.Error("the receiving agency's specialist is offered the other agency's step")
		}
		if rec := x.post(page+"/step", f.OtherSpecialist, url.Values{"note": {"Đủ điều kiện"}}); rec.Code != 303 {
			t.Fatalf("other agency's step: %d %s", rec.Code, rec.Body.String())
		}
		if _, body = x.get(page, f.Leader); strings.Contains(body, `action="/onestop/decision"`) {
			t.Error("the receiving agency's leader is offered the other agency's decision")
		}
		_, body = x.get(page, f.OtherLeader)
		mustContain(t, "other agency's leader", body, `action="/onestop/decision"`, `action="`+page+`/apology"`)
		rec := x.multipart("/onestop/decision", f.Leader, map[string]string{"code": dl.Code, "decision": "refuse", "reason": "Không phù hợp quy hoạch"}, nil)
		if rec.Code != 403 {
			t.Fatalf("the receiving agency's leader decides: %d", rec.Code)
		}
		rec = x.multipart("/onestop/decision", f.OtherLeader, map[string]string{"code": dl.Code, "decision": "refuse", "reason": "Không phù hợp quy hoạch"}, nil)
		if rec.Code != 303 {
			t.Fatalf("the other agency's leader refuses: %d %s", rec.Code, rec.Body.String())
		}
		_, body = x.get(page, f.Officer)
		mustContain(t, "refused by the other agency", body, "Dừng xử lý", "Không phù hợp quy hoạch")
	})
}
