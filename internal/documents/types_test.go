package documents

import (
	"strings"
	"testing"
)

// Appendix III of Decree 30/2020, row by row: the abbreviation each type
// carries in a symbol, Công văn without one, the copies in their series.
func TestTypesAreAppendixIII(t *testing.T) {
	want := []struct {
		code, abbrev, name string
		copy               bool
	}{
		{"NQ", "NQ", "Nghị quyết (cá biệt)", false}, {"QĐ", "QĐ", "Quyết định (cá biệt)", false},
		{"CT", "CT", "Chỉ thị", false}, {"QC", "QC", "Quy chế", false}, {"QyĐ", "QyĐ", "Quy định", false},
		{"TC", "TC", "Thông cáo", false}, {"TB", "TB", "Thông báo", false}, {"HD", "HD", "Hướng dẫn", false},
		{"CTr", "CTr", "Chương trình", false}, {"KH", "KH", "Kế hoạch", false}, {"PA", "PA", "Phương án", false},
		{"ĐA", "ĐA", "Đề án", false}, {"DA", "DA", "Dự án", false}, {"BC", "BC", "Báo cáo", false},
		{"BB", "BB", "Biên bản", false}, {"TTr", "TTr", "Tờ trình", false}, {"HĐ", "HĐ", "Hợp đồng", false},
		{"CĐ", "CĐ", "Công điện", false}, {"BGN", "BGN", "Bản ghi nhớ", false}, {"BTT", "BTT", "Bản thỏa thuận", false},
		{"GUQ", "GUQ", "Giấy ủy quyền", false}, {"GM", "GM", "Giấy mời", false}, {"GGT", "GGT", "Giấy giới thiệu", false},
		{"GNP", "GNP", "Giấy nghỉ phép", false}, {"PG", "PG", "Phiếu gửi", false}, {"PC", "PC", "Phiếu chuyển", false},
		{"PB", "PB", "Phiếu báo", false}, {"CV", "", "Công văn", false},
		{"SY", "SY", "Bản sao y", true}, {"TrS", "TrS", "Bản trích sao", true}, {"SL", "SL", "Bản sao lục", true},
	}
	got := Types()
	if len(got) != len(want) {
		t.Fatalf("%d types, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Code != w.code || g.Abbrev != w.abbrev || g.Name != w.name || g.Copy != w.copy {
			t.Errorf("row %d = %+v, want %+v", i+1, g, w)
		}
		// Every code is found exactly, and ignoring case without ambiguity.
		for _, in := range []string{w.code, strings.ToLower(w.code), strings.ToUpper(w.code), " " + w.code + " "} {
			if lt, ok := LookupType(in); !ok || lt.Code != w.code {
				t.Errorf("LookupType(%q) = %+v %v, want %s", in, lt, ok, w.code)
			}
		}
	}
	for _, bad := range []string{"", "QD", "GN", "UQ", "Công văn", "X"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("ParseType(%q) accepted", bad)
		}
	}
}

func TestSeriesFor(t *testing.T) {
	qd, _ := LookupType("QĐ")
	sy, _ := LookupType("SY")
	for _, c := range []struct {
		t             Type
		secret, legal bool
		want          Series
	}{
		{qd, false, false, Normal}, {qd, false, true, Legal}, {qd, true, true, Confidential},
		{sy, false, false, Copies}, {sy, true, false, Confidential},
	} {
		if got := SeriesFor(c.t, c.secret, c.legal); got != c.want {
			t.Errorf("SeriesFor(%s, %v, %v) = %s, want %s", c.t.Code, c.secret, c.legal, got, c.want)
		}
	}
}
