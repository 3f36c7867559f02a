package dvcqg_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// vn is a moment in Vietnam time.
func vn(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, locale.VN)
}

// sampleDossier is a business household registration received at the
// commune desk, with a supplement that moved its appointment.
func sampleDossier(code string, status int) dvcqg.DossierSync {
	return dvcqg.DossierSync{
		MaHoSo: code, MaTTHC: "1.001612", SoBienNhan: "15/TNHS", ChuHoSo: "Nguyễn Thị Hoà",
		LoaiDoiTuong: dvcqg.ApplicantCitizen, MaDoiTuong: "DVCQG-88123", SoDienThoai: "0912345678",
		Email: "hoa.nguyen@example.vn", TrichYeuHoSo: "Đăng ký thành lập hộ kinh doanh tạp hoá Hoà Bình",
		NgayTiepNhan: vn(2026, 12, 7, 15, 20), NgayHenTra: vn(2026, 12, 11, 17, 0), TrangThaiHoSo: status,
		HinhThuc: dvcqg.DeliveryPostal, DonViXuLy: "UBND xã Bắc Hà",
		TaiLieuNop: []dvcqg.SubmittedFile{{TepDinhKemId: "f-1", TenTepDinhKem: "giay-de-nghi.pdf", MaThanhPhanHoSo: "TP1",
			DuongDanTaiTepTin: "https://dvc.example.gov.vn/files/f-1"}},
		DanhSachLePhi: []dvcqg.Fee{{TenPhiLePhi: "Lệ phí đăng ký hộ kinh doanh", MaPhiLePhi: "LP01", HinhThucThu: 2, Gia: 100000, LoaiPhiLePhi: 2}},
		DanhSachHoSoBoSung: []dvcqg.Supplement{{HoSoBoSungId: "BS1", NguoiYeuCauBoSung: "Trần Văn Đức",
			NoiDungBoSung: "Bổ sung bản sao hợp đồng thuê địa điểm", NgayBoSung: vn(2026, 12, 8, 9, 0),
			NgayTiepNhanBoSung: vn(2026, 12, 9, 10, 30), TrangThaiBoSung: 1, DanhSachGiayToBoSung: []string{"Hợp đồng thuê"},
			NgayHenTraTruoc: vn(2026, 12, 11, 17, 0), NgayHenTraMoi: vn(2026, 12, 14, 10, 30)}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("%s differs from the golden file:\n%s", name, buf.String())
	}
}

// The pushed dossier and progress row carry the portal's field names,
// every value a string, moments as yyyyMMddHHmmss in Vietnam time (a
// moment given in UTC too), empty lists as [].
func TestPayloadGolden(t *testing.T) {
	d := sampleDossier("H15.01.01-261207-0015", dvcqg.StatusProcessing)
	d.NgayTiepNhan = d.NgayTiepNhan.UTC() // 08:20 UTC is 15:20 in Vietnam
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "dossier.golden.json", b)

	b, err = json.Marshal(dvcqg.DossierSync{MaHoSo: "H15.01.01-261207-0016", MaTTHC: "1.001193", ChuHoSo: "Lê Văn An",
		LoaiDoiTuong: dvcqg.ApplicantCitizen, TrangThaiHoSo: dvcqg.StatusNew})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "dossier-minimal.golden.json", b)

	b, err = json.Marshal([]dvcqg.Progress{{MaHoSo: "H15.01.01-261207-0015", NguoiXuLy: "Trần Văn Đức", ChucDanh: "Công chức một cửa",
		ThoiDiemXuLy: vn(2026, 12, 7, 15, 20), PhongBanXuLy: "Bộ phận Một cửa xã Bắc Hà", NoiDungXuLy: "Tiếp nhận hồ sơ",
		TrangThai: dvcqg.StatusReceived, NgayBatDau: vn(2026, 12, 8, 7, 30), NgayKetThucTheoQuyDinh: vn(2026, 12, 8, 11, 30)},
		{NguoiXuLy: "Phạm Thị Lan", ThoiDiemXuLy: vn(2026, 12, 8, 10, 0), NoiDungXuLy: "Chuyển xử lý", TrangThai: dvcqg.StatusProcessing}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "progress.golden.json", b)
}

func TestTimeFormat(t *testing.T) {
	if got := dvcqg.FormatTime(time.Date(2026, 12, 31, 17, 30, 5, 0, time.UTC)); got != "20270101003005" {
		t.Fatalf("31/12/2026 17:30:05 UTC = %s, want 20270101003005 (Vietnam time)", got)
	}
	if got := dvcqg.FormatTime(time.Time{}); got != "" {
		t.Fatalf("zero time = %q", got)
	}
	back, err := dvcqg.ParseTime("20270101003005")
	if err != nil || !back.Equal(time.Date(2026, 12, 31, 17, 30, 5, 0, time.UTC)) {
		t.Fatalf("ParseTime = %v, %v", back, err)
	}
	if _, err := dvcqg.ParseTime("2027-01-01"); err == nil {
		t.Fatal("a date in another format parsed")
	}
}

// Validate refuses what the portal would refuse, naming the field.
func TestDossierValidate(t *testing.T) {
	if err := sampleDossier("H15.01.01-261207-0015", 4).Validate(); err != nil {
		t.Fatal(err)
	}
	for field, mut := range map[string]func(d *dvcqg.DossierSync){
		"MaHoSo":        func(d *dvcqg.DossierSync) { d.MaHoSo = "HS-1" },
		"MaTTHC":        func(d *dvcqg.DossierSync) { d.MaTTHC = "khai sinh" },
		"TrangThaiHoSo": func(d *dvcqg.DossierSync) { d.TrangThaiHoSo = 11 },
		"LoaiDoiTuong":  func(d *dvcqg.DossierSync) { d.LoaiDoiTuong = 0 },
		"HinhThuc":      func(d *dvcqg.DossierSync) { d.HinhThuc = 3 },
		"ChuHoSo":       func(d *dvcqg.DossierSync) { d.ChuHoSo = "" },
		"NgayTiepNhan":  func(d *dvcqg.DossierSync) { d.NgayTiepNhan = time.Time{} },
	} {
		d := sampleDossier("H15.01.01-261207-0015", 4)
		mut(&d)
		err := d.Validate()
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("("+field+")")) {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// The request the portal receives: the session, madonvi, service,
// isUpdating and the dossier list, exactly.
func TestRequestGolden(t *testing.T) {
	p := newFakePortal(t)
	c := p.client(t)
	d, err := json.Marshal(sampleDossier("H15.01.01-261207-0015", dvcqg.StatusReceived))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SyncDossier(t.Context(), false, d); err != nil {
		t.Fatal(err)
	}
	row, _ := json.Marshal(dvcqg.Progress{MaHoSo: "H15.01.01-261207-0015", NguoiXuLy: "Trần Văn Đức", ThoiDiemXuLy: vn(2026, 12, 7, 15, 20),
		NoiDungXuLy: "Tiếp nhận hồ sơ", TrangThai: dvcqg.StatusReceived})
	if err := c.UpdateProgress(t.Context(), row); err != nil {
		t.Fatal(err)
	}
	p.read(func(p *fakePortal) {
		golden(t, "request-sync.golden.json", p.bodies[0])
		golden(t, "request-progress.golden.json", p.bodies[1])
	})
}
