package onestop

import (
	"context"
	"database/sql"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// The default demo's agencies (internal/org/demo.go, Lào Cai; their codes
// are demo codes, not official ones). DemoProceduresOf gives another demo
// province's.
const (
	DemoProvinceCentre = "DEMO.H15.01.01"    // Trung tâm Phục vụ hành chính công tỉnh Lào Cai
	DemoProvince       = "DEMO.H15"          // UBND tỉnh Lào Cai
	DemoJustice        = "DEMO.H15.13"       // Sở Tư pháp
	DemoHomeAffairs    = "DEMO.H15.10"       // Sở Nội vụ
	DemoBacHaCentre    = "DEMO.H15.02839.01" // Trung tâm PVHCC xã Bắc Hà
	DemoBacHa          = "DEMO.H15.02839"    // UBND xã Bắc Hà
	DemoLaoCaiCentre   = "DEMO.H15.02647.01" // Trung tâm PVHCC phường Lào Cai
	DemoLaoCai         = "DEMO.H15.02647"    // UBND phường Lào Cai
	DemoSaPaCentre     = "DEMO.H15.03006.01" // Trung tâm PVHCC phường Sa Pa
	DemoSaPa           = "DEMO.H15.03006"    // UBND phường Sa Pa
)

// demoSteps is the usual chain: the one-stop officer receives and hands
// over, a specialist of the processing agency examines and drafts, its
// leader decides, the one-stop officer returns the result. The hours add
// up to days × 8, or 8 for a same-day procedure.
func demoSteps(days int, processing string) []Step {
	recv, lead, ret := 4, 4, 4
	switch {
	case days <= 1:
		recv, lead, ret = 1, 2, 1
	case days > 5:
		lead = 8
	}
	total := days * HoursPerWorkingDay
	if days == 0 {
		total = HoursPerWorkingDay
	}
	return []Step{
		{Name: "Tiếp nhận, kiểm tra hồ sơ và chuyển xử lý", Role: string(access.OneStopOfficer), Hours: recv},
		{Name: "Thẩm định hồ sơ, dự thảo kết quả", AgencyCode: processing, Role: string(access.Specialist), Hours: total - recv - lead - ret},
		{Name: "Xem xét, ký duyệt kết quả", AgencyCode: processing, Role: string(access.Leader), Hours: lead},
		{Name: "Trả kết quả cho người nộp", Role: string(access.OneStopOfficer), Hours: ret},
	}
}

var (
	sexOptions      = []string{"Nam", "Nữ"}
	declarantFields = []Field{
		{Name: "ho_ten_nguoi_khai", Label: "Họ, chữ đệm, tên người đi đăng ký", Type: FieldText, Required: true},
		{Name: "cccd_nguoi_khai", Label: "Số định danh cá nhân của người đi đăng ký", Type: FieldCCCD, Required: true},
		{Name: "dien_thoai", Label: "Số điện thoại di động", Type: FieldPhone, Required: true},
		{Name: "dia_chi", Label: "Nơi cư trú", Type: FieldAddress, Required: true, Help: "Chọn xã, phường và ghi số nhà, đường, thôn, tổ dân phố"},
	}
	uyQuyen = Component{Code: "van_ban_uy_quyen", Name: "Văn bản ủy quyền (nếu nộp thay)", Required: false}
)

func with(fields ...[]Field) []Field {
	var out []Field
	for _, f := range fields {
		out = append(out, f...)
	}
	return out
}

// DemoProcedures are the demo catalogue: twelve real procedures with their
// national codes, times, fees and components from the national database as
// published for 2025 (Decree 118/2025/NĐ-CP, the two-level local
// government), split between the provincial service centre and the demo
// communes. Codes marked "unconfirmed" were not found in the sources read
// and must be checked against the national procedure database.
func DemoProcedures() []Procedure {
	p, _ := org.LookupDemoProvince(org.DemoProvinceCode)
	return DemoProceduresOf(p)
}

// DemoProceduresOf are the demo catalogue of a demo province: the same
// procedures at its own agencies (the commune procedures at its one-stop
// commune and its two wards, as Xã Bắc Hà, Phường Sa Pa and Phường Lào Cai
// in Lào Cai).
func DemoProceduresOf(p org.DemoProvince) []Procedure {
	oc := "." + p.OnestopCommune()
	var (
		provinceCentre, province, justice = p.AgencyCode(".01.01"), p.AgencyCode(""), p.AgencyCode(".13")
		communeCentre, commune            = p.AgencyCode(oc + ".01"), p.AgencyCode(oc)
		ward1Centre, ward1                = p.AgencyCode("." + p.Communes[0] + ".01"), p.AgencyCode("." + p.Communes[0])
		ward2Centre, ward2                = p.AgencyCode("." + p.Communes[1] + ".01"), p.AgencyCode("." + p.Communes[1])
		ward1Name                         = lowerInitial(p.CommuneNames[0]) // "phường Lào Cai"
	)
	hotich := "Hộ tịch"
	list := []Procedure{
		{
			Code: "1.001193", Name: "Thủ tục đăng ký khai sinh", Field: hotich, Level: LevelCommune, AgencyCode: communeCentre, Days: 0, CutOff: "15:00",
			Fees:       []Fee{{Name: "Lệ phí đăng ký khai sinh đúng hạn", Amount: 0, Note: "Miễn lệ phí (Luật Hộ tịch 2014, Điều 11)"}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai đăng ký khai sinh theo mẫu", Required: true, Form: "Tờ khai đăng ký khai sinh"}, {Code: "giay_chung_sinh", Name: "Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận việc sinh", Required: true}, uyQuyen},
			Fields: with([]Field{
				{Name: "ho_ten_tre", Label: "Họ, chữ đệm, tên của trẻ", Type: FieldText, Required: true},
				{Name: "ngay_sinh", Label: "Ngày, tháng, năm sinh", Type: FieldDate, Required: true},
				{Name: "gioi_tinh", Label: "Giới tính", Type: FieldSelect, Required: true, Options: sexOptions},
				{Name: "noi_sinh", Label: "Nơi sinh", Type: FieldText, Required: true, Help: "Tên cơ sở y tế, hoặc xã, tỉnh nơi trẻ sinh ra"},
				{Name: "dan_toc", Label: "Dân tộc", Type: FieldText, Required: true},
				{Name: "ho_ten_cha", Label: "Họ, chữ đệm, tên người cha", Type: FieldText},
				{Name: "cccd_cha", Label: "Số định danh cá nhân của người cha", Type: FieldCCCD},
				{Name: "ho_ten_me", Label: "Họ, chữ đệm, tên người mẹ", Type: FieldText, Required: true},
				{Name: "cccd_me", Label: "Số định danh cá nhân của người mẹ", Type: FieldCCCD},
				{Name: "quan_he", Label: "Quan hệ của người đi đăng ký với trẻ", Type: FieldSelect, Required: true, Options: []string{"Cha", "Mẹ", "Ông", "Bà", "Người thân thích khác", "Người được ủy quyền"}},
			}, declarantFields),
			Steps:      demoSteps(0, commune),
			ResultType: "Giấy khai sinh (bản chính), trích lục khai sinh nếu yêu cầu",
			LegalBasis: "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Nghị định 63/2024/NĐ-CP (liên thông khai sinh, thường trú, thẻ BHYT; tiếp nhận sau 15 giờ tính từ ngày làm việc tiếp theo)",
			Online:     true, Active: true,
		},
		{
			Code: "1.000894", Name: "Thủ tục đăng ký kết hôn", Field: hotich, Level: LevelCommune, AgencyCode: communeCentre, Days: 0, CutOff: "15:00",
			Fees:       []Fee{{Name: "Lệ phí đăng ký kết hôn", Amount: 0, Note: "Miễn lệ phí; nếu cần xác minh thì không quá 05 ngày làm việc"}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai đăng ký kết hôn theo mẫu", Required: true, Form: "Tờ khai đăng ký kết hôn"}, {Code: "xac_nhan_hon_nhan", Name: "Giấy xác nhận tình trạng hôn nhân (nếu đăng ký ở nơi không thường trú)", Required: false}},
			Fields: with([]Field{
				{Name: "ho_ten_chong", Label: "Họ, chữ đệm, tên bên nam", Type: FieldText, Required: true},
				{Name: "ngay_sinh_chong", Label: "Ngày sinh bên nam", Type: FieldDate, Required: true},
				{Name: "cccd_chong", Label: "Số định danh cá nhân bên nam", Type: FieldCCCD, Required: true},
				{Name: "ho_ten_vo", Label: "Họ, chữ đệm, tên bên nữ", Type: FieldText, Required: true},
				{Name: "ngay_sinh_vo", Label: "Ngày sinh bên nữ", Type: FieldDate, Required: true},
				{Name: "cccd_vo", Label: "Số định danh cá nhân bên nữ", Type: FieldCCCD, Required: true},
			}, declarantFields[2:]),
			Steps:      demoSteps(0, commune),
			ResultType: "Giấy chứng nhận kết hôn",
			LegalBasis: "Luật Hôn nhân và gia đình 2014; Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
			Online:     true, Active: true,
		},
		{
			Code: "1.000656", Name: "Thủ tục đăng ký khai tử", Field: hotich, Level: LevelCommune, AgencyCode: communeCentre, Days: 0, CutOff: "15:00",
			Fees:       []Fee{{Name: "Lệ phí đăng ký khai tử đúng hạn", Amount: 0, Note: "Miễn lệ phí"}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai đăng ký khai tử theo mẫu", Required: true, Form: "Tờ khai đăng ký khai tử"}, {Code: "giay_bao_tu", Name: "Giấy báo tử hoặc giấy tờ thay thế giấy báo tử", Required: true}, uyQuyen},
			Fields: with([]Field{
				{Name: "ho_ten_nguoi_chet", Label: "Họ, chữ đệm, tên người đã chết", Type: FieldText, Required: true},
				{Name: "cccd_nguoi_chet", Label: "Số định danh cá nhân của người đã chết", Type: FieldCCCD},
				{Name: "ngay_chet", Label: "Ngày chết", Type: FieldDate, Required: true},
				{Name: "noi_chet", Label: "Nơi chết", Type: FieldText, Required: true},
				{Name: "quan_he", Label: "Quan hệ với người đã chết", Type: FieldText, Required: true},
			}, declarantFields),
			Steps:      demoSteps(0, commune),
			ResultType: "Trích lục khai tử (bản chính)",
			LegalBasis: "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
			Online:     true, Active: true,
		},
		{
			Code: "1.001612", Name: "Đăng ký thành lập hộ kinh doanh", Field: "Thành lập và hoạt động của hộ kinh doanh", Level: LevelCommune, AgencyCode: communeCentre, Days: 3,
			Fees: []Fee{{Name: "Lệ phí đăng ký hộ kinh doanh", Amount: 100000, Note: "Mức do Hội đồng nhân dân tỉnh quy định"}},
			Components: []Component{{Code: "giay_de_nghi", Name: "Giấy đề nghị đăng ký hộ kinh doanh", Required: true, Form: "Giấy đề nghị đăng ký hộ kinh doanh"},
				{Code: "bien_ban_hop", Name: "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh (nếu các thành viên cùng đăng ký)", Required: false},
				{Code: "uy_quyen_thanh_vien", Name: "Văn bản ủy quyền của thành viên hộ gia đình cho một thành viên làm chủ hộ kinh doanh", Required: false}},
			Fields: with([]Field{
				{Name: "ten_ho_kinh_doanh", Label: "Tên hộ kinh doanh", Type: FieldText, Required: true},
				{Name: "nganh_nghe", Label: "Ngành, nghề kinh doanh", Type: FieldText, Required: true},
				{Name: "von_kinh_doanh", Label: "Vốn kinh doanh (đồng)", Type: FieldNumber, Required: true},
				{Name: "so_lao_dong", Label: "Số lao động", Type: FieldNumber},
				{Name: "dia_diem", Label: "Địa điểm kinh doanh", Type: FieldAddress, Required: true},
				{Name: "ma_so_thue", Label: "Mã số thuế cá nhân của chủ hộ (nếu có)", Type: FieldTaxCode},
			}, declarantFields),
			Steps:      demoSteps(3, commune),
			ResultType: "Giấy chứng nhận đăng ký hộ kinh doanh",
			LegalBasis: "Nghị định 168/2025/NĐ-CP về đăng ký doanh nghiệp (hộ kinh doanh đăng ký tại cấp xã). Mã thủ tục trước năm 2025, chưa xác nhận lại",
			Online:     true, Active: true,
		},
		{
			Code: "1.009794", Name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", Field: "Hoạt động xây dựng", Level: LevelCommune, AgencyCode: communeCentre, Days: 15,
			Fees: []Fee{{Name: "Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ", Amount: 75000, Note: "Mức do Hội đồng nhân dân tỉnh quy định"}},
			Components: []Component{{Code: "don_de_nghi", Name: "Đơn đề nghị cấp giấy phép xây dựng theo mẫu", Required: true, Form: "Đơn đề nghị cấp giấy phép xây dựng"},
				{Code: "giay_to_dat", Name: "Bản sao giấy tờ chứng minh quyền sử dụng đất", Required: true, Copies: 2},
				{Code: "ban_ve", Name: "Hai bộ bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng)", Required: true, Copies: 2}},
			Fields: with([]Field{
				{Name: "dia_diem_xay_dung", Label: "Địa điểm xây dựng", Type: FieldAddress, Required: true},
				{Name: "so_thua", Label: "Số thửa đất, tờ bản đồ", Type: FieldText, Required: true},
				{Name: "dien_tich_xay_dung", Label: "Diện tích xây dựng tầng 1 (m²)", Type: FieldNumber, Required: true},
				{Name: "so_tang", Label: "Số tầng", Type: FieldNumber, Required: true},
			}, declarantFields),
			Steps:      demoSteps(15, commune),
			ResultType: "Giấy phép xây dựng",
			LegalBasis: "Luật Xây dựng 2014, sửa đổi 2020; Nghị định 175/2024/NĐ-CP. Mã thủ tục chưa xác nhận",
			Online:     true, Active: true,
		},
		{
			Code: "2.000815", Name: "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản", Field: "Chứng thực", Level: LevelCommune, AgencyCode: communeCentre, Days: 0, CutOff: "15:00",
			Fees: []Fee{{Name: "Phí chứng thực bản sao từ bản chính (trang thứ nhất và thứ hai)", Amount: 2000, Note: "mỗi trang"},
				{Name: "Phí chứng thực bản sao từ bản chính (từ trang thứ ba)", Amount: 1000, Note: "mỗi trang, tối đa 200.000 đồng/bản"}},
			Components: []Component{{Code: "ban_chinh", Name: "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao", Required: true}, {Code: "ban_sao", Name: "Bản sao cần chứng thực", Required: true}},
			Fields: with([]Field{
				{Name: "ten_giay_to", Label: "Tên giấy tờ cần chứng thực", Type: FieldText, Required: true},
				{Name: "so_ban", Label: "Số bản sao", Type: FieldNumber, Required: true},
				{Name: "so_trang", Label: "Số trang mỗi bản", Type: FieldNumber, Required: true},
			}, declarantFields[1:3]),
			Steps:      demoSteps(0, commune),
			ResultType: "Bản sao được chứng thực từ bản chính",
			LegalBasis: "Nghị định 23/2015/NĐ-CP, sửa đổi bởi Nghị định 280/2025/NĐ-CP; Thông tư 226/2016/TT-BTC. Tiếp nhận sau 15 giờ trả trong ngày làm việc tiếp theo; có thể gia hạn không quá 02 ngày làm việc",
			Online:     false, Active: true,
		},
		{
			Code: "2.000884", Name: "Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản", Field: "Chứng thực", Level: LevelCommune, AgencyCode: communeCentre, Days: 0, CutOff: "15:00",
			Fees:       []Fee{{Name: "Phí chứng thực chữ ký", Amount: 10000, Note: "mỗi trường hợp"}},
			Components: []Component{{Code: "giay_to_tuy_than", Name: "Giấy tờ tùy thân còn giá trị sử dụng", Required: true}, {Code: "van_ban", Name: "Giấy tờ, văn bản sẽ ký", Required: true}},
			Fields:     with([]Field{{Name: "ten_van_ban", Label: "Tên giấy tờ, văn bản cần chứng thực chữ ký", Type: FieldText, Required: true}}, declarantFields[:3]),
			Steps:      demoSteps(0, commune), ResultType: "Giấy tờ, văn bản được chứng thực chữ ký",
			LegalBasis: "Nghị định 23/2015/NĐ-CP; Thông tư 226/2016/TT-BTC",
			Online:     false, Active: true,
		},
		{
			Code: "1.004222", Name: "Đăng ký thường trú", Field: "Đăng ký, quản lý cư trú", Level: LevelCommune, AgencyCode: ward2Centre, Days: 7,
			Fees: []Fee{{Name: "Lệ phí đăng ký cư trú (nộp trực tiếp)", Amount: 20000, Note: "mỗi lần đăng ký"}, {Name: "Lệ phí đăng ký cư trú (nộp trực tuyến)", Amount: 10000, Note: "mỗi lần đăng ký"}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai thay đổi thông tin cư trú (CT01)", Required: true, Form: "CT01"},
				{Code: "cho_o_hop_phap", Name: "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", Required: true},
				{Code: "quan_he_nhan_than", Name: "Giấy tờ chứng minh quan hệ nhân thân (nếu nhập hộ khẩu vào chỗ ở của người thân)", Required: false}},
			Fields: with([]Field{
				{Name: "dia_chi_thuong_tru", Label: "Địa chỉ đăng ký thường trú", Type: FieldAddress, Required: true},
				{Name: "ho_ten_chu_ho", Label: "Họ, chữ đệm, tên chủ hộ", Type: FieldText, Required: true},
				{Name: "quan_he_chu_ho", Label: "Quan hệ với chủ hộ", Type: FieldText, Required: true},
			}, declarantFields[:3]),
			Steps:      demoSteps(7, ward2),
			ResultType: "Thông báo kết quả đăng ký thường trú (cập nhật Cơ sở dữ liệu về cư trú)",
			LegalBasis: "Luật Cư trú 2020; Nghị định 154/2024/NĐ-CP; Thông tư 75/2022/TT-BTC (lệ phí)",
			Online:     true, Active: true,
		},
		{
			Code: "1.004194", Name: "Đăng ký tạm trú", Field: "Đăng ký, quản lý cư trú", Level: LevelCommune, AgencyCode: ward2Centre, Days: 3,
			Fees: []Fee{{Name: "Lệ phí đăng ký tạm trú (nộp trực tiếp)", Amount: 15000}, {Name: "Lệ phí đăng ký tạm trú (nộp trực tuyến)", Amount: 7000}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai thay đổi thông tin cư trú (CT01)", Required: true, Form: "CT01"},
				{Code: "cho_o_hop_phap", Name: "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", Required: true}},
			Fields: with([]Field{
				{Name: "dia_chi_tam_tru", Label: "Địa chỉ đăng ký tạm trú", Type: FieldAddress, Required: true},
				{Name: "thoi_han", Label: "Thời hạn tạm trú", Type: FieldSelect, Required: true, Options: []string{"6 tháng", "1 năm", "2 năm"}},
			}, declarantFields[:3]),
			Steps:      demoSteps(3, ward2),
			ResultType: "Thông báo kết quả đăng ký tạm trú",
			LegalBasis: "Luật Cư trú 2020; Nghị định 154/2024/NĐ-CP; Thông tư 75/2022/TT-BTC",
			Online:     true, Active: true,
		},
		{
			Code: "1.001776", Name: "Trợ cấp xã hội hàng tháng đối với đối tượng bảo trợ xã hội", Field: "Bảo trợ xã hội", Level: LevelCommune, AgencyCode: ward1Centre, Days: 7,
			Fees:       []Fee{{Name: "Không thu phí", Amount: 0}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai đề nghị trợ giúp xã hội theo mẫu", Required: true, Form: "Mẫu số 1a–1g"}, {Code: "giay_to_lien_quan", Name: "Giấy tờ chứng minh thuộc đối tượng (giấy xác nhận khuyết tật, …)", Required: false}},
			Fields: with([]Field{
				{Name: "ho_ten_doi_tuong", Label: "Họ, chữ đệm, tên người được trợ cấp", Type: FieldText, Required: true},
				{Name: "ngay_sinh", Label: "Ngày sinh", Type: FieldDate, Required: true},
				{Name: "cccd_doi_tuong", Label: "Số định danh cá nhân người được trợ cấp", Type: FieldCCCD, Required: true},
				{Name: "nhom_doi_tuong", Label: "Nhóm đối tượng", Type: FieldSelect, Required: true, Options: []string{"Trẻ em không có nguồn nuôi dưỡng", "Người cao tuổi", "Người khuyết tật", "Người đơn thân nghèo đang nuôi con", "Người nhiễm HIV/AIDS thuộc hộ nghèo"}},
			}, declarantFields),
			Steps:      demoSteps(7, ward1),
			ResultType: "Quyết định trợ cấp xã hội hàng tháng của Chủ tịch UBND cấp xã",
			LegalBasis: "Nghị định 20/2021/NĐ-CP; Nghị định 76/2024/NĐ-CP",
			Online:     true, Active: true,
		},
		{
			Code: "2.000815." + ward1Centre, Name: "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản (" + ward1Name + ")", Field: "Chứng thực", Level: LevelCommune, AgencyCode: ward1Centre, Days: 0, CutOff: "15:00",
			Fees: []Fee{{Name: "Phí chứng thực bản sao từ bản chính (trang thứ nhất và thứ hai)", Amount: 2000, Note: "mỗi trang"},
				{Name: "Phí chứng thực bản sao từ bản chính (từ trang thứ ba)", Amount: 1000, Note: "mỗi trang, tối đa 200.000 đồng/bản"}},
			Components: []Component{{Code: "ban_chinh", Name: "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao", Required: true}, {Code: "ban_sao", Name: "Bản sao cần chứng thực", Required: true}},
			Fields:     with([]Field{{Name: "ten_giay_to", Label: "Tên giấy tờ cần chứng thực", Type: FieldText, Required: true}, {Name: "so_ban", Label: "Số bản sao", Type: FieldNumber, Required: true}}, declarantFields[1:3]),
			Steps:      demoSteps(0, ward1),
			ResultType: "Bản sao được chứng thực từ bản chính",
			LegalBasis: "Nghị định 23/2015/NĐ-CP, sửa đổi bởi Nghị định 280/2025/NĐ-CP (thủ tục 2.000815 do " + ward1Name + " công bố)",
			Online:     false, Active: true,
		},
		{
			// Since 2025 the judicial record is issued by the provincial
			// police; the demo has no police agency, so the Department of
			// Justice stands in for the processing steps.
			Code: "3.000333", Name: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam", Field: "Lý lịch tư pháp", Level: LevelProvince, AgencyCode: provinceCentre, Days: 10,
			Fees: []Fee{{Name: "Phí cung cấp thông tin lý lịch tư pháp", Amount: 200000, Note: "100.000 đồng đối với sinh viên, người có công, thân nhân liệt sĩ, người thuộc hộ cận nghèo"}},
			Components: []Component{{Code: "to_khai", Name: "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp theo mẫu", Required: true, Form: "Mẫu số 03/2013/TT-LLTP"},
				{Code: "giay_to_tuy_than", Name: "Bản chụp giấy tờ tùy thân (thẻ căn cước, hộ chiếu)", Required: true}},
			Fields: with([]Field{
				{Name: "ho_ten", Label: "Họ, chữ đệm, tên người được cấp phiếu", Type: FieldText, Required: true},
				{Name: "ngay_sinh", Label: "Ngày sinh", Type: FieldDate, Required: true},
				{Name: "loai_phieu", Label: "Loại phiếu", Type: FieldSelect, Required: true, Options: []string{"Phiếu số 1", "Phiếu số 2"}},
				{Name: "so_ban", Label: "Số bản phiếu yêu cầu", Type: FieldNumber, Required: true},
				{Name: "muc_dich", Label: "Mục đích sử dụng", Type: FieldText},
			}, declarantFields),
			Steps:      demoSteps(10, justice),
			ResultType: "Phiếu lý lịch tư pháp",
			LegalBasis: "Luật Lý lịch tư pháp 2009; Thông tư 244/2016/TT-BTC (phí). Tối đa 15 ngày nếu phải xác minh. Mã thủ tục chưa xác nhận",
			Online:     true, Active: true,
		},
		{
			Code: "1.004227", Name: "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng, thừa kế, tặng cho", Field: "Đất đai", Level: LevelProvince, AgencyCode: provinceCentre, Days: 8,
			Fees: []Fee{{Name: "Lệ phí trước bạ", Amount: 0, Note: "0,5% giá trị quyền sử dụng đất, nộp theo thông báo của cơ quan thuế"},
				{Name: "Lệ phí cấp Giấy chứng nhận", Amount: 0, Note: "Mức do Hội đồng nhân dân tỉnh quy định"}},
			Components: []Component{{Code: "don_dang_ky", Name: "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất (Mẫu số 11/ĐK)", Required: true, Form: "Mẫu số 11/ĐK"},
				{Code: "hop_dong", Name: "Hợp đồng, văn bản chuyển nhượng, tặng cho hoặc văn bản thừa kế đã công chứng, chứng thực", Required: true},
				{Code: "giay_chung_nhan", Name: "Bản gốc Giấy chứng nhận đã cấp", Required: true}},
			Fields: with([]Field{
				{Name: "loai_bien_dong", Label: "Loại biến động", Type: FieldSelect, Required: true, Options: []string{"Chuyển nhượng", "Thừa kế", "Tặng cho"}},
				{Name: "so_giay_chung_nhan", Label: "Số phát hành Giấy chứng nhận", Type: FieldText, Required: true},
				{Name: "vi_tri_thua_dat", Label: "Vị trí thửa đất", Type: FieldAddress, Required: true},
				{Name: "dien_tich", Label: "Diện tích (m²)", Type: FieldNumber, Required: true},
			}, declarantFields),
			Steps:      demoSteps(8, ""),
			ResultType: "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất (cấp mới hoặc xác nhận thay đổi)",
			LegalBasis: "Luật Đất đai 2024; Nghị định 151/2025/NĐ-CP, Phụ lục I Phần V (không quá 08 ngày làm việc). Mã thủ tục chưa xác nhận",
			Online:     true, Active: true,
		},
	}
	// The land registration's leader is the province's (UBND tỉnh stands
	// in for the land registration office in the demo).
	for i := range list {
		if list[i].Code == "1.004227" {
			list[i].Steps[2].AgencyCode = province
		}
	}
	return list
}

// lowerInitial writes "Phường Lào Cai" as "phường Lào Cai" inside a sentence.
func lowerInitial(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// SeedDemo stores the demo procedures of the catalogue's province (its
// CatalogueOptions.Province, a demo province; "" is Lào Cai) that are not
// in the catalogue yet (a procedure already there, edited or not, is left alone), as the
// system, in one transaction with their audit entries. It returns how
// many it stored; a second call stores none.
func (c *Catalogue) SeedDemo(ctx context.Context) (int, error) {
	sys := actor.SystemActor("onestop.demo")
	var todo []Procedure
	spec, err := org.LookupDemoProvince(c.opts.Province)
	if err != nil {
		return 0, err
	}
	for _, p := range DemoProceduresOf(spec) {
		q, agency, err := c.check(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("demo procedure %s: %w", p.Code, err)
		}
		if err := access.Authorize(ctx, sys, access.OnestopProcedureManage, procResource(q.Code, agency)); err != nil {
			return 0, err
		}
		todo = append(todo, q)
	}
	n := 0
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, p := range todo {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM onestop_procedures WHERE code = $1", p.Code).Scan(&one)
			if err == nil {
				continue
			}
			if err != sql.ErrNoRows {
				return err
			}
			if _, err := c.save(ctx, tx, sys, p, "onestop.procedure.demo"); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
