package dvcqg_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

// A birth registration submitted on the portal, as it sends it: numbers
// as strings or numbers, names in decomposed Unicode (NFD).
const inboundBirth = `{"data":[{
	"MaHoSo": "G22.99-261207-000123",
	"MaTTHC": "1.001193",
	"ChuHoSo": "Nguye\u0302\u0303n Va\u0306n Bi\u0300nh",
	"LoaiDoiTuong": 1,
	"MaDoiTuong": "DVCQG-5521",
	"SoDinhDanh": "001 090 012 345",
	"DiaChi": "Thôn 3, xã Bắc Hà",
	"SoDienThoai": "+84 912 345 678",
	"Email": "binh@example.vn",
	"TrichYeuHoSo": "Đăng ký khai sinh cho con",
	"NgayNopHoSo": "20261207091500",
	"HinhThuc": "1",
	"DuLieuBieuMau": {"ten_tre": "Nguyễn Minh An", "ngay_sinh": "01/12/2026"},
	"TaiLieuNop": [{"TepDinhKemId": "t-9", "TenTepDinhKem": "giay-chung-sinh.pdf", "MaThanhPhanHoSo": "GCS",
		"DuongDanTaiTepTin": "https://dichvucong.gov.vn/files/t-9"}]
}]}`

func TestReceiveMapsThePortalDossier(t *testing.T) {
	batch, err := dvcqg.ParseInbound(strings.NewReader(inboundBirth))
	if err != nil || len(batch) != 1 {
		t.Fatalf("parse: %v, %d dossiers", err, len(batch))
	}
	s, err := dvcqg.Receive(batch[0], now)
	if err != nil {
		t.Fatal(err)
	}
	want := dvcqg.Submission{
		PortalCode: "G22.99-261207-000123", ProcedureCode: "1.001193",
		Applicant: dvcqg.Applicant{Kind: dvcqg.KindCitizen, Name: "Nguyễn Văn Bình", IDNumber: "001090012345", PortalID: "DVCQG-5521",
			Address: "Thôn 3, xã Bắc Hà", Phone: "0912345678", Email: "binh@example.vn"},
		Summary: "Đăng ký khai sinh cho con", SubmittedAt: vn(2026, 12, 7, 9, 15), PostalDelivery: true,
		Fields: map[string]string{"ten_tre": "Nguyễn Minh An", "ngay_sinh": "01/12/2026"},
		Files:  []dvcqg.File{{ComponentCode: "GCS", Name: "giay-chung-sinh.pdf", URL: "https://dichvucong.gov.vn/files/t-9", PortalID: "t-9"}},
	}
	if !s.SubmittedAt.Equal(want.SubmittedAt) {
		t.Fatalf("submitted at %v, want %v", s.SubmittedAt, want.SubmittedAt)
	}
	s.SubmittedAt = want.SubmittedAt
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got  %+v\nwant %+v", s, want)
	}
	// A business, by its tax code.
	in := batch[0]
	in.LoaiDoiTuong = "2"
	in.SoDinhDanh = "0100109106"
	if s, err := dvcqg.Receive(in, now); err != nil || s.Applicant.Kind != dvcqg.KindBusiness || s.Applicant.IDNumber != "0100109106" {
		t.Fatalf("business: %+v, %v", s.Applicant, err)
	}
}

// Bad input is refused whole with a Vietnamese message naming the
// portal's field.
func TestReceiveRefusesBadInput(t *testing.T) {
	base, err := dvcqg.ParseInbound(strings.NewReader(inboundBirth))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		mut   func(in *dvcqg.Inbound)
	}{
		{"MaHoSo", func(in *dvcqg.Inbound) { in.MaHoSo = "" }},
		{"MaTTHC", func(in *dvcqg.Inbound) { in.MaTTHC = "khai-sinh" }},
		{"ChuHoSo", func(in *dvcqg.Inbound) { in.ChuHoSo = "  " }},
		{"ChuHoSo", func(in *dvcqg.Inbound) { in.ChuHoSo = "Nguyễn\u202eVăn" }},
		{"SoDinhDanh", func(in *dvcqg.Inbound) { in.SoDinhDanh = "12345" }},
		{"SoDinhDanh", func(in *dvcqg.Inbound) { in.LoaiDoiTuong = "2"; in.SoDinhDanh = "0100109107" }},
		{"LoaiDoiTuong", func(in *dvcqg.Inbound) { in.LoaiDoiTuong = "3" }},
		{"SoDienThoai", func(in *dvcqg.Inbound) { in.SoDienThoai = "12345" }},
		{"Email", func(in *dvcqg.Inbound) { in.Email = "không phải thư" }},
		{"NgayNopHoSo", func(in *dvcqg.Inbound) { in.NgayNopHoSo = "07/12/2026" }},
		{"NgayNopHoSo", func(in *dvcqg.Inbound) { in.NgayNopHoSo = "20271207091500" }},
		{"HinhThuc", func(in *dvcqg.Inbound) { in.HinhThuc = "5" }},
		{"DuLieuBieuMau", func(in *dvcqg.Inbound) { in.DuLieuBieuMau = map[string]string{"Tên Trẻ": "x"} }},
		{"TaiLieuNop[1].DuongDanTaiTepTin", func(in *dvcqg.Inbound) { in.TaiLieuNop[0].DuongDanTaiTepTin = "file:///etc/passwd" }},
		{"TaiLieuNop[1].DuongDanTaiTepTin", func(in *dvcqg.Inbound) { in.TaiLieuNop[0].DuongDanTaiTepTin = "https://u:p@x/f" }},
		{"TaiLieuNop[1].MaThanhPhanHoSo", func(in *dvcqg.Inbound) { in.TaiLieuNop[0].MaThanhPhanHoSo = "" }},
	} {
		in := base[0]
		in.TaiLieuNop = append([]dvcqg.InboundFile(nil), base[0].TaiLieuNop...)
		tc.mut(&in)
		_, err := dvcqg.Receive(in, now)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tc.field || ae.Message == "" {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
	for _, body := range []string{`{"data": 5}`, `nope`, `[` + strings.Repeat(`{},`, dvcqg.MaxInbound) + `{}]`,
		`"` + strings.Repeat("x", dvcqg.MaxInboundBytes) + `"`} {
		if _, err := dvcqg.ParseInbound(strings.NewReader(body)); err == nil {
			t.Errorf("ParseInbound accepted %.40q", body)
		}
	}
}

type recordingSubmitter struct{ got []dvcqg.Submission }

func (r *recordingSubmitter) SubmitFromPortal(ctx context.Context, s dvcqg.Submission) (string, error) {
	r.got = append(r.got, s)
	return "H15.01.01-261207-" + string(rune('0'+len(r.got))) + "000", nil
}

// Intake hands each good dossier to the submitter and reports the bad
// ones without stopping the batch.
func TestIntake(t *testing.T) {
	batch, _ := dvcqg.ParseInbound(strings.NewReader(inboundBirth))
	bad := batch[0]
	bad.MaHoSo = "G22.99-261207-000124"
	bad.SoDinhDanh = ""
	batch = append(batch, bad)
	sub := &recordingSubmitter{}
	codes, errs := dvcqg.Intake(context.Background(), sub, batch, now)
	if len(sub.got) != 1 || codes["G22.99-261207-000123"] != "H15.01.01-261207-1000" || errs["G22.99-261207-000124"] == nil || len(errs) != 1 {
		t.Fatalf("codes %v, errors %v, submitted %d", codes, errs, len(sub.got))
	}
	if _, errs := dvcqg.Intake(context.Background(), nil, batch[:1], now); !apperr.Is(errs["G22.99-261207-000123"], apperr.Unavailable) {
		t.Fatalf("no submitter wired: %v", errs)
	}
}

// FuzzReceive: any body is parsed and mapped or refused with an apperr,
// never a panic; what is accepted is bounded and has a procedure code.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(inboundBirth))
	f.Add([]byte(`[{"MaHoSo":"x","MaTTHC":"1.1","ChuHoSo":"A","SoDinhDanh":"001090012345"}]`))
	f.Add([]byte(`{"data":[{"LoaiDoiTuong":{}}]}`))
	f.Add([]byte(`[{"TaiLieuNop":[{"DuongDanTaiTepTin":"http://[::1"}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		batch, err := dvcqg.ParseInbound(bytes.NewReader(b))
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("parse error of code %s: %v", apperr.CodeOf(err), err)
			}
			return
		}
		for _, in := range batch {
			s, err := dvcqg.Receive(in, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			if err != nil {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("receive error of code %s: %v", apperr.CodeOf(err), err)
				}
				continue
			}
			if s.ProcedureCode == "" || s.Applicant.Name == "" || len(s.Files) > dvcqg.MaxInboundFiles {
				t.Fatalf("accepted %+v", s)
			}
		}
	})
}
