// Package documents keeps the official documents of an agency (văn bản đi,
// văn bản đến) under Decree 30/2020/NĐ-CP on clerical work: the document
// types of its Appendix III, numbers and symbols (Appendix I, Art. 15),
// the outgoing and incoming registers (Arts. 15, 22, Appendix IV) and the
// registration of incoming documents with the validation of their digital
// signatures (Circular 41/2017/TT-BTTTT). Access goes through access.Can;
// every change runs in one db.Tx with its audit entry.
package documents

import (
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Type is a kind of administrative document (Decree 30, Art. 7 and
// Appendix III).
type Type struct {
	// Code is the stable key used by the API: the Appendix III abbreviation,
	// or "CV" for Công văn, which has none.
	Code string
	// Abbrev is what the symbol carries ("QĐ" in 05/QĐ-UBND); empty for
	// Công văn, whose symbol is the agency's and the drafting unit's
	// abbreviations (125/UBND-VP).
	Abbrev string
	Name   string // Vietnamese name
	// Copy marks the three forms of copy (Art. 25): they are numbered in a
	// series of their own.
	Copy bool
}

// CongVan is the code of the official letter (công văn).
const CongVan = "CV"

// types is Appendix III of Decree 30/2020 (the 27 types and the three
// copies), with Công văn (Art. 7) which has no abbreviation.
var types = []Type{
	{Code: "NQ", Abbrev: "NQ", Name: "Nghị quyết (cá biệt)"},
	{Code: "QĐ", Abbrev: "QĐ", Name: "Quyết định (cá biệt)"},
	{Code: "CT", Abbrev: "CT", Name: "Chỉ thị"},
	{Code: "QC", Abbrev: "QC", Name: "Quy chế"},
	{Code: "QyĐ", Abbrev: "QyĐ", Name: "Quy định"},
	{Code: "TC", Abbrev: "TC", Name: "Thông cáo"},
	{Code: "TB", Abbrev: "TB", Name: "Thông báo"},
	{Code: "HD", Abbrev: "HD", Name: "Hướng dẫn"},
	{Code: "CTr", Abbrev: "CTr", Name: "Chương trình"},
	{Code: "KH", Abbrev: "KH", Name: "Kế hoạch"},
	{Code: "PA", Abbrev: "PA", Name: "Phương án"},
	{Code: "ĐA", Abbrev: "ĐA", Name: "Đề án"},
	{Code: "DA", Abbrev: "DA", Name: "Dự án"},
	{Code: "BC", Abbrev: "BC", Name: "Báo cáo"},
	{Code: "BB", Abbrev: "BB", Name: "Biên bản"},
	{Code: "TTr", Abbrev: "TTr", Name: "Tờ trình"},
	{Code: "HĐ", Abbrev: "HĐ", Name: "Hợp đồng"},
	{Code: "CĐ", Abbrev: "CĐ", Name: "Công điện"},
	{Code: "BGN", Abbrev: "BGN", Name: "Bản ghi nhớ"},
	{Code: "BTT", Abbrev: "BTT", Name: "Bản thỏa thuận"},
	{Code: "GUQ", Abbrev: "GUQ", Name: "Giấy ủy quyền"},
	{Code: "GM", Abbrev: "GM", Name: "Giấy mời"},
	{Code: "GGT", Abbrev: "GGT", Name: "Giấy giới thiệu"},
	{Code: "GNP", Abbrev: "GNP", Name: "Giấy nghỉ phép"},
	{Code: "PG", Abbrev: "PG", Name: "Phiếu gửi"},
	{Code: "PC", Abbrev: "PC", Name: "Phiếu chuyển"},
	{Code: "PB", Abbrev: "PB", Name: "Phiếu báo"},
	{Code: CongVan, Abbrev: "", Name: "Công văn"},
	{Code: "SY", Abbrev: "SY", Name: "Bản sao y", Copy: true},
	{Code: "TrS", Abbrev: "TrS", Name: "Bản trích sao", Copy: true},
	{Code: "SL", Abbrev: "SL", Name: "Bản sao lục", Copy: true},
}

// Types lists every document type in the order of Appendix III, Công văn
// and the copies last.
func Types() []Type { return append([]Type(nil), types...) }

// LookupType returns the type whose code is s. Codes are matched exactly
// first, then ignoring case ("qđ", "TTR"), which no two codes share.
func LookupType(s string) (Type, bool) {
	s = locale.NFC(s)
	for _, t := range types {
		if t.Code == s {
			return t, true
		}
	}
	for _, t := range types {
		if strings.EqualFold(t.Code, s) {
			return t, true
		}
	}
	return Type{}, false
}

// ParseType is LookupType with the refusal as an EINVALID on field "type".
func ParseType(s string) (Type, error) {
	t, ok := LookupType(s)
	if !ok {
		return Type{}, apperr.FieldError("type", "Loại văn bản %q không có trong Phụ lục III Nghị định 30/2020/NĐ-CP: dùng chữ viết tắt (QĐ, TB, KH, BC, TTr…) hoặc CV cho công văn", clipText(s, 40))
	}
	return t, nil
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
