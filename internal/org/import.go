package org

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// ImportReport says what an import of an official unit list found and did.
type ImportReport struct {
	ValidFrom Date   // first day of the imported list
	SHA256    string // of the file as received, hex
	Rows      int    // good data rows read
	// Provinces is true when the file listed provinces, so the province list
	// was compared too; otherwise provinces carried over unchanged.
	Provinces bool
	Added     []UnitChange // codes new in the list (After set)
	Renamed   []UnitChange // same code, new name or type (Before and After set)
	Moved     []UnitChange // same code, other province (Before and After set)
	Retired   []UnitChange // codes no longer in the list (Before set, Successors maybe)
	// Errors lists every refused line; when it is not empty the whole file
	// was refused and nothing was written.
	Errors []LineError
	// Applied is true when the changes were written (false for a preview, a
	// refusal, or a list identical to the current one).
	Applied bool
}

// UnitChange is one unit that changed in an import. A unit both renamed and
// moved appears in both lists.
type UnitChange struct {
	Code       string
	Level      Level
	Line       int        // line of the file naming the code; 0 when absent from it
	Before     *AdminUnit // the version closed by the import; nil when added
	After      *AdminUnit // the version opened by the import; nil when retired
	Successors []string   // retired: codes that take over (successor_code column)
}

// Changes returns the number of distinct codes the import changes.
func (r *ImportReport) Changes() int {
	seen := map[string]bool{}
	for _, l := range [][]UnitChange{r.Added, r.Renamed, r.Moved, r.Retired} {
		for _, c := range l {
			seen[c.Code] = true
		}
	}
	return len(seen)
}

// ImportUnits applies a newer official list of administrative units valid from
// validFrom, keeping history: a changed or retired unit's current version gets
// valid_to = validFrom − 1 day, and new versions start on validFrom.
//
// The file is CSV, UTF-8 (a BOM is tolerated), with a header line naming the
// columns of the shipped communes file, in any order:
//
//	commune_code,commune_name,commune_type,province_code[,successor_code]
//
// Each data row is a unit of the new list. Commune rows (5-digit code, type
// Xã, Phường or Đặc khu) must name an existing province (province_code). The
// file is the complete commune list: a current commune absent from it is
// retired. Provinces may come in the same file, as rows with a 2-digit code,
// type Tỉnh or Thành phố and an empty province_code; when the file lists at
// least one province it is the complete province list (absent provinces are
// retired), and when it lists none the province list carries over unchanged.
// A row whose optional successor_code is filled is not part of the new list:
// it retires that code and names its successor(s) (several separated by ';'),
// which must be in the new list; name, type and province may then be empty.
//
// Every row is checked (code format, known type, NFC name, province exists,
// no duplicate code); a file with any bad row is refused as a whole: the
// report's Errors list each line and reason in Vietnamese and the error is
// EINVALID. A list identical to the current one reports zero changes and
// writes nothing. Otherwise validFrom must be after the first day of the
// current list (EINVALID), and the changes, the list's record and one audit
// entry are written in one transaction.
func (s *Service) ImportUnits(ctx context.Context, a *actor.Actor, r io.Reader, validFrom Date) (*ImportReport, error) {
	if err := s.allow(ctx, a, access.OrgUnitImport, "admin_unit_list", validFrom.String()); err != nil {
		return nil, err
	}
	var rep *ImportReport
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		rep, err = s.importUnits(ctx, tx, a, r, validFrom, true)
		return err
	})
	return rep, err
}

// PreviewImport checks a unit list like ImportUnits and reports what it would
// change, without writing anything.
func (s *Service) PreviewImport(ctx context.Context, r io.Reader, validFrom Date) (*ImportReport, error) {
	var rep *ImportReport
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		rep, err = s.importUnits(ctx, tx, nil, r, validFrom, false)
		return err
	})
	return rep, err
}

func (s *Service) importUnits(ctx context.Context, tx *sql.Tx, a *actor.Actor, in io.Reader, validFrom Date, apply bool) (*ImportReport, error) {
	if validFrom.IsZero() {
		return nil, apperr.FieldError("valid_from", "Cần ngày hiệu lực của danh mục mới")
	}
	h := sha256.New()
	rows, errs, err := parseUnitsCSV(io.TeeReader(in, h), formatUnits)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{ValidFrom: validFrom, SHA256: hex.EncodeToString(h.Sum(nil)), Rows: len(rows), Errors: errs}
	if apply {
		if err := s.lock(ctx, tx, lockAdminUnits); err != nil {
			return nil, err
		}
	}
	open, err := queryAdminUnits(ctx, tx, "SELECT "+adminUnitColumns+" FROM org_admin_units WHERE valid_to IS NULL ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("load current units: %w", err)
	}
	if len(open) == 0 {
		return nil, apperr.New(apperr.Conflict, "Chưa có danh mục đơn vị hành chính ban đầu: hãy khởi động hệ thống (nạp danh mục 01/07/2025) trước khi nhập")
	}
	current := map[string]*AdminUnit{}
	for i := range open {
		current[open[i].Code] = &open[i]
	}
	if err := s.diffUnits(ctx, tx, rep, rows, current); err != nil {
		return nil, err
	}
	if len(rep.Errors) > 0 {
		// By line; file-wide notes (line 0) last.
		slices.SortStableFunc(rep.Errors, func(a, b LineError) int {
			if (a.Line == 0) != (b.Line == 0) {
				if a.Line == 0 {
					return 1
				}
				return -1
			}
			return a.Line - b.Line
		})
		return rep, apperr.New(apperr.Invalid, "Tệp danh mục bị từ chối: %d dòng lỗi, không có thay đổi nào được ghi", countLineErrors(rep.Errors))
	}
	if rep.Changes() == 0 {
		return rep, nil
	}
	var latest Date
	if err := tx.QueryRowContext(ctx, "SELECT max(valid_from) FROM org_admin_unit_lists").Scan(&latest); err != nil {
		return nil, fmt.Errorf("latest unit list: %w", err)
	}
	if !validFrom.After(latest) {
		return rep, apperr.FieldError("valid_from", "Ngày hiệu lực %s phải sau ngày hiệu lực của danh mục hiện hành (%s)", validFrom.VN(), latest.VN())
	}
	if !apply {
		return rep, nil
	}
	if err := s.applyImport(ctx, tx, rep); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO org_admin_unit_lists
		(valid_from, source, sha256, rows_count, added, renamed, moved, retired, applied_at, applied_by)
		VALUES ($1, 'import', $2, $3, $4, $5, $6, $7, $8, $9)`,
		validFrom, rep.SHA256, rep.Rows, len(rep.Added), len(rep.Renamed), len(rep.Moved), len(rep.Retired),
		db.Micros(s.now()), a.Name); err != nil {
		return nil, fmt.Errorf("record unit list %s: %w", validFrom, err)
	}
	rep.Applied = true
	summary := map[string]any{"valid_from": validFrom.String(), "sha256": rep.SHA256, "rows": rep.Rows,
		"added": len(rep.Added), "renamed": len(rep.Renamed), "moved": len(rep.Moved), "retired": len(rep.Retired)}
	if err := s.record(ctx, tx, a, "org.units.import", "admin_unit_list", validFrom.String(), nil, rep, summary); err != nil {
		return nil, err
	}
	return rep, nil
}

func countLineErrors(errs []LineError) int {
	n := 0
	for _, e := range errs {
		if e.Line > 0 || !strings.HasPrefix(e.Reason, "Quá nhiều lỗi") {
			n++
		}
	}
	return n
}

// diffUnits checks the rows against the current list and fills the report's
// changes, or its Errors.
func (s *Service) diffUnits(ctx context.Context, tx *sql.Tx, rep *ImportReport, rows []unitRow, current map[string]*AdminUnit) error {
	fail := func(line int, format string, args ...any) {
		rep.Errors = append(rep.Errors, LineError{line, fmt.Sprintf(format, args...)})
	}
	// The new lists, by level.
	newList := map[string]*unitRow{}
	for i := range rows {
		r := &rows[i]
		if r.retirement() {
			continue
		}
		newList[r.Code] = r
		if r.level() == LevelProvince {
			rep.Provinces = true
		}
	}
	provinceExists := func(code string) bool {
		if rep.Provinces {
			r, ok := newList[code]
			return ok && r.level() == LevelProvince
		}
		u, ok := current[code]
		return ok && u.Level == LevelProvince
	}
	retiredBy := map[string]*unitRow{}
	for i := range rows {
		r := &rows[i]
		if r.retirement() {
			if r.level() == LevelProvince && !rep.Provinces {
				fail(r.Line, "muốn thôi hiệu lực tỉnh %s thì tệp phải liệt kê đầy đủ danh sách tỉnh", r.Code)
				continue
			}
			ok := true
			for _, succ := range r.Successors {
				if _, in := newList[succ]; !in {
					fail(r.Line, "đơn vị kế thừa %s của mã %s không có trong danh sách mới", succ, r.Code)
					ok = false
				}
			}
			if _, isCurrent := current[r.Code]; !isCurrent {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM org_admin_units WHERE code = $1", r.Code).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					fail(r.Line, "mã %s không có trong danh mục nên không thể thôi hiệu lực", r.Code)
					ok = false
				}
				// Already retired earlier: nothing to do (a re-import).
				continue
			}
			if ok {
				retiredBy[r.Code] = r
			}
			continue
		}
		if r.level() == LevelCommune && !provinceExists(r.ProvinceCode) {
			if rep.Provinces {
				fail(r.Line, "tỉnh %s của xã %s không có trong danh sách tỉnh của tệp", r.ProvinceCode, r.Code)
			} else {
				fail(r.Line, "tỉnh %s của xã %s không có trong danh mục hiện hành", r.ProvinceCode, r.Code)
			}
		}
	}
	if len(rep.Errors) > 0 {
		return nil
	}
	// Every province keeps at least one commune: a province left empty means
	// the file is a partial list (say, one province's communes), which would
	// otherwise retire every other commune of the country.
	communesOf := map[string]int{}
	for _, r := range newList {
		if r.level() == LevelCommune {
			communesOf[r.ProvinceCode]++
		}
	}
	var empty []string
	for code, u := range current {
		if u.Level == LevelProvince && communesOf[code] == 0 && provinceExists(code) {
			empty = append(empty, code)
		}
	}
	if rep.Provinces {
		for code, r := range newList {
			if r.level() == LevelProvince && communesOf[code] == 0 && current[code] == nil {
				empty = append(empty, code)
			}
		}
	}
	if len(empty) > 0 {
		slices.Sort(empty)
		list := strings.Join(empty, ", ")
		if len(empty) > 10 {
			list = strings.Join(empty[:10], ", ") + fmt.Sprintf(" và %d tỉnh khác", len(empty)-10)
		}
		fail(0, "Tệp không có xã nào của tỉnh %s: tệp phải là danh sách đầy đủ các xã của cả nước (các xã vắng mặt sẽ bị thôi hiệu lực)", list)
		return nil
	}
	for i := range rows {
		r := &rows[i]
		if r.retirement() {
			continue
		}
		after := &AdminUnit{Code: r.Code, Level: r.level(), Name: r.Name, Type: r.Type, ProvinceCode: r.ProvinceCode, ValidFrom: rep.ValidFrom}
		old, ok := current[r.Code]
		if !ok {
			rep.Added = append(rep.Added, UnitChange{Code: r.Code, Level: r.level(), Line: r.Line, After: after})
			continue
		}
		ch := UnitChange{Code: r.Code, Level: r.level(), Line: r.Line, Before: old, After: after}
		if old.Name != r.Name || old.Type != r.Type {
			rep.Renamed = append(rep.Renamed, ch)
		}
		if old.ProvinceCode != r.ProvinceCode {
			rep.Moved = append(rep.Moved, ch)
		}
	}
	codes := make([]string, 0, len(current))
	for c := range current {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		old := current[c]
		if _, kept := newList[c]; kept {
			continue
		}
		if old.Level == LevelProvince && !rep.Provinces {
			continue
		}
		ch := UnitChange{Code: c, Level: old.Level, Before: old}
		if r := retiredBy[c]; r != nil {
			ch.Line, ch.Successors = r.Line, r.Successors
		}
		rep.Retired = append(rep.Retired, ch)
	}
	return nil
}

// applyImport writes the changes of a checked report.
func (s *Service) applyImport(ctx context.Context, tx *sql.Tx, rep *ImportReport) error {
	lastDay := rep.ValidFrom.AddDays(-1)
	ins, err := tx.PrepareContext(ctx, insertAdminUnit+" RETURNING id")
	if err != nil {
		return err
	}
	defer ins.Close()
	insert := func(u *AdminUnit) error {
		err := ins.QueryRowContext(ctx, u.Code, string(u.Level), u.Name, string(u.Type), nullString(u.ProvinceCode), u.ValidFrom).Scan(&u.ID)
		if err != nil {
			return fmt.Errorf("insert unit %s: %w", u.Code, err)
		}
		return nil
	}
	changed := map[string]*UnitChange{}
	for _, l := range [][]UnitChange{rep.Renamed, rep.Moved} {
		for i := range l {
			changed[l[i].Code] = &l[i]
		}
	}
	codes := make([]string, 0, len(changed))
	for c := range changed {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		ch := changed[c]
		if err := closeOpen(ctx, tx, "org_admin_units", ch.Before.ID, lastDay); err != nil {
			return err
		}
		if err := insert(ch.After); err != nil {
			return err
		}
	}
	// A unit both renamed and moved shares one After version.
	for _, l := range [][]UnitChange{rep.Renamed, rep.Moved} {
		for i := range l {
			l[i].After = changed[l[i].Code].After
		}
	}
	for i := range rep.Retired {
		ch := &rep.Retired[i]
		if err := closeOpen(ctx, tx, "org_admin_units", ch.Before.ID, lastDay); err != nil {
			return err
		}
		for _, succ := range ch.Successors {
			if _, err := tx.ExecContext(ctx, "INSERT INTO org_admin_unit_successors (unit_id, successor_code) VALUES ($1, $2)",
				ch.Before.ID, succ); err != nil {
				return fmt.Errorf("successor of %s: %w", ch.Code, err)
			}
		}
	}
	for i := range rep.Added {
		if err := insert(rep.Added[i].After); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Wrap(err, apperr.Conflict, "Mã %s đã có phiên bản bắt đầu ngày %s", rep.Added[i].Code, rep.ValidFrom.VN())
			}
			return err
		}
	}
	// The closed versions now end the day before.
	for _, l := range [][]UnitChange{rep.Renamed, rep.Moved, rep.Retired} {
		for i := range l {
			if l[i].Before != nil && l[i].Before.ValidTo.IsZero() {
				b := *l[i].Before
				b.ValidTo = lastDay
				b.Successors = l[i].Successors
				l[i].Before = &b
			}
		}
	}
	return nil
}

// Text renders the report in Vietnamese for people (the web page, the CLI and
// the golden test use it).
func (r *ImportReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Nhập danh mục đơn vị hành chính có hiệu lực từ ngày %s\n", r.ValidFrom.VN())
	fmt.Fprintf(&b, "Tệp: SHA-256 %s, %s dòng dữ liệu hợp lệ\n", r.SHA256, thousands(r.Rows))
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "KẾT QUẢ: tệp bị từ chối vì có %d dòng lỗi; không có thay đổi nào được ghi.\n", countLineErrors(r.Errors))
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "  - %s\n", e)
		}
		return b.String()
	}
	if r.Provinces {
		b.WriteString("Tệp có danh sách tỉnh: danh sách tỉnh được so sánh và cập nhật.\n")
	} else {
		b.WriteString("Tệp không có danh sách tỉnh: giữ nguyên danh sách tỉnh hiện hành.\n")
	}
	switch {
	case r.Changes() == 0:
		b.WriteString("KẾT QUẢ: không có thay đổi so với danh mục hiện hành.\n")
		return b.String()
	case r.Applied:
		fmt.Fprintf(&b, "KẾT QUẢ: đã ghi %d đơn vị thay đổi.\n", r.Changes())
	default:
		fmt.Fprintf(&b, "KẾT QUẢ (xem trước, chưa ghi): %d đơn vị thay đổi.\n", r.Changes())
	}
	unit := func(u *AdminUnit) string {
		if u.Level == LevelProvince {
			return fmt.Sprintf("%s %s", u.Code, u.Name)
		}
		return fmt.Sprintf("%s %s (tỉnh %s)", u.Code, u.Name, u.ProvinceCode)
	}
	section := func(title string, list []UnitChange, line func(UnitChange) string) {
		fmt.Fprintf(&b, "%s: %d\n", title, len(list))
		for _, c := range list {
			fmt.Fprintf(&b, "  - %s\n", line(c))
		}
	}
	section("Thêm mới", r.Added, func(c UnitChange) string { return unit(c.After) })
	section("Đổi tên hoặc loại", r.Renamed, func(c UnitChange) string {
		return fmt.Sprintf("%s: %s (%s) → %s (%s)", c.Code, c.Before.Name, c.Before.Type, c.After.Name, c.After.Type)
	})
	section("Chuyển tỉnh", r.Moved, func(c UnitChange) string {
		return fmt.Sprintf("%s %s: tỉnh %s → tỉnh %s", c.Code, c.After.Name, c.Before.ProvinceCode, c.After.ProvinceCode)
	})
	section("Thôi hiệu lực", r.Retired, func(c UnitChange) string {
		if len(c.Successors) == 0 {
			return unit(c.Before) + ", không ghi đơn vị kế thừa"
		}
		return unit(c.Before) + " → kế thừa: " + strings.Join(c.Successors, ", ")
	})
	if r.Applied {
		fmt.Fprintf(&b, "Phiên bản cũ của các đơn vị thay đổi có hiệu lực đến hết ngày %s.\n", r.ValidFrom.AddDays(-1).VN())
	}
	return b.String()
}

// thousands formats n with '.' as the thousands separator (Vietnamese).
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	return string(out)
}
