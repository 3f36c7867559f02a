package org

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestParseUnitsCSV(t *testing.T) {
	header := "commune_code,commune_name,commune_type,province_code,successor_code\n"
	tests := []struct {
		name     string
		in       string
		rows     int
		errLines []int
	}{
		{"header only", header, 0, nil},
		{"BOM and CRLF", "\ufeff" + strings.ReplaceAll(header+"02647,Phường Lào Cai,Phường,15,\n", "\n", "\r\n"), 1, nil},
		{"columns in another order, upper case", "PROVINCE_CODE,Commune_Code,commune_type,commune_name\n15,02647,phường,Phường Lào Cai\n", 1, nil},
		{"quoted name with a comma", header + "02647,\"Phường Lào Cai, mới\",Phường,15,\n", 1, nil},
		{"province row", header + "15,Tỉnh Lào Cai,Tỉnh,,\n", 1, nil},
		{"province row naming itself", header + "15,Tỉnh Lào Cai,Tỉnh,15,\n", 1, nil},
		{"province row naming another", header + "15,Tỉnh Lào Cai,Tỉnh,12,\n", 0, []int{2}},
		{"retirement row, two successors", header + "02686,,,,02683;02647\n", 1, nil},
		{"successor of another level", header + "02686,,,,15\n", 0, []int{2}},
		{"successor column empty of codes", header + "02686,,,, ; \n", 0, []int{2}},
		{"six digits", header + "026470,Xã A,Xã,15,\n", 0, []int{2}},
		{"letters in code", header + "0264A,Xã A,Xã,15,\n", 0, []int{2}},
		{"control character in name", header + "02647,Xã\x07A,Xã,15,\n", 0, []int{2}},
		{"multi-line quoted field counts from its first line", header + "02647,\"Xã\nA\",Xã,15,\n02648,Xã B,Huyện,15,\n", 1, []int{4}},
		{"unterminated quote", header + "02647,\"Xã A,Xã,15,\n", 0, []int{2}},
		{"duplicate", header + "02647,Xã A,Xã,15,\n02647,Xã A,Xã,15,\n", 1, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs, err := parseUnitsCSV(strings.NewReader(tt.in), formatUnits)
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, e := range errs {
				lines = append(lines, e.Line)
			}
			if len(rows) != tt.rows || fmt.Sprint(lines) != fmt.Sprint(tt.errLines) {
				t.Fatalf("rows %d, error lines %v (%v); want %d, %v", len(rows), lines, errs, tt.rows, tt.errLines)
			}
		})
	}
}

func TestParseUnitsCSVCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("commune_code,commune_name,commune_type,province_code\n")
	for range 2 * maxLineErrors {
		b.WriteString("x,,,\n")
	}
	_, errs, err := parseUnitsCSV(strings.NewReader(b.String()), formatUnits)
	if err != nil || len(errs) != maxLineErrors+1 || errs[maxLineErrors].Line != 0 {
		t.Fatalf("%d errors, %v", len(errs), err)
	}
	_, errs, _ = parseUnitsCSV(bytes.NewReader(make([]byte, maxImportBytes+1)), formatUnits)
	if len(errs) != 1 || !strings.Contains(errs[0].Reason, "quá lớn") {
		t.Fatalf("oversized file: %v", errs)
	}
}

// FuzzParseUnitsCSV: whatever the bytes, the parser does not panic, every
// accepted row is well formed (code of 2 or 5 digits, NFC name and known type
// unless a retirement, unique codes), every error names a line, and the same
// input gives the same answer. Seeds: testdata/fuzz/FuzzParseUnitsCSV and the
// head of the shipped list.
func FuzzParseUnitsCSV(f *testing.F) {
	shippedHead, err := os.ReadFile("data/communes-2025-07-01.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(shippedHead[:2000])
	f.Add([]byte("\ufeffcommune_code,commune_name,commune_type,province_code,successor_code\r\n02686,,,,02683\r\n15,Tỉnh Lào Cai,Tỉnh,,\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs, err := parseUnitsCSV(bytes.NewReader(data), formatUnits)
		if err != nil {
			t.Fatalf("reader error from memory: %v", err)
		}
		if len(errs) > maxLineErrors+1 {
			t.Fatalf("%d errors, cap is %d", len(errs), maxLineErrors)
		}
		for _, e := range errs {
			if e.Line < 0 || e.Reason == "" || !utf8.ValidString(e.Reason) {
				t.Fatalf("bad LineError %+v", e)
			}
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if !digits(r.Code) || (len(r.Code) != 2 && len(r.Code) != 5) || seen[r.Code] {
				t.Fatalf("bad or duplicate code %q", r.Code)
			}
			seen[r.Code] = true
			if r.Line < 2 {
				t.Fatalf("row on line %d", r.Line)
			}
			if r.retirement() {
				for _, s := range r.Successors {
					if levelOf(s) != r.level() || s == r.Code || !digits(s) {
						t.Fatalf("bad successor %q of %q", s, r.Code)
					}
				}
				continue
			}
			if r.Name == "" || !norm.NFC.IsNormalString(r.Name) || strings.TrimSpace(r.Name) != r.Name {
				t.Fatalf("bad name %q", r.Name)
			}
			if _, ok := parseUnitType(string(r.Type), r.level()); !ok {
				t.Fatalf("type %q not of level %s", r.Type, r.level())
			}
			if (r.level() == LevelCommune) != (r.ProvinceCode != "") {
				t.Fatalf("province %q on %s row", r.ProvinceCode, r.level())
			}
		}
		rows2, errs2, _ := parseUnitsCSV(bytes.NewReader(data), formatUnits)
		if fmt.Sprint(rows, errs) != fmt.Sprint(rows2, errs2) {
			t.Fatal("parser is not deterministic")
		}
	})
}

func TestDate(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"2025-07-01", true},
		{"2024-02-29", true},
		{"2025-02-29", false},
		{"2025-7-1", false},
		{"01/07/2025", false},
		{"2025-07-01T00:00:00Z", false},
		{"", false},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || (tt.ok && d.String() != tt.in) {
			t.Errorf("ParseDate(%q) = %v, %v", tt.in, d, err)
		}
	}
	d := MustDate("2026-04-30")
	if d.AddDays(-1).String() != "2026-04-29" || d.AddDays(2).String() != "2026-05-02" || d.VN() != "30/04/2026" {
		t.Fatalf("arithmetic: %s %s %s", d.AddDays(-1), d.AddDays(2), d.VN())
	}
	if got := DateOf(time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)); got.String() != "2026-11-25" {
		t.Fatalf("DateOf 20:00 UTC = %s, want the next day in Vietnam", got)
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Fatal("zero Date")
	}
}
