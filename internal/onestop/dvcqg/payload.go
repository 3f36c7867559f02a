// Package dvcqg is the adapter to the National Public Service Portal (Cổng
// Dịch vụ công quốc gia, DVCQG). Since 2025 most online dossiers arrive
// through the portal and the provincial system is its back office
// (Decree 118/2025/NĐ-CP; data exchange under Circular 04/2025/TT-VPCP):
// the adapter pushes each dossier's status (service DongBoHoSoMC) and its
// progress rows (CapNhatTienDoHoSoMC) to the portal, reads the portal's
// procedure catalogue (LayDanhSachTTHC, LayThuTuc), and maps dossiers
// submitted on the portal into the platform's own submission (Receive).
//
// The wire format is the one the portal's integration adapters have used
// since 2020 (the VietOpenCPS one-stop platform's DVCQG integration): a
// session from POST {base}{auth endpoint} {username, password} with the
// header dstcode, then calls POST {base}{integration endpoint} {session,
// madonvi, service, data[, isUpdating]}; dates are yyyyMMddHHmmss in
// Vietnam time; error_code "00" (or 0) is success. The portal publishes
// no list of its error codes: Classify holds this adapter's reading of
// them and may be replaced.
//
// Pushes are jobs (internal/jobs): Service.Enqueue writes one in the
// caller's transaction, the handler sends it, and a portal outage only
// delays it (retries with back-off); a permanent refusal fails the job for
// /admin/jobs.
package dvcqg

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// TimeLayout is the portal's date-time format, read and written in
// Vietnam time.
const TimeLayout = "20060102150405"

// FormatTime writes t as the portal does: yyyyMMddHHmmss in Vietnam time,
// "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(locale.VN).Format(TimeLayout)
}

// ParseTime reads the portal's yyyyMMddHHmmss in Vietnam time; "" is the
// zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(TimeLayout, s, locale.VN)
}

// The dossier statuses of DongBoHoSoMC (TrangThaiHoSo), as the national
// portal numbers them.
const (
	StatusNew          = 1  // Mới đăng ký
	StatusReceived     = 2  // Được tiếp nhận
	StatusRefused      = 3  // Không được tiếp nhận
	StatusProcessing   = 4  // Đang xử lý
	StatusSupplement   = 5  // Yêu cầu bổ sung giấy tờ
	StatusFinancial    = 6  // Yêu cầu thực hiện nghĩa vụ tài chính
	StatusWithdrawn    = 7  // Công dân yêu cầu rút hồ sơ
	StatusStopped      = 8  // Dừng xử lý
	StatusProcessed    = 9  // Đã xử lý xong
	StatusResultReturn = 10 // Đã trả kết quả
)

// LoaiDoiTuong: who the applicant is.
const (
	ApplicantCitizen  = 1 // công dân
	ApplicantBusiness = 2 // doanh nghiệp, tổ chức
)

// HinhThuc: how the result goes back to the applicant, as the portal's
// adapters fill it (0 at the desk or online, 1 through the public postal
// service).
const (
	DeliveryDesk   = 0
	DeliveryPostal = 1
)

// DossierSync is one dossier as DongBoHoSoMC sends it. Field names are the
// portal's; moments are time.Time and become yyyyMMddHHmmss (Vietnam time)
// on marshalling, the zero time an empty string.
type DossierSync struct {
	MaHoSo          string // dossier code (Circular 03/2025/TT-VPCP)
	MaTTHC          string // national procedure code
	SoBienNhan      string // receipt number
	ChuHoSo         string // applicant's name
	LoaiDoiTuong    int    // ApplicantCitizen or ApplicantBusiness
	MaDoiTuong      string // the applicant's identifier at the portal, if known
	ThongTinKhac    string
	SoDienThoai     string
	Email           string
	Fax             string
	TrichYeuHoSo    string // summary of the request
	NgayTiepNhan    time.Time
	NgayHenTra      time.Time // appointment (due) moment
	TrangThaiHoSo   int       // 1–10
	NgayTra         time.Time // result returned
	ThongTinTra     string
	HinhThuc        int // DeliveryDesk or DeliveryPostal
	NgayKetThucXuLy time.Time
	DonViXuLy       string // the agency handling it
	GhiChu          string

	TaiLieuNop           []SubmittedFile
	DanhSachLePhi        []Fee
	DanhSachHoSoBoSung   []Supplement
	DanhSachGiayToKetQua []ResultFile

	// Updating is sent beside the data as isUpdating: false for the
	// dossier's first push, true once the portal has it. Not part of the
	// dossier's fields.
	Updating bool
}

// SubmittedFile is one file of TaiLieuNop.
type SubmittedFile struct {
	TepDinhKemId      string
	TenTepDinhKem     string
	MaThanhPhanHoSo   string // the procedure's component code
	DuongDanTaiTepTin string // URL the portal downloads it from
}

// Fee is one row of DanhSachLePhi, in VND.
type Fee struct {
	TenPhiLePhi  string
	MaPhiLePhi   string
	HinhThucThu  int   // 1 cash, 2 online, 3 transfer (the portal's code)
	Gia          int64 // VND
	LoaiPhiLePhi int   // 1 fee (phí), 2 charge (lệ phí)
}

// Supplement is one supplement request (DanhSachHoSoBoSung), with the
// appointment before and after it.
type Supplement struct {
	HoSoBoSungId         string
	NguoiYeuCauBoSung    string
	NoiDungBoSung        string
	NgayBoSung           time.Time // requested
	NguoiTiepNhanBoSung  string
	ThongTinTiepNhan     string
	NgayTiepNhanBoSung   time.Time // completed dossier received
	TrangThaiBoSung      int       // 0 waiting, 1 received
	DanhSachGiayToBoSung []string  // names of the documents asked for
	NgayHenTraTruoc      time.Time
	NgayHenTraMoi        time.Time
}

// ResultFile is one result document (DanhSachGiayToKetQua).
type ResultFile struct {
	TenGiayTo            string
	GiayToId             string
	DuongDanTepTinKetQua string
}

// Progress is one row of CapNhatTienDoHoSoMC: who did what to the dossier,
// when, and the step's statutory end.
type Progress struct {
	MaHoSo                 string
	NguoiXuLy              string
	ChucDanh               string
	ThoiDiemXuLy           time.Time
	PhongBanXuLy           string
	NoiDungXuLy            string
	TrangThai              int // the dossier's status after the step, 1–10
	NgayBatDau             time.Time
	NgayKetThucTheoQuyDinh time.Time
}

// The wire forms: every value a string, as the portal's adapters send them.

type wireDossier struct {
	MaHoSo               string           `json:"MaHoSo"`
	MaTTHC               string           `json:"MaTTHC"`
	SoBienNhan           string           `json:"SoBienNhan"`
	ChuHoSo              string           `json:"ChuHoSo"`
	LoaiDoiTuong         string           `json:"LoaiDoiTuong"`
	MaDoiTuong           string           `json:"MaDoiTuong"`
	ThongTinKhac         string           `json:"ThongTinKhac"`
	Email                string           `json:"Email"`
	Fax                  string           `json:"Fax"`
	SoDienThoai          string           `json:"SoDienThoai"`
	TrichYeuHoSo         string           `json:"TrichYeuHoSo"`
	NgayTiepNhan         string           `json:"NgayTiepNhan"`
	NgayHenTra           string           `json:"NgayHenTra"`
	TrangThaiHoSo        string           `json:"TrangThaiHoSo"`
	NgayTra              string           `json:"NgayTra"`
	ThongTinTra          string           `json:"ThongTinTra"`
	HinhThuc             string           `json:"HinhThuc"`
	NgayKetThucXuLy      string           `json:"NgayKetThucXuLy"`
	DonViXuLy            string           `json:"DonViXuLy"`
	GhiChu               string           `json:"GhiChu"`
	TaiLieuNop           []wireFile       `json:"TaiLieuNop"`
	DanhSachLePhi        []wireFee        `json:"DanhSachLePhi"`
	DanhSachHoSoBoSung   []wireSupplement `json:"DanhSachHoSoBoSung"`
	DanhSachGiayToKetQua []wireResult     `json:"DanhSachGiayToKetQua"`
}

type wireFile struct {
	TepDinhKemId      string `json:"TepDinhKemId"`
	TenTepDinhKem     string `json:"TenTepDinhKem"`
	IsDeleted         string `json:"IsDeleted"`
	MaThanhPhanHoSo   string `json:"MaThanhPhanHoSo"`
	DuongDanTaiTepTin string `json:"DuongDanTaiTepTin"`
}

type wireFee struct {
	TenPhiLePhi  string `json:"TenPhiLePhi"`
	MaPhiLePhi   string `json:"MaPhiLePhi"`
	HinhThucThu  string `json:"HinhThucThu"`
	Gia          string `json:"Gia"`
	LoaiPhiLePhi string `json:"LoaiPhiLePhi"`
}

type wireSupplement struct {
	HoSoBoSungId         string   `json:"HoSoBoSungId"`
	NguoiYeuCauBoSung    string   `json:"NguoiYeuCauBoSung"`
	NoiDungBoSung        string   `json:"NoiDungBoSung"`
	NgayBoSung           string   `json:"NgayBoSung"`
	NguoiTiepNhanBoSung  string   `json:"NguoiTiepNhanBoSung"`
	ThongTinTiepNhan     string   `json:"ThongTinTiepNhan"`
	NgayTiepNhanBoSung   string   `json:"NgayTiepNhanBoSung"`
	TrangThaiBoSung      string   `json:"TrangThaiBoSung"`
	DanhSachGiayToBoSung []string `json:"DanhSachGiayToBoSung"`
	DanhSachLePhiBoSung  []string `json:"DanhSachLePhiBoSung"`
	NgayHenTraTruoc      string   `json:"NgayHenTraTruoc"`
	NgayHenTraMoi        string   `json:"NgayHenTraMoi"`
}

type wireResult struct {
	TenGiayTo            string `json:"TenGiayTo"`
	GiayToId             string `json:"GiayToId"`
	DuongDanTepTinKetQua string `json:"DuongDanTepTinKetQua"`
}

type wireProgress struct {
	MaHoSo                 string `json:"MaHoSo"`
	NguoiXuLy              string `json:"NguoiXuLy"`
	ChucDanh               string `json:"ChucDanh"`
	ThoiDiemXuLy           string `json:"ThoiDiemXuLy"`
	PhongBanXuLy           string `json:"PhongBanXuLy"`
	NoiDungXuLy            string `json:"NoiDungXuLy"`
	TrangThai              string `json:"TrangThai"`
	NgayBatDau             string `json:"NgayBatDau"`
	NgayKetThucTheoQuyDinh string `json:"NgayKetThucTheoQuyDinh"`
}

func itoa(n int) string { return strconv.Itoa(n) }

// MarshalJSON writes the dossier with the portal's field names and date
// strings; lists are [] rather than null.
func (d DossierSync) MarshalJSON() ([]byte, error) {
	w := wireDossier{
		MaHoSo: d.MaHoSo, MaTTHC: d.MaTTHC, SoBienNhan: d.SoBienNhan, ChuHoSo: d.ChuHoSo,
		LoaiDoiTuong: itoa(d.LoaiDoiTuong), MaDoiTuong: d.MaDoiTuong, ThongTinKhac: d.ThongTinKhac,
		Email: d.Email, Fax: d.Fax, SoDienThoai: d.SoDienThoai, TrichYeuHoSo: d.TrichYeuHoSo,
		NgayTiepNhan: FormatTime(d.NgayTiepNhan), NgayHenTra: FormatTime(d.NgayHenTra),
		TrangThaiHoSo: itoa(d.TrangThaiHoSo), NgayTra: FormatTime(d.NgayTra), ThongTinTra: d.ThongTinTra,
		HinhThuc: itoa(d.HinhThuc), NgayKetThucXuLy: FormatTime(d.NgayKetThucXuLy), DonViXuLy: d.DonViXuLy,
		GhiChu:     d.GhiChu,
		TaiLieuNop: []wireFile{}, DanhSachLePhi: []wireFee{}, DanhSachHoSoBoSung: []wireSupplement{},
		DanhSachGiayToKetQua: []wireResult{},
	}
	for _, f := range d.TaiLieuNop {
		w.TaiLieuNop = append(w.TaiLieuNop, wireFile{TepDinhKemId: f.TepDinhKemId, TenTepDinhKem: f.TenTepDinhKem,
			IsDeleted: "False", MaThanhPhanHoSo: f.MaThanhPhanHoSo, DuongDanTaiTepTin: f.DuongDanTaiTepTin})
	}
	for _, f := range d.DanhSachLePhi {
		w.DanhSachLePhi = append(w.DanhSachLePhi, wireFee{TenPhiLePhi: f.TenPhiLePhi, MaPhiLePhi: f.MaPhiLePhi,
			HinhThucThu: itoa(f.HinhThucThu), Gia: strconv.FormatInt(f.Gia, 10), LoaiPhiLePhi: itoa(f.LoaiPhiLePhi)})
	}
	for _, s := range d.DanhSachHoSoBoSung {
		docs := s.DanhSachGiayToBoSung
		if docs == nil {
			docs = []string{}
		}
		w.DanhSachHoSoBoSung = append(w.DanhSachHoSoBoSung, wireSupplement{HoSoBoSungId: s.HoSoBoSungId,
			NguoiYeuCauBoSung: s.NguoiYeuCauBoSung, NoiDungBoSung: s.NoiDungBoSung, NgayBoSung: FormatTime(s.NgayBoSung),
			NguoiTiepNhanBoSung: s.NguoiTiepNhanBoSung, ThongTinTiepNhan: s.ThongTinTiepNhan,
			NgayTiepNhanBoSung: FormatTime(s.NgayTiepNhanBoSung), TrangThaiBoSung: itoa(s.TrangThaiBoSung),
			DanhSachGiayToBoSung: docs, DanhSachLePhiBoSung: []string{},
			NgayHenTraTruoc: FormatTime(s.NgayHenTraTruoc), NgayHenTraMoi: FormatTime(s.NgayHenTraMoi)})
	}
	for _, r := range d.DanhSachGiayToKetQua {
		w.DanhSachGiayToKetQua = append(w.DanhSachGiayToKetQua, wireResult(r))
	}
	return json.Marshal(w)
}

// MarshalJSON writes the progress row with the portal's date strings.
func (p Progress) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireProgress{MaHoSo: p.MaHoSo, NguoiXuLy: p.NguoiXuLy, ChucDanh: p.ChucDanh,
		ThoiDiemXuLy: FormatTime(p.ThoiDiemXuLy), PhongBanXuLy: p.PhongBanXuLy, NoiDungXuLy: p.NoiDungXuLy,
		TrangThai: itoa(p.TrangThai), NgayBatDau: FormatTime(p.NgayBatDau),
		NgayKetThucTheoQuyDinh: FormatTime(p.NgayKetThucTheoQuyDinh)})
}
