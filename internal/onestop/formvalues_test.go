package onestop_test

import (
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

type communes map[string]bool

func (c communes) HasCommune(code string) bool { return c[code] }

func formProcedure() *onestop.Procedure {
	p := onestop.Procedure{Fields: []onestop.Field{
		{Name: "ten", Label: "Họ tên", Type: onestop.FieldText, Required: true},
		{Name: "so", Label: "Số lượng", Type: onestop.FieldNumber},
		{Name: "ngay", Label: "Ngày sinh", Type: onestop.FieldDate},
		{Name: "chon", Label: "Giới tính", Type: onestop.FieldSelect, Options: []string{"Nam", "Nữ"}},
		{Name: "cccd", Label: "Số định danh", Type: onestop.FieldCCCD},
		{Name: "mst", Label: "Mã số thuế", Type: onestop.FieldTaxCode},
		{Name: "dt", Label: "Điện thoại", Type: onestop.FieldPhone},
		{Name: "dc", Label: "Địa chỉ", Type: onestop.FieldAddress},
	}}
	return p.WithCommunes(communes{"02839": true, "00004": true})
}

func TestValidateFormRefuses(t *testing.T) {
	cases := []struct {
		field, value, msg string
	}{
		{"ten", "  ", "Chưa nhập họ tên"},
		{"so", "abc", "phải là một số"},
		{"so", "1,", "phải là một số"},
		{"so", "1.2.3,4,5", "phải là một số"},
		{"ngay", "2026-02-01", "dd/mm/yyyy"},
		{"ngay", "31/02/2026", "không có trong lịch"},
		{"ngay", "29/02/2025", "không có trong lịch"},
		{"ngay", "00/01/2026", "không có trong lịch"},
		{"ngay", "01/13/2026", "không có trong lịch"},
		{"ngay", "01/01/1800", "năm 1800"},
		{"chon", "Khác", "không có trong danh sách"},
		{"chon", "nam", "không có trong danh sách"},
		{"cccd", "01019001234", "đúng 12 chữ số"},
		{"cccd", "0101900123456", "đúng 12 chữ số"},
		{"cccd", "01019001234a", "đúng 12 chữ số"},
		{"cccd", "000190012345", "mã tỉnh"},
		{"cccd", "003190012345", "mã tỉnh"}, // 003 was never a province code
		{"cccd", "097190012345", "mã tỉnh"},
		{"mst", "0100109107", "chữ số kiểm tra"},
		{"mst", "010010910", "10 chữ số"},
		{"mst", "0100109106-01", "3 chữ số"},
		{"mst", "0100109106-000", "3 chữ số"},
		{"dt", "0123456789", "đầu số 012"},
		{"dt", "091234567", "10 chữ số"},
		{"dt", "+8491234567", "10 chữ số"},
		{"dt", "0912 345 67a", "chỉ gồm chữ số"},
		{"dt", "0241234567", "đầu số 024"},
		{"dc", "Thôn 1", "chọn xã, phường"},
		{"dc", "02839|  ", "chưa ghi số nhà"},
		{"dc", "99999|Thôn 1", "không có trong danh mục"},
		{"dc", "2839|Thôn 1", "chọn xã, phường"},
		{"ten", "A\x00B", "ký tự điều khiển"},
		{"ten", "A\u200bB", "ký tự ẩn"},
		{"ten", strings.Repeat("a", 2001), "quá dài"},
		{"khac", "x", "không có trường"},
	}
	for _, c := range cases {
		t.Run(c.field+"="+c.value, func(t *testing.T) {
			vals := map[string]string{"ten": "Nguyễn An"}
			vals[c.field] = c.value
			_, err := formProcedure().ValidateForm(vals)
			if apperr.CodeOf(err) != apperr.Invalid || fieldOf(err) != c.field || !strings.Contains(apperr.MessageOf(err), c.msg) {
				t.Fatalf("got %v (field %q), want field %q with %q", err, fieldOf(err), c.field, c.msg)
			}
		})
	}
}

func TestValidateFormCleans(t *testing.T) {
	decomposed := "Nguye\u0302\u0303n An" // "Nguyễn" with combining marks
	got, err := formProcedure().ValidateForm(map[string]string{
		"ten": "  " + decomposed + " ", "so": "1.500.000", "ngay": "1/2/2026", "chon": "Nữ", "cccd": "0101 9001 2345",
		"mst": "0100109106-001", "dt": "+84 (91) 234-5678", "dc": " 02839 |  Thôn   Bắc Hà 1 ",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ten": "Nguyễn An", "so": "1500000", "ngay": "01/02/2026", "chon": "Nữ", "cccd": "010190012345",
		"mst": "0100109106-001", "dt": "0912345678", "dc": "02839|Thôn Bắc Hà 1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("extra values: %v", got)
	}
	// Optional fields left empty are left out; the demo accounts' numbers
	// pass.
	got, err = formProcedure().ValidateForm(map[string]string{"ten": "An", "cccd": "001090012345", "mst": "0108888888", "dt": "0388888888", "so": "2,5"})
	if err != nil || got["so"] != "2,5" || len(got) != 5 {
		t.Fatalf("%v %v", got, err)
	}
}

func TestCheckTaxCode(t *testing.T) {
	for _, ok := range []string{"0100109106", "0108888888", "0100109106-999"} {
		if err := onestop.CheckTaxCode(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestParseCode(t *testing.T) {
	for in, want := range map[string][2]string{
		"1.001193":                   {"1.001193", ""},
		" 2.000815.000.00.00.H61 ":   {"2.000815", "000.00.00.H61"},
		"2.000815.DEMO.H15.02647.01": {"2.000815", "DEMO.H15.02647.01"},
	} {
		_, n, s, err := onestop.ParseCode(in)
		if err != nil || n != want[0] || s != want[1] {
			t.Errorf("%q: %q %q %v", in, n, s, err)
		}
	}
	for _, bad := range []string{"", "1.00119", "1.0011933", "1,001193", "1.001193.", "1.001193.-x", "1.001193.a..b", "12.001193"} {
		if _, _, _, err := onestop.ParseCode(bad); fieldOf(err) != "code" {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func FuzzValidateForm(f *testing.F) {
	f.Add("ten", "Nguyễn An", "dt", "+84912345678")
	f.Add("cccd", "001090012345", "mst", "0100109106-001")
	f.Add("ngay", "29/02/2024", "dc", "02839|Thôn 1")
	f.Add("so", "1.500,25", "chon", "Nữ")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := formProcedure()
		got, err := p.ValidateForm(map[string]string{k1: v1, k2: v2})
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid || apperr.MessageOf(err) == "" {
				t.Fatalf("error not a message for people: %v", err)
			}
			return
		}
		// Cleaned values are valid again and unchanged by a second pass.
		again, err := p.ValidateForm(got)
		if err != nil {
			t.Fatalf("cleaned values refused: %v (%v)", err, got)
		}
		for k, v := range got {
			if again[k] != v {
				t.Fatalf("%s not stable: %q → %q", k, v, again[k])
			}
		}
	})
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"1.001193", "2.000815.000.00.00.H61", "1.001193.", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, n, suffix, err := onestop.ParseCode(s)
		if err != nil {
			if fieldOf(err) != "code" {
				t.Fatalf("error without field: %v", err)
			}
			return
		}
		if len(n) != 8 || (suffix != "" && code != n+"."+suffix) || (suffix == "" && code != n) {
			t.Fatalf("%q → %q %q %q", s, code, n, suffix)
		}
		if again, _, _, err := onestop.ParseCode(code); err != nil || again != code {
			t.Fatalf("not stable: %q %v", again, err)
		}
	})
}

func FuzzParseImport(f *testing.F) {
	f.Add(`[{"code":"1.001193","name":"x"}]`)
	f.Add(`{"format":"chinhquyen.onestop.procedures/1","procedures":[{"code":"1.001193","fields":[{"name":"a","type":"select","options":["x"]}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		list, err := onestop.ParseImport([]byte(s))
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("not EINVALID: %v", err)
			}
			return
		}
		for _, p := range list {
			p = p.Normalize()
			_ = p.Validate()
		}
	})
}
