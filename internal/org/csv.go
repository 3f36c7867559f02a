package org

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Level is the tier of an administrative unit in two-level local government.
type Level string

// The two levels since 2025-07-01.
const (
	LevelProvince Level = "province" // tỉnh, thành phố trực thuộc trung ương (2-digit code)
	LevelCommune  Level = "commune"  // xã, phường, đặc khu (5-digit code)
)

// UnitType is the official type of an administrative unit, in Vietnamese as
// in the official lists.
type UnitType string

// The unit types since 2025-07-01.
const (
	TypeProvince    UnitType = "Tỉnh"
	TypeCity        UnitType = "Thành phố" // centrally-run city (thành phố trực thuộc trung ương)
	TypeCommune     UnitType = "Xã"
	TypeWard        UnitType = "Phường"
	TypeSpecialZone UnitType = "Đặc khu" // special island zone
)

// unitTypes lists the known types per level.
var unitTypes = map[Level][]UnitType{
	LevelProvince: {TypeProvince, TypeCity},
	LevelCommune:  {TypeCommune, TypeWard, TypeSpecialZone},
}

// LineError is one refused line of an imported file.
type LineError struct {
	Line   int    // 1-based line number in the file (0: the file as a whole)
	Reason string // in Vietnamese
}

func (e LineError) String() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("Dòng %d: %s", e.Line, e.Reason)
}

// unitRow is one parsed, syntactically valid row of a unit list.
type unitRow struct {
	Line         int
	Code         string
	Name         string   // NFC; may be "" on a retirement row
	Type         UnitType // may be "" on a retirement row
	ProvinceCode string   // communes: their province; provinces: ""
	Successors   []string // non-empty: the code is retired, taken over by these
}

func (r unitRow) level() Level { return levelOf(r.Code) }

func (r unitRow) retirement() bool { return len(r.Successors) > 0 }

// levelOf returns the level a code's length implies.
func levelOf(code string) Level {
	if len(code) == 2 {
		return LevelProvince
	}
	return LevelCommune
}

// Limits of an imported file, so a wrong upload cannot exhaust memory.
const (
	maxImportBytes = 16 << 20
	maxImportRows  = 100_000
	maxLineErrors  = 500
)

// csvFormat names the accepted column sets.
type csvFormat int

const (
	// formatUnits is the import format: the columns of the shipped communes
	// file plus an optional successor_code.
	formatUnits csvFormat = iota
	// formatProvinces is the shipped provinces file (seed only).
	formatProvinces
)

// columns of each format: canonical name → field index in unitRow terms.
const (
	colCode = iota
	colName
	colType
	colProvince
	colSuccessor
)

var formatColumns = map[csvFormat]map[string]int{
	formatUnits: {
		"commune_code": colCode, "commune_name": colName, "commune_type": colType,
		"province_code": colProvince, "successor_code": colSuccessor,
	},
	formatProvinces: {
		"province_code": colCode, "province_name": colName, "province_type": colType,
	},
}

var requiredColumns = map[csvFormat][]string{
	formatUnits:     {"commune_code", "commune_name", "commune_type", "province_code"},
	formatProvinces: {"province_code", "province_name", "province_type"},
}

// parseUnitsCSV reads a unit list: UTF-8 (a BOM is tolerated), comma
// separated, a header line first. It checks every row on its own (code
// format, known type, name, duplicate codes) and returns the good rows and
// one LineError per bad line (at most maxLineErrors, then a final note). It
// never stops at the first bad row, so a person can fix the whole file at
// once. The error result is only for a failing reader.
func parseUnitsCSV(in io.Reader, format csvFormat) ([]unitRow, []LineError, error) {
	data, err := io.ReadAll(io.LimitReader(in, maxImportBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read unit list: %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, []LineError{{0, fmt.Sprintf("Tệp quá lớn (tối đa %d MB)", maxImportBytes>>20)}}, nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &unitParser{format: format, seen: map[string]int{}}
	r := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true

	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []LineError{{1, "Tệp trống: cần dòng tiêu đề " + strings.Join(requiredColumns[format], ",")}}, nil
		}
		return nil, []LineError{{1, "Dòng tiêu đề không đọc được: " + csvReason(err)}}, nil
	}
	if !p.header(header) {
		return nil, p.errs, nil
	}
	for {
		if len(p.errs) >= maxLineErrors {
			p.errs = append(p.errs, LineError{0, fmt.Sprintf("Quá nhiều lỗi: chỉ liệt kê %d lỗi đầu tiên", maxLineErrors)})
			break
		}
		before := r.InputOffset()
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			p.fail(line, "không đọc được dòng CSV: %s", csvReason(err))
			if r.InputOffset() == before {
				break // the reader cannot move on
			}
			continue
		}
		line, _ := r.FieldPos(0) // only valid after a successful Read
		if len(p.rows)+len(p.errs) >= maxImportRows {
			p.fail(line, "tệp có quá nhiều dòng (tối đa %d)", maxImportRows)
			break
		}
		p.row(line, rec)
	}
	return p.rows, p.errs, nil
}

// csvReason turns an encoding/csv error into Vietnamese.
func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return "dấu ngoặc kép \" đặt sai chỗ trong trường không được bao ngoặc"
	case errors.Is(err, csv.ErrQuote):
		return "dấu ngoặc kép \" không được đóng hoặc đặt sai chỗ"
	case errors.Is(err, csv.ErrFieldCount):
		return "số cột không đúng"
	}
	return "định dạng CSV không hợp lệ"
}

type unitParser struct {
	format csvFormat
	cols   []int // per file column: canonical column index
	width  int
	has    [5]bool
	seen   map[string]int // code → first line
	rows   []unitRow
	errs   []LineError
}

func (p *unitParser) fail(line int, format string, args ...any) {
	p.errs = append(p.errs, LineError{line, fmt.Sprintf(format, args...)})
}

func (p *unitParser) header(h []string) bool {
	known := formatColumns[p.format]
	p.width = len(h)
	p.cols = make([]int, len(h))
	for i, name := range h {
		name = strings.ToLower(strings.TrimSpace(name))
		c, ok := known[name]
		switch {
		case !ok:
			p.fail(1, "cột %q không được hỗ trợ trong dòng tiêu đề (các cột: %s)", clip(name), strings.Join(columnList(p.format), ", "))
			continue
		case p.has[c]:
			p.fail(1, "cột %q lặp lại trong dòng tiêu đề", name)
			continue
		}
		p.has[c] = true
		p.cols[i] = c
	}
	for _, name := range requiredColumns[p.format] {
		if !p.has[known[name]] {
			p.fail(1, "thiếu cột %q trong dòng tiêu đề (dòng đầu tiên phải là tiêu đề: %s)", name, strings.Join(requiredColumns[p.format], ","))
		}
	}
	return len(p.errs) == 0
}

func columnList(f csvFormat) []string {
	out := append([]string(nil), requiredColumns[f]...)
	if f == formatUnits {
		out = append(out, "successor_code (tùy chọn)")
	}
	return out
}

// clip shortens untrusted text quoted in a message.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if len(s) > 40 {
		for i := 40; i > 0; i-- {
			if utf8.RuneStart(s[i]) {
				return s[:i] + "…"
			}
		}
	}
	return s
}

func (p *unitParser) row(line int, rec []string) {
	if len(rec) != p.width {
		p.fail(line, "có %d cột, dòng tiêu đề có %d cột", len(rec), p.width)
		return
	}
	var f [5]string
	for i, v := range rec {
		if !utf8.ValidString(v) {
			p.fail(line, "không phải văn bản UTF-8 hợp lệ (hãy lưu tệp với mã hóa UTF-8)")
			return
		}
		f[p.cols[i]] = strings.TrimSpace(v)
	}
	var reasons []string
	bad := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }

	row := unitRow{Line: line, Code: f[colCode]}
	switch {
	case row.Code == "":
		bad("thiếu mã đơn vị")
	case !codeOK(row.Code, p.format):
		if p.format == formatProvinces {
			bad("mã tỉnh %q không hợp lệ: cần đúng 2 chữ số", clip(row.Code))
		} else {
			bad("mã %q không hợp lệ: mã xã gồm đúng 5 chữ số, mã tỉnh gồm đúng 2 chữ số", clip(row.Code))
		}
		row.Code = ""
	}
	level := levelOf(row.Code)

	if f[colSuccessor] != "" {
		for _, s := range strings.FieldsFunc(f[colSuccessor], func(r rune) bool { return r == ';' || r == ' ' }) {
			switch {
			case !codeOK(s, p.format):
				bad("mã đơn vị kế thừa %q không hợp lệ", clip(s))
			case row.Code != "" && levelOf(s) != level:
				bad("đơn vị kế thừa %s không cùng cấp với %s", s, row.Code)
			case s == row.Code:
				bad("đơn vị %s không thể tự kế thừa chính nó", s)
			case contains(row.Successors, s):
				bad("mã đơn vị kế thừa %s lặp lại", s)
			default:
				row.Successors = append(row.Successors, s)
			}
		}
		if len(row.Successors) == 0 && len(reasons) == 0 {
			bad("cột successor_code không có mã nào")
		}
	}
	retirement := f[colSuccessor] != ""

	if f[colName] != "" || !retirement {
		name, err := cleanName("name", "Tên đơn vị", f[colName], maxNameLen)
		if err != nil {
			bad("%s", lowerFirst(apperr.MessageOf(err)))
		}
		row.Name = name
	}
	if f[colType] != "" || !retirement {
		t, ok := parseUnitType(f[colType], level)
		switch {
		case f[colType] == "":
			bad("thiếu loại đơn vị")
		case !ok && row.Code == "":
			bad("loại đơn vị %q không hợp lệ", clip(f[colType]))
		case !ok:
			bad("loại đơn vị %q không hợp lệ cho mã %s (cần %s)", clip(f[colType]), row.Code, typeList(level))
		}
		row.Type = t
	}
	if p.format == formatUnits {
		pc := f[colProvince]
		switch {
		case level == LevelProvince && row.Code != "":
			if pc != "" && pc != row.Code {
				bad("dòng tỉnh %s phải để trống province_code hoặc ghi chính mã tỉnh", row.Code)
			}
		case pc == "" && !retirement:
			bad("thiếu mã tỉnh (province_code)")
		case pc != "" && (len(pc) != 2 || !digits(pc)):
			bad("mã tỉnh %q không hợp lệ: cần đúng 2 chữ số", clip(pc))
		case level == LevelCommune:
			row.ProvinceCode = pc
		}
	}
	if row.Code != "" {
		if first, dup := p.seen[row.Code]; dup {
			bad("mã %s trùng với dòng %d", row.Code, first)
		} else {
			p.seen[row.Code] = line
		}
	}
	if len(reasons) > 0 {
		p.fail(line, "%s", strings.Join(reasons, "; "))
		return
	}
	p.rows = append(p.rows, row)
}

func codeOK(code string, f csvFormat) bool {
	if !digits(code) {
		return false
	}
	if f == formatProvinces {
		return len(code) == 2
	}
	return len(code) == 2 || len(code) == 5
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseUnitType matches t (any case, any Unicode normal form) against the
// types of level.
func parseUnitType(t string, level Level) (UnitType, bool) {
	t = strings.Join(strings.Fields(norm.NFC.String(t)), " ")
	for _, k := range unitTypes[level] {
		if strings.EqualFold(t, string(k)) {
			return k, true
		}
	}
	return "", false
}

func typeList(level Level) string {
	var s []string
	for _, t := range unitTypes[level] {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return strings.ToLower(string(r)) + s[n:]
}
