package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

// The adapter is off without --dvcqg-url; on, it needs its account,
// dstcode and madonvi.
func TestDVCQGConfig(t *testing.T) {
	var off DVCQGConfig
	if err := off.validate(); err != nil {
		t.Fatalf("adapter off: %v", err)
	}
	on := DVCQGConfig{URL: "https://dvc.example.gov.vn", AuthEndpoint: "/api/auth", IntegrationEndpoint: "/api/integration",
		User: "h15", Password: "p", DstCode: "H15", MaDonVi: "H15.01.01", Timeout: time.Second}
	if err := on.validate(); err != nil {
		t.Fatal(err)
	}
	on.DstCode = ""
	if err := on.validate(); err == nil || !strings.Contains(err.Error(), "dvcqg-dstcode") {
		t.Fatalf("missing dstcode: %v", err)
	}
}

// A dossier of the platform maps onto what DongBoHoSoMC takes, and passes
// its checks.
func TestDossierSyncMapping(t *testing.T) {
	at := time.Date(2026, 12, 7, 15, 20, 0, 0, locale.VN)
	d := &onestop.Dossier{Code: "H15.01.01-261207-0007", ProcedureCode: "2.000815.000.00.00.H15", ProcedureName: "Chứng thực bản sao",
		AgencyName: "UBND xã Bắc Hà", Applicant: onestop.Applicant{Name: "Lê Thị Mai", IDNumber: "001190012345", Phone: "0912345678"},
		Channel: onestop.ChannelPostal, Status: onestop.Status(4), ReceivedAt: at, Appointment: at.Add(24 * time.Hour),
		Files:      []onestop.File{{UploadID: "u1", Component: "BS", Kind: onestop.FileComponent, Name: "ban-chinh.pdf"}, {UploadID: "r", Kind: onestop.FileReceipt}},
		Supplement: &onestop.SupplementRequest{Reason: "Thiếu bản chính", Items: []string{"Bản chính"}, RequestedBy: "Trần Văn Đức", RequestedAt: at}}
	s := dossierSync(d, true)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.MaTTHC != "2.000815" || s.HinhThuc != dvcqg.DeliveryPostal || s.LoaiDoiTuong != dvcqg.ApplicantCitizen ||
		len(s.TaiLieuNop) != 1 || len(s.DanhSachHoSoBoSung) != 1 || s.DanhSachHoSoBoSung[0].TrangThaiBoSung != 0 || !s.Updating {
		t.Fatalf("mapped %+v", s)
	}
	d.Applicant.IDNumber = "0100109106"
	if dossierSync(d, false).LoaiDoiTuong != dvcqg.ApplicantBusiness {
		t.Fatal("a tax code is not a business")
	}
}

// pushDossier queues one push per change in the change's transaction,
// with its progress row; with the adapter off it queues nothing.
func TestPushDossier(t *testing.T) {
	d := dbtest.SQLite(t, audit.Migrations, jobs.Migrations)
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, locale.VN)
	dos := &onestop.Dossier{Code: "H15.01.01-261207-0008", ProcedureCode: "1.001193", ProcedureName: "Đăng ký khai sinh",
		AgencyName: "UBND xã Bắc Hà", Applicant: onestop.Applicant{Name: "Lê Văn An", IDNumber: "001090012345"},
		Channel: onestop.ChannelOnline, Status: onestop.Status(2), SubmittedAt: at, ReceivedAt: at, UpdatedAt: at, CurrentStep: -1}
	a := &App{}
	push := func() error {
		return d.Tx(ctx, func(tx *sql.Tx) error {
			return a.pushDossier(ctx, tx, dos, false, "Trần Văn Đức", "Tiếp nhận hồ sơ")
		})
	}
	if err := push(); err != nil {
		t.Fatalf("adapter off: %v", err)
	}
	client, err := dvcqg.NewClient(dvcqg.Config{BaseURL: "https://dvc.example.gov.vn", AuthEndpoint: "/a", IntegrationEndpoint: "/i",
		Username: "u", Password: "p", DstCode: "H15", MaDonVi: "H15.01.01"})
	if err != nil {
		t.Fatal(err)
	}
	a.DVCQG = dvcqg.New(d, dvcqg.Options{Client: client, Now: func() time.Time { return at }})
	for range 2 { // the same change twice: one push
		if err := push(); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var payload string
	if err := d.Reader().QueryRowContext(ctx, "SELECT count(*), max(payload) FROM jobs WHERE kind = $1", dvcqg.JobKind).Scan(&n, &payload); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !strings.Contains(payload, `"ThoiDiemXuLy":"20261207090000"`) || !strings.Contains(payload, `"NguoiXuLy":"Trần Văn Đức"`) ||
		!strings.Contains(payload, `"updating":true`) {
		t.Fatalf("%d jobs, payload %s", n, payload)
	}
	// A dossier the portal would refuse is not pushed, and its own change
	// goes through.
	a.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	dos.ProcedureCode, dos.UpdatedAt = "", at.Add(time.Hour)
	if err := push(); err != nil {
		t.Fatalf("a dossier the portal would refuse failed its change: %v", err)
	}
	if err := d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM jobs").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d jobs, %v", n, err)
	}
}

// A dossier submitted online and accepted at the desk reaches a loopback
// portal through the dossier service's change hook and the job runner:
// its submission as a new dossier (isUpdating False, status 1), then its
// reception as an update, each with the progress row naming who acted.
func TestDossierChangesReachThePortal(t *testing.T) {
	d := dbtest.SQLite(t, apitest.DeskModules()...)
	desk := apitest.NewDesk(t, d)
	var mu sync.Mutex
	var got []string // "isUpdating/service/status/actor"
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Service, IsUpdating string
			Data                []map[string]any
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/a" {
			w.Write([]byte(`{"session":"s1","error_code":"00"}`))
			return
		}
		mu.Lock()
		for _, row := range body.Data {
			switch body.Service {
			case dvcqg.ServiceSync:
				got = append(got, fmt.Sprintf("%s/%s/%v", body.IsUpdating, body.Service, row["TrangThaiHoSo"]))
			default:
				got = append(got, fmt.Sprintf("%s/%v/%v", body.Service, row["TrangThai"], row["NguoiXuLy"]))
			}
		}
		mu.Unlock()
		w.Write([]byte(`{"error_code":"00"}`))
	}))
	defer portal.Close()
	client, err := dvcqg.NewClient(dvcqg.Config{BaseURL: portal.URL, AuthEndpoint: "/a", IntegrationEndpoint: "/i",
		Username: "u", Password: "p", DstCode: "H15", MaDonVi: apitest.DeskAgencyCode})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &App{DB: d, Log: quiet, DVCQG: dvcqg.New(d, dvcqg.Options{Client: client, Now: desk.Now, Logger: quiet})}
	desk.Dossiers.SetOnChange(a.pushDossier)
	// The runner's clock follows the real time elapsed from the desk's, so
	// a push waiting for the earlier one of its dossier comes due again.
	start := clock.Now()
	runnerNow := func() time.Time { return desk.Now().Add(clock.Now().Sub(start)) }
	runner := jobs.NewRunner(d, jobs.Options{Now: runnerNow, Logger: quiet, PollInterval: 10 * time.Millisecond,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	a.DVCQG.Register(runner)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	defer func() { cancel(); <-done }()

	dos := desk.Online(t, 1)
	desk.Set(desk.Now().Add(30 * time.Minute))
	if _, err := desk.Dossiers.Accept(desk.Ctx, desk.Officer, dos.ID, onestop.ActionRequest{Note: "Đủ thành phần"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		var n int
		if err := d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM jobs WHERE kind = $1", dvcqg.JobKind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if i > 1000 {
			t.Fatalf("%d pushes still queued", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"False/DongBoHoSoMC/1", "CapNhatTienDoHoSoMC/1/Nguyễn Thị Hoa",
		"True/DongBoHoSoMC/2", "CapNhatTienDoHoSoMC/2/Lê Thị Một Cửa"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the portal received\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A procedure of the national database becomes a valid, inactive
// catalogue procedure: its time in working days (hours counted in days),
// fees, components, results, and the usual steps sharing the time.
func TestProcedureFromPortal(t *testing.T) {
	const record = `{"MATTHC":"1.001612","TENTTHC":"Đăng ky\u0301 thành lập hộ kinh doanh",
		"LINHVUCTHUCHIEN":[{"MALINHVUC":"G09-KH01","TENLINHVUC":"Thành lập và hoạt động của hộ kinh doanh"}],
		"CACHTHUCTHUCHIEN":[{"KENH":1,"THOIGIAN":[{"THOIGIANGIAIQUYET":5,"DONVITINH":"Ngày làm việc"}]},
			{"KENH":2,"THOIGIAN":[{"THOIGIANGIAIQUYET":24,"DONVITINH":"Giờ làm việc","PHILEPHI":[
				{"MAPHILEPHI":"LP1","SOTIEN":100000,"DONVI":"Đồng","MOTA":"Lệ phí đăng ký hộ kinh doanh"},
				{"MAPHILEPHI":"LP1","SOTIEN":100000,"DONVI":"Đồng","MOTA":"Lệ phí đăng ký hộ kinh doanh"}]}]}],
		"THANHPHANHOSO":[{"TRUONGHOP":"","GIAYTO":[{"MAGIAYTO":"Giấy đề nghị","TENGIAYTO":"Giấy đề nghị đăng ký hộ kinh doanh","TENMAUDON":"Phụ lục III-1"},
			{"MAGIAYTO":"","TENGIAYTO":"Bản sao hợp đồng thuê địa điểm"}]}],
		"KETQUATHUCHIEN":[{"MAKETQUA":"KQ","TENKETQUA":"Giấy chứng nhận đăng ký hộ kinh doanh"}]}`
	var src dvcqg.CatalogueProcedure
	if err := json.Unmarshal([]byte(record), &src); err != nil {
		t.Fatal(err)
	}
	p, err := ProcedureFromPortal(src, onestop.LevelCommune, "H15.01.01")
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != "1.001612" || p.Name != "Đăng ký thành lập hộ kinh doanh" || p.Field != "Thành lập và hoạt động của hộ kinh doanh" ||
		p.Days != 3 || !p.Online || p.Active || len(p.Fees) != 1 || p.Fees[0].Amount != 100000 ||
		len(p.Components) != 2 || p.Components[0].Code != "giay_de_nghi" || p.Components[1].Code != "tp2" || !p.Components[0].Required ||
		p.ResultType != "Giấy chứng nhận đăng ký hộ kinh doanh" || len(p.Steps) != 4 {
		t.Fatalf("mapped %+v", p)
	}
	src.CACHTHUCTHUCHIEN = src.CACHTHUCTHUCHIEN[:1]
	src.CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET = "0"
	if p, err := ProcedureFromPortal(src, onestop.LevelCommune, "H15.01.01"); err != nil || p.Days != 0 || p.Online {
		t.Fatalf("same-day procedure: %+v, %v", p, err)
	}
	if _, err := ProcedureFromPortal(src, onestop.Level("huyen"), "H15.01.01"); err == nil {
		t.Fatal("a level that no longer exists was accepted")
	}
}

// FuzzProcedureFromPortal: any LayThuTuc record is mapped into a valid
// procedure or refused, never a panic.
func FuzzProcedureFromPortal(f *testing.F) {
	f.Add([]byte(`{"MATTHC":"1.001193","TENTTHC":"Đăng ký khai sinh","LINHVUCTHUCHIEN":[{"TENLINHVUC":"Hộ tịch"}],
		"CACHTHUCTHUCHIEN":[{"KENH":2,"THOIGIAN":[{"THOIGIANGIAIQUYET":0.5,"DONVITINH":"Giờ","PHILEPHI":[{"SOTIEN":1e30,"MOTA":"x"}]}]}],
		"THANHPHANHOSO":[{"GIAYTO":[{"MAGIAYTO":"a/b","TENGIAYTO":"Tờ khai"},{"MAGIAYTO":"a/b","TENGIAYTO":"Tờ khai 2"}]}]}`))
	f.Add([]byte(`{"MATTHC":"2.000815","TENTTHC":"x","MALINHVUC":"m","CACHTHUCTHUCHIEN":[{"KENH":"1","THOIGIAN":[{"THOIGIANGIAIQUYET":-3}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var src dvcqg.CatalogueProcedure
		if json.Unmarshal(b, &src) != nil {
			return
		}
		p, err := ProcedureFromPortal(src, onestop.LevelCommune, "H15.01.01")
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil || p.Active {
			t.Fatalf("mapped an invalid or active procedure: %+v, %v", p, err)
		}
	})
}

// A dossier submitted on the portal is registered through the portal
// submitter: its file downloaded from the portal into an upload, the
// dossier online and waiting for the desk; delivered again, it is the
// same dossier; its submission is pushed back under the portal's code as
// an update. A file on another host is refused and registers nothing.
func TestPortalSubmitter(t *testing.T) {
	d := dbtest.SQLite(t, apitest.DeskModules()...)
	desk := apitest.NewDesk(t, d)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/files/gdn.pdf" {
			w.Write(blobtest.PDF())
			return
		}
		http.NotFound(w, r)
	}))
	defer files.Close()
	client, err := dvcqg.NewClient(dvcqg.Config{BaseURL: files.URL, AuthEndpoint: "/a", IntegrationEndpoint: "/i",
		Username: "u", Password: "p", DstCode: "H15", MaDonVi: apitest.DeskAgencyCode})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &App{DB: d, Log: quiet, Dossiers: desk.Dossiers, Blob: desk.Uploads,
		DVCQG: dvcqg.New(d, dvcqg.Options{Client: client, Now: desk.Now, Logger: quiet})}
	desk.Dossiers.SetOnChange(a.pushDossier)
	sub := a.PortalSubmitter()
	inbound := `[{"MaHoSo":"G22.99-261207-000777","MaTTHC":"` + apitest.DeskProcedure + `","ChuHoSo":"Vũ Thị Lan","LoaiDoiTuong":"1",
		"SoDinhDanh":"001190012345","SoDienThoai":"0912345678","DiaChi":"Số 5 đường Hoàng Liên",
		"DuLieuBieuMau":{"ten_ho":"Hộ kinh doanh Lan Anh"},
		"TaiLieuNop":[{"MaThanhPhanHoSo":"GDN","TenTepDinhKem":"giay-de-nghi.pdf","DuongDanTaiTepTin":"` + files.URL + `/files/gdn.pdf"}]},
		{"MaHoSo":"G22.99-261207-000778","MaTTHC":"` + apitest.DeskProcedure + `","ChuHoSo":"Vũ Văn Nam","SoDinhDanh":"001090012345",
		"DuLieuBieuMau":{"ten_ho":"Hộ kinh doanh Nam"},
		"TaiLieuNop":[{"MaThanhPhanHoSo":"GDN","TenTepDinhKem":"x.pdf","DuongDanTaiTepTin":"http://169.254.169.254/x.pdf"}]}]`
	batch, err := dvcqg.ParseInbound(strings.NewReader(inbound))
	if err != nil {
		t.Fatal(err)
	}
	codes, errs := dvcqg.Intake(desk.Ctx, sub, batch, desk.Now())
	code := codes["G22.99-261207-000777"]
	if code == "" || len(errs) != 1 || errs["G22.99-261207-000778"] == nil || !strings.Contains(errs["G22.99-261207-000778"].Error(), "không thuộc Cổng DVCQG") {
		t.Fatalf("codes %v, errors %v", codes, errs)
	}
	dos, err := desk.Dossiers.GetByCode(desk.Ctx, desk.Officer, code)
	if err != nil {
		t.Fatal(err)
	}
	if dos.Status != onestop.StatusNew || dos.Channel != onestop.ChannelOnline || len(dos.Files) != 1 || dos.Applicant.Name != "Vũ Thị Lan" {
		t.Fatalf("registered %+v", dos)
	}
	again, _ := dvcqg.Intake(desk.Ctx, sub, batch[:1], desk.Now())
	var dossiers, pushes int
	var payload string
	_ = d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM onestop_dossiers").Scan(&dossiers)
	_ = d.Reader().QueryRowContext(context.Background(), "SELECT count(*), max(payload) FROM jobs WHERE kind = $1", dvcqg.JobKind).Scan(&pushes, &payload)
	if again["G22.99-261207-000777"] != code || dossiers != 1 || pushes != 1 {
		t.Fatalf("delivered twice: code %q (first %q), %d dossiers, %d pushes", again["G22.99-261207-000777"], code, dossiers, pushes)
	}
	if !strings.Contains(payload, `"MaHoSo":"G22.99-261207-000777"`) || !strings.Contains(payload, `"updating":true`) {
		t.Fatalf("the push of a portal dossier: %s", payload)
	}
}

// The inbound endpoint takes a batch from the portal with its token only,
// answers in the portal's envelope with one row per dossier, and refuses a
// malformed batch whole.
func TestInboundEndpoint(t *testing.T) {
	d := dbtest.SQLite(t, apitest.DeskModules()...)
	desk := apitest.NewDesk(t, d)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(blobtest.PDF()) }))
	defer files.Close()
	const token = "mot-ma-xac-thuc-du-dai-0123456789"
	cfg := DVCQGConfig{URL: files.URL, AuthEndpoint: "/a", IntegrationEndpoint: "/i", User: "u", Password: "p", DstCode: "H15",
		MaDonVi: apitest.DeskAgencyCode, InboundToken: token}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	client, err := cfg.Client()
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &App{Config: Config{DVCQG: cfg}, DB: d, Log: quiet, Dossiers: desk.Dossiers, Blob: desk.Uploads, Now: desk.Now,
		DVCQG: dvcqg.New(d, dvcqg.Options{Client: client, Now: desk.Now, Logger: quiet})}
	mux := http.NewServeMux()
	a.registerDVCQG(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(access.WithGuard(r.Context(), desk.Guard)))
	}))
	defer srv.Close()
	post := func(tok, body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+InboundPath, strings.NewReader(body))
		if tok != "" {
			req.Header.Set(InboundTokenHeader, tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	batch := `{"data":[{"MaHoSo":"G22.99-261207-000901","MaTTHC":"` + apitest.DeskProcedure + `","ChuHoSo":"Vũ Thị Lan",
		"SoDinhDanh":"001190012345","SoDienThoai":"0912345678","DiaChi":"Số 5","DuLieuBieuMau":{"ten_ho":"Hộ Lan"},
		"TaiLieuNop":[{"MaThanhPhanHoSo":"GDN","TenTepDinhKem":"gdn.pdf","DuongDanTaiTepTin":"` + files.URL + `/gdn.pdf"}]},
		{"MaHoSo":"G22.99-261207-000902","MaTTHC":"9.999999","ChuHoSo":"Vũ Văn Nam","SoDinhDanh":"001090012345"}]}`
	for _, tok := range []string{"", "sai"} {
		if code, out := post(tok, batch); code != 401 || out["error_code"] != "401" {
			t.Fatalf("token %q: %d %v", tok, code, out)
		}
	}
	code, out := post(token, batch)
	rows, _ := out["result"].([]any)
	if code != 200 || out["error_code"] != "01" || len(rows) != 2 {
		t.Fatalf("batch: %d %v", code, out)
	}
	first, second := rows[0].(map[string]any), rows[1].(map[string]any)
	if first["error_code"] != "00" || !strings.HasPrefix(first["MaHoSoMotCua"].(string), apitest.DeskAgencyCode+"-") ||
		second["error_code"] != "05" || !strings.Contains(second["message"].(string), "9.999999") {
		t.Fatalf("rows %v", rows)
	}
	if code, out := post(token, `{"data": 5}`); code != 400 || out["error_code"] != "05" {
		t.Fatalf("malformed: %d %v", code, out)
	}
	// Off without the token.
	a.Config.DVCQG.InboundToken = ""
	off := http.NewServeMux()
	a.registerDVCQG(off)
	if _, pattern := off.Handler(httptest.NewRequest("POST", InboundPath, nil)); pattern != "" {
		t.Fatalf("mounted without a token: %q", pattern)
	}
	bad := cfg
	bad.InboundToken = "ngan"
	if err := bad.validate(); err == nil {
		t.Fatal("a short token was accepted")
	}
}
