package org_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// The 2026 scenario, on real Lào Cai communes of the shipped list:
//   - 02680 Xã Hợp Thành is renamed;
//   - 02686 Xã A Mú Sung merges into 02683 Xã Bát Xát (successor_code);
//   - 02999 Xã Thử Nghiệm is added (a code absent from the 2025 list);
//   - 02752 Xã Pha Long is retired (absent from the file, no successor).
const (
	renamedCode, renamedTo = "02680", "Xã Hợp Thành Mới"
	mergedCode, mergedInto = "02686", "02683"
	addedCode, addedName   = "02999", "Xã Thử Nghiệm"
	retiredCode            = "02752"
)

// scenarioFile builds the 2026 list from the shipped one, with a BOM and
// CRLF line ends as spreadsheet programs write them.
func scenarioFile(t *testing.T) (file string, want []csvRow) {
	t.Helper()
	var b strings.Builder
	b.WriteString("\ufeffcommune_code,commune_name,commune_type,province_code,successor_code\r\n")
	for _, r := range shipped(t, "communes-2025-07-01.csv") {
		switch r.Code {
		case renamedCode:
			r.Name = renamedTo
		case mergedCode:
			fmt.Fprintf(&b, "%s,%s,%s,%s,%s\r\n", r.Code, r.Name, r.Type, r.Province, mergedInto)
			continue
		case retiredCode:
			continue
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,\r\n", r.Code, r.Name, r.Type, r.Province)
		want = append(want, r)
	}
	fmt.Fprintf(&b, "%s,%s,Xã,15,\r\n", addedCode, addedName)
	want = append(want, csvRow{addedCode, addedName, "Xã", "15"})
	slices.SortFunc(want, func(a, b csvRow) int { return strings.Compare(a.Code, b.Code) })
	return b.String(), want
}

func TestImportKeepsHistory(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		file, want := scenarioFile(t)
		old := shipped(t, "communes-2025-07-01.csv")

		preview, err := s.PreviewImport(ctx, strings.NewReader(file), date("2026-04-30"))
		if err != nil || preview.Applied || preview.Changes() != 4 {
			t.Fatalf("preview = %+v, %v", preview, err)
		}
		if n := count(t, d, "SELECT count(*) FROM org_admin_units"); n != 3355 {
			t.Fatalf("preview wrote: %d rows", n)
		}

		rep, err := s.ImportUnits(ctx, admin, strings.NewReader(file), date("2026-04-30"))
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Applied || rep.Provinces || rep.Rows != 3321 {
			t.Fatalf("report: applied %v provinces %v rows %d", rep.Applied, rep.Provinces, rep.Rows)
		}
		codes := func(l []org.UnitChange) []string {
			var out []string
			for _, c := range l {
				out = append(out, c.Code+strings.Join(c.Successors, "+"))
			}
			return out
		}
		for _, c := range []struct {
			name      string
			got, want []string
		}{
			{"added", codes(rep.Added), []string{addedCode}},
			{"renamed", codes(rep.Renamed), []string{renamedCode}},
			{"moved", codes(rep.Moved), nil},
			{"retired", codes(rep.Retired), []string{mergedCode + mergedInto, retiredCode}},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		}
		golden(t, "import_report.golden", rep.Text())

		// The day before: exactly the old tree. The day after: the new one.
		asOf := func(day string) []csvRow {
			units, err := s.Communes(ctx, "", date(day))
			if err != nil {
				t.Fatal(err)
			}
			return rowsOf(units)
		}
		if got := asOf("2026-04-29"); !slices.Equal(got, old) {
			t.Fatalf("as of 2026-04-29: %d units, not the 2025 list", len(got))
		}
		for _, day := range []string{"2026-04-30", "2026-05-01"} {
			if got := asOf(day); !slices.Equal(got, want) {
				t.Fatalf("as of %s: %d units, want the new list of %d", day, len(got), len(want))
			}
		}
		laoCai, err := s.Communes(ctx, "15", date("2026-05-01"))
		if err != nil || len(laoCai) != 99-2+1 {
			t.Fatalf("Lào Cai on 2026-05-01: %d, %v", len(laoCai), err)
		}

		// History and successor links.
		h, err := s.AdminUnitHistory(ctx, mergedCode)
		if err != nil || len(h) != 1 || h[0].ValidTo != date("2026-04-29") || !slices.Equal(h[0].Successors, []string{mergedInto}) {
			t.Fatalf("history of %s = %+v, %v", mergedCode, h, err)
		}
		h, err = s.AdminUnitHistory(ctx, renamedCode)
		if err != nil || len(h) != 2 || h[0].Name != "Xã Hợp Thành" || h[0].ValidTo != date("2026-04-29") ||
			h[1].Name != renamedTo || h[1].ValidFrom != date("2026-04-30") || !h[1].Current() {
			t.Fatalf("history of %s = %+v, %v", renamedCode, h, err)
		}
		on, err := s.AdminUnitsOn(ctx, mergedCode, date("2026-05-01"))
		if err != nil || len(on) != 1 || on[0].Code != mergedInto {
			t.Fatalf("AdminUnitsOn(%s) = %+v, %v", mergedCode, on, err)
		}
		_, err = s.AdminUnitsOn(ctx, retiredCode, date("2026-05-01"))
		wantCode(t, err, apperr.NotFound)
		_, err = s.AdminUnit(ctx, retiredCode, date("2026-05-01"))
		wantCode(t, err, apperr.NotFound)
		if n := auditCount(t, d, "org.units.import"); n != 1 {
			t.Fatalf("import audit entries = %d, want 1", n)
		}

		// The same file again, on the same or a later day: zero changes,
		// nothing written.
		for _, day := range []string{"2026-04-30", "2026-06-01"} {
			again, err := s.ImportUnits(ctx, admin, strings.NewReader(file), date(day))
			if err != nil || again.Changes() != 0 || again.Applied {
				t.Fatalf("re-import on %s: %d changes, %v", day, again.Changes(), err)
			}
		}
		if n := count(t, d, "SELECT count(*) FROM org_admin_unit_lists"); n != 2 {
			t.Fatalf("lists = %d, want 2 (seed, import)", n)
		}
		if n := auditCount(t, d, "org.units.import"); n != 1 {
			t.Fatalf("import audit entries after re-import = %d, want 1", n)
		}

		// A real change dated on or before the current list is refused.
		changed := strings.Replace(file, renamedTo, "Xã Hợp Thành Mới Hơn", 1)
		for _, day := range []string{"2026-04-30", "2026-01-01"} {
			_, err = s.ImportUnits(ctx, admin, strings.NewReader(changed), date(day))
			wantCode(t, err, apperr.Invalid)
		}
		rep, err = s.ImportUnits(ctx, admin, strings.NewReader(changed), date("2026-07-01"))
		if err != nil || len(rep.Renamed) != 1 {
			t.Fatalf("later rename: %+v, %v", rep, err)
		}
		h, _ = s.AdminUnitHistory(ctx, renamedCode)
		if len(h) != 3 {
			t.Fatalf("versions of %s = %d, want 3", renamedCode, len(h))
		}
	})
}

func TestImportRefusesBadFilesWhole(t *testing.T) {
	header := "commune_code,commune_name,commune_type,province_code,successor_code\n"
	good := "02647,Phường Lào Cai,Phường,15,\n"
	bad := header + good + // line 2 fine
		"123,Xã Ngắn,Xã,15,\n" + // 3: bad code
		"02671,Phường Cam Đường,Huyện,15,\n" + // 4: unknown type
		"02680,Xã Hợp Thành,Xã,,\n" + // 5: no province
		"02683,Xã Bát Xát,Xã,77,\n" + // 6: province does not exist
		"02647,Phường Lào Cai,Phường,15,\n" + // 7: duplicate of line 2
		"02686,,Xã,15,\n" + // 8: empty name
		"02695,Xã \xff Tường,Xã,15,\n" + // 9: not UTF-8
		"02701,Xã Y Tý,Xã\n" + // 10: too few columns
		"02707,Xã \"Dền\" Sáng,Xã,15,\n" + // 11: bare quote
		"02725,Xã Bản Xèo,Xã,15,99999\n" + // 12: successor not in the list
		"88888,,,,02647\n" + // 13: retiring a code that never existed
		"15,Tỉnh Lào Cai,Xã,,\n" + // 14: wrong type for a province
		"02728,Xã Mường Hum,Xã,15,02728\n" // 15: its own successor
	wantLines := []struct {
		line   int
		reason string
	}{
		{3, "mã \"123\" không hợp lệ"},
		{4, "loại đơn vị \"Huyện\" không hợp lệ"},
		{5, "thiếu mã tỉnh"},
		{6, "tỉnh 77 của xã 02683 không có trong danh mục hiện hành"},
		{7, "mã 02647 trùng với dòng 2"},
		{8, "tên đơn vị không được để trống"},
		{9, "không phải văn bản UTF-8 hợp lệ"},
		{10, "có 3 cột, dòng tiêu đề có 5 cột"},
		{11, "dấu ngoặc kép"},
		{12, "đơn vị kế thừa 99999 của mã 02725 không có trong danh sách mới"},
		{13, "mã 88888 không có trong danh mục"},
		{14, "loại đơn vị \"Xã\" không hợp lệ cho mã 15"},
		{15, "không thể tự kế thừa"},
	}
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		rep, err := s.ImportUnits(ctx, admin, strings.NewReader(bad), date("2026-04-30"))
		wantCode(t, err, apperr.Invalid)
		if rep == nil || rep.Applied {
			t.Fatalf("report = %+v", rep)
		}
		var lines []int
		for _, e := range rep.Errors {
			lines = append(lines, e.Line)
		}
		var want []int
		for _, w := range wantLines {
			want = append(want, w.line)
		}
		if !slices.Equal(lines, want) {
			t.Fatalf("error lines = %v, want %v\n%s", lines, want, rep.Text())
		}
		for i, w := range wantLines {
			if !strings.Contains(rep.Errors[i].Reason, w.reason) {
				t.Errorf("line %d: reason %q does not say %q", w.line, rep.Errors[i].Reason, w.reason)
			}
		}
		golden(t, "import_refused.golden", rep.Text())
		if n := count(t, d, "SELECT count(*) FROM org_admin_units"); n != 3355 {
			t.Fatalf("refused import wrote units: %d rows", n)
		}
		if n := count(t, d, "SELECT count(*) FROM org_admin_unit_lists"); n != 1 {
			t.Fatalf("refused import recorded a list")
		}
		if n := auditCount(t, d, "org.units.import"); n != 0 {
			t.Fatalf("refused import wrote %d audit entries", n)
		}
	})
}

func TestImportFileShape(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		tests := []struct {
			name   string
			file   string
			line   int
			reason string
		}{
			{"empty file", "", 1, "Tệp trống"},
			{"BOM only", "\ufeff", 1, "Tệp trống"},
			{"no header", "02647,Phường Lào Cai,Phường,15\n", 1, "không được hỗ trợ"},
			{"missing column", "commune_code,commune_name,province_code\n", 1, "thiếu cột \"commune_type\""},
			{"repeated column", "commune_code,commune_name,commune_type,province_code,commune_name\n", 1, "lặp lại"},
			{"one province's communes only", "commune_code,commune_name,commune_type,province_code\n02647,Phường Lào Cai,Phường,15\n", 0,
				"tệp phải là danh sách đầy đủ các xã của cả nước"},
			{"province retired without the province list", "commune_code,commune_name,commune_type,province_code,successor_code\n15,,,,12\n", 2, "phải liệt kê đầy đủ danh sách tỉnh"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rep, err := s.ImportUnits(ctx, admin, strings.NewReader(tt.file), date("2026-04-30"))
				wantCode(t, err, apperr.Invalid)
				if len(rep.Errors) == 0 || rep.Errors[0].Line != tt.line || !strings.Contains(rep.Errors[0].Reason, tt.reason) {
					t.Fatalf("errors = %v, want line %d saying %q", rep.Errors, tt.line, tt.reason)
				}
			})
		}
		if n := count(t, d, "SELECT count(*) FROM org_admin_units"); n != 3355 {
			t.Fatalf("refused imports wrote units: %d rows", n)
		}
	})
}

// TestImportWithProvinces: provinces in the same file replace the province
// list; a commune moves to another province; a province is renamed.
func TestImportWithProvinces(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		var b strings.Builder
		b.WriteString("province_code,commune_code,commune_name,commune_type\n") // any column order
		for _, p := range shipped(t, "provinces-2025-07-01.csv") {
			if p.Code == "12" {
				p.Name = "Tỉnh Lai Châu Mới"
			}
			fmt.Fprintf(&b, ",%s,%s,%s\n", p.Code, p.Name, p.Type)
		}
		for _, c := range shipped(t, "communes-2025-07-01.csv") {
			if c.Code == "02701" { // Xã Y Tý moves from Lào Cai to Lai Châu
				c.Province = "12"
			}
			// Decomposed (NFD) names are normalised to NFC.
			fmt.Fprintf(&b, "%s,%s,%s,%s\n", c.Province, c.Code, nfd(c.Name), c.Type)
		}
		rep, err := s.ImportUnits(ctx, admin, strings.NewReader(b.String()), date("2026-04-30"))
		if err != nil {
			t.Fatalf("%v\n%s", err, rep.Text())
		}
		if !rep.Provinces || len(rep.Moved) != 1 || rep.Moved[0].Code != "02701" || len(rep.Renamed) != 1 || rep.Renamed[0].Code != "12" ||
			len(rep.Added) != 0 || len(rep.Retired) != 0 {
			t.Fatalf("report:\n%s", rep.Text())
		}
		for _, tt := range []struct {
			day         string
			province    string
			laiChauName string
		}{
			{"2026-04-29", "15", "Tỉnh Lai Châu"},
			{"2026-04-30", "12", "Tỉnh Lai Châu Mới"},
		} {
			u, err := s.AdminUnit(ctx, "02701", date(tt.day))
			if err != nil || u.ProvinceCode != tt.province || u.Name != "Xã Y Tý" {
				t.Fatalf("02701 on %s = %+v, %v", tt.day, u, err)
			}
			p, err := s.AdminUnit(ctx, "12", date(tt.day))
			if err != nil || p.Name != tt.laiChauName {
				t.Fatalf("12 on %s = %+v, %v", tt.day, p, err)
			}
		}
		// A province list without a province that still has communes is refused.
		var c strings.Builder
		c.WriteString("commune_code,commune_name,commune_type,province_code\n01,Thành phố Hà Nội,Thành phố,\n02701,Xã Y Tý,Xã,12\n")
		rep, err = s.ImportUnits(ctx, admin, strings.NewReader(c.String()), date("2026-06-01"))
		wantCode(t, err, apperr.Invalid)
		if len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
			t.Fatalf("errors = %v", rep.Errors)
		}
	})
}

// nfd decomposes the Vietnamese letters the tests use, as some tools do.
func nfd(s string) string {
	return strings.NewReplacer("ý", "y\u0301", "ã", "a\u0303", "ư", "u\u031b").Replace(s)
}
