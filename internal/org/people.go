package org

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Position is a post or job title (chức vụ, chức danh) officials hold.
type Position struct {
	ID     int64
	Code   string // stable key: "chu_tich", "van_thu"
	Name   string // Vietnamese: "Chủ tịch", "Văn thư"
	Leader bool   // a leadership post (lãnh đạo): may assign work and sign
	Rank   int    // list order: lower first (leaders before staff)
}

// Position codes seeded by Seed; other modules may rely on them.
const (
	PosMinister          = "bo_truong"
	PosDeputyMinister    = "thu_truong"
	PosChair             = "chu_tich"
	PosViceChair         = "pho_chu_tich"
	PosDirector          = "giam_doc"
	PosDeputyDirector    = "pho_giam_doc"
	PosChiefOfOffice     = "chanh_van_phong"
	PosDeputyChief       = "pho_chanh_van_phong"
	PosHeadOfVu          = "vu_truong"
	PosHeadOfDivision    = "truong_phong"
	PosDeputyOfDivision  = "pho_truong_phong"
	PosSpecialist        = "chuyen_vien"
	PosCivilServant      = "cong_chuc"
	PosOneStopOfficer    = "cong_chuc_mot_cua"
	PosClerk             = "van_thu"
	PosSystemAdmin       = "quan_tri_he_thong"
	PosSecurityOfficer   = "an_toan_thong_tin"
	PosInspector         = "thanh_tra_vien"
	PosInspectorateChief = "chanh_thanh_tra"
)

// shippedPositions is the catalogue seeded on first start.
var shippedPositions = []Position{
	{Code: PosMinister, Name: "Bộ trưởng", Leader: true, Rank: 10},
	{Code: PosDeputyMinister, Name: "Thứ trưởng", Leader: true, Rank: 20},
	{Code: PosChair, Name: "Chủ tịch", Leader: true, Rank: 10},
	{Code: PosViceChair, Name: "Phó Chủ tịch", Leader: true, Rank: 20},
	{Code: PosDirector, Name: "Giám đốc", Leader: true, Rank: 10},
	{Code: PosDeputyDirector, Name: "Phó Giám đốc", Leader: true, Rank: 20},
	{Code: PosChiefOfOffice, Name: "Chánh Văn phòng", Leader: true, Rank: 30},
	{Code: PosDeputyChief, Name: "Phó Chánh Văn phòng", Leader: true, Rank: 40},
	{Code: PosInspectorateChief, Name: "Chánh Thanh tra", Leader: true, Rank: 30},
	{Code: PosHeadOfVu, Name: "Vụ trưởng", Leader: true, Rank: 30},
	{Code: PosHeadOfDivision, Name: "Trưởng phòng", Leader: true, Rank: 50},
	{Code: PosDeputyOfDivision, Name: "Phó Trưởng phòng", Leader: true, Rank: 60},
	{Code: PosSpecialist, Name: "Chuyên viên", Rank: 80},
	{Code: PosCivilServant, Name: "Công chức", Rank: 80},
	{Code: PosInspector, Name: "Thanh tra viên", Rank: 80},
	{Code: PosOneStopOfficer, Name: "Công chức tiếp nhận và trả kết quả", Rank: 85},
	{Code: PosSystemAdmin, Name: "Quản trị hệ thống", Rank: 85},
	{Code: PosSecurityOfficer, Name: "Cán bộ an toàn thông tin", Rank: 85},
	{Code: PosClerk, Name: "Văn thư", Rank: 90},
}

// seedPositions inserts the shipped positions that are missing (by code); it
// never changes a position an administrator edited.
func (s *Service) seedPositions(ctx context.Context, tx *sql.Tx, a *actor.Actor) error {
	var added []string
	for _, p := range shippedPositions {
		res, err := tx.ExecContext(ctx, "INSERT INTO org_positions (code, name, leader, rank) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
			p.Code, p.Name, p.Leader, p.Rank)
		if err != nil {
			return fmt.Errorf("seed position %s: %w", p.Code, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added = append(added, p.Code)
		}
	}
	if len(added) == 0 {
		return nil
	}
	return s.record(ctx, tx, a, "org.positions.seed", "position", "catalogue", nil, added, map[string]any{"added": len(added)})
}

const positionColumns = "id, code, name, leader, rank"

func scanPosition(sc interface{ Scan(...any) error }) (Position, error) {
	var p Position
	err := sc.Scan(&p.ID, &p.Code, &p.Name, &p.Leader, &p.Rank)
	return p, err
}

// Positions returns the catalogue: by rank, then Vietnamese name.
func (s *Service) Positions(ctx context.Context) ([]Position, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+positionColumns+" FROM org_positions")
	if err != nil {
		return nil, fmt.Errorf("list positions: %w", err)
	}
	defer rows.Close()
	var out []Position
	for rows.Next() {
		p, err := scanPosition(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByName(out, func(p Position) []string { return []string{fmt.Sprintf("%05d", p.Rank), p.Name} }, func(p Position) int64 { return p.ID })
	return out, nil
}

// CreatePosition adds a position to the catalogue. Errors: EINVALID,
// ECONFLICT (code taken).
func (s *Service) CreatePosition(ctx context.Context, a *actor.Actor, p Position) (*Position, error) {
	if err := s.allow(ctx, a, access.OrgOfficialEdit, "position", p.Code); err != nil {
		return nil, err
	}
	if !validKey(p.Code) {
		return nil, apperr.FieldError("code", "Mã chức vụ %q không hợp lệ: chữ thường không dấu, chữ số và dấu _", clip(p.Code))
	}
	var err error
	if p.Name, err = cleanName("name", "Tên chức vụ", p.Name, maxShortNameLen); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		p.ID, err = insertID(ctx, tx, "INSERT INTO org_positions (code, name, leader, rank) VALUES ($1, $2, $3, $4)", p.Code, p.Name, p.Leader, p.Rank)
		if db.IsUniqueViolation(err) {
			return apperr.Wrap(err, apperr.Conflict, "Mã chức vụ %s đã có", p.Code)
		}
		if err != nil {
			return fmt.Errorf("insert position: %w", err)
		}
		return s.record(ctx, tx, a, "org.position.create", "position", p.Code, nil, p, map[string]any{"name": p.Name})
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func validKey(k string) bool {
	if k == "" || len(k) > 50 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func positionsByCode(ctx context.Context, q db.Querier, codes []string) ([]Position, error) {
	if len(codes) == 0 {
		return nil, apperr.FieldError("positions", "Cần ít nhất một chức vụ")
	}
	var out []Position
	for _, c := range codes {
		p, err := scanPosition(q.QueryRowContext(ctx, "SELECT "+positionColumns+" FROM org_positions WHERE code = $1", c))
		if err == sql.ErrNoRows {
			return nil, apperr.FieldError("positions", "Chức vụ %q không có trong danh mục", clip(c))
		}
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o Position) bool { return o.ID == p.ID }) {
			return nil, apperr.FieldError("positions", "Chức vụ %s được nêu hai lần", c)
		}
		out = append(out, p)
	}
	return out, nil
}

// Official is a person working in an agency (cán bộ, công chức, viên chức).
// The identity module links login accounts to officials by ID.
type Official struct {
	ID         int64
	FullName   string // NFC: "Lò Thị Mai"
	StaffCode  string // mã cán bộ of the HR system; "" if none
	AgencyID   int64  // current main agency
	UnitID     int64  // current unit inside it; 0 if none
	Email      string
	Phone      string
	ActiveFrom Date // first day of service on record
	ActiveTo   Date // last day of service; zero while serving
	// Assignments are the positions held on the day asked for, leaders'
	// posts first.
	Assignments []Assignment
}

// Assignment is one position held in an agency (and unit) for a period.
type Assignment struct {
	Position  Position
	AgencyID  int64
	UnitID    int64 // 0 if none
	ValidFrom Date
	ValidTo   Date // zero while current
}

// NewOfficial describes an official to register.
type NewOfficial struct {
	FullName      string   // required
	StaffCode     string   // optional, unique: letters, digits, . - _
	AgencyID      int64    // required
	UnitID        int64    // optional; must belong to AgencyID
	Email, Phone  string   // optional contact
	PositionCodes []string // at least one, e.g. []string{PosSpecialist}
	ActiveFrom    Date     // today when zero
}

// OfficialFilter selects officials by the positions they held on AsOf.
type OfficialFilter struct {
	AsOf         Date   // today when zero
	AgencyID     int64  // holding a position in this agency …
	Subtree      bool   // … or in any agency below it
	UnitID       int64  // holding a position in this unit
	PositionCode string // holding this position
}

// CreateOfficial registers an official with positions in one agency (and
// unit). Errors: EINVALID, ECONFLICT (staff code taken).
func (s *Service) CreateOfficial(ctx context.Context, a *actor.Actor, n NewOfficial) (*Official, error) {
	if err := s.allow(ctx, a, access.OrgOfficialEdit, "official", "new", n.AgencyID); err != nil {
		return nil, err
	}
	var o *Official
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = s.createOfficial(ctx, tx, n); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "org.official.create", "official", idText(o.ID), nil, o,
			map[string]any{"agency": o.AgencyID, "unit": o.UnitID, "positions": n.PositionCodes})
	})
	return o, err
}

func (s *Service) createOfficial(ctx context.Context, tx *sql.Tx, n NewOfficial) (*Official, error) {
	o := &Official{AgencyID: n.AgencyID, UnitID: n.UnitID, ActiveFrom: s.asOf(n.ActiveFrom)}
	var err error
	if o.FullName, err = cleanName("full_name", "Họ và tên", n.FullName, maxShortNameLen); err != nil {
		return nil, err
	}
	if o.StaffCode = strings.TrimSpace(n.StaffCode); o.StaffCode != "" {
		if !validStaffCode(o.StaffCode) {
			return nil, apperr.FieldError("staff_code", "Mã cán bộ %q không hợp lệ: chỉ gồm chữ cái không dấu, chữ số và dấu . - _ (tối đa 32 ký tự)", clip(o.StaffCode))
		}
	}
	if o.Email, o.Phone, err = cleanContact(n.Email, n.Phone); err != nil {
		return nil, err
	}
	if err := checkPlace(ctx, tx, o.AgencyID, o.UnitID, o.ActiveFrom); err != nil {
		return nil, err
	}
	positions, err := positionsByCode(ctx, tx, n.PositionCodes)
	if err != nil {
		return nil, err
	}
	o.ID, err = insertID(ctx, tx, `INSERT INTO org_officials (full_name, staff_code, agency_id, unit_id, email, phone, active_from, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		o.FullName, nullString(o.StaffCode), o.AgencyID, nullID(o.UnitID), o.Email, o.Phone, o.ActiveFrom, db.Micros(s.now()))
	if db.IsUniqueViolation(err) {
		return nil, apperr.Wrap(err, apperr.Conflict, "Mã cán bộ %s đã được dùng", o.StaffCode)
	}
	if err != nil {
		return nil, fmt.Errorf("insert official: %w", err)
	}
	for _, p := range positions {
		if err := insertAssignment(ctx, tx, o.ID, p.ID, o.AgencyID, o.UnitID, o.ActiveFrom); err != nil {
			return nil, err
		}
		o.Assignments = append(o.Assignments, Assignment{Position: p, AgencyID: o.AgencyID, UnitID: o.UnitID, ValidFrom: o.ActiveFrom})
	}
	return o, nil
}

func insertAssignment(ctx context.Context, tx *sql.Tx, official, position, agency, unit int64, from Date) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO org_official_positions (official_id, position_id, agency_id, unit_id, valid_from)
		VALUES ($1, $2, $3, $4, $5)`, official, position, agency, nullID(unit), from)
	if err != nil {
		return fmt.Errorf("insert position of official %d: %w", official, err)
	}
	return nil
}

// checkPlace checks that the agency exists on day and the unit belongs to it.
func checkPlace(ctx context.Context, q db.Querier, agencyID, unitID int64, day Date) error {
	if _, err := findAgency(ctx, q, agencyID, day); err != nil {
		return apperr.FieldError("agency_id", "Cơ quan %d không tồn tại ngày %s", agencyID, day.VN())
	}
	if unitID == 0 {
		return nil
	}
	u, err := findUnit(ctx, q, unitID)
	if err != nil || u.AgencyID != agencyID || u.ValidFrom.After(day) || (!u.ValidTo.IsZero() && u.ValidTo.Before(day)) {
		return apperr.FieldError("unit_id", "Đơn vị %d không thuộc cơ quan %d vào ngày %s", unitID, agencyID, day.VN())
	}
	return nil
}

func cleanContact(email, phone string) (string, string, error) {
	email = strings.TrimSpace(email)
	phone = strings.TrimSpace(phone)
	if email != "" {
		at := strings.LastIndexByte(email, '@')
		if at < 1 || at == len(email)-1 || len(email) > 254 || strings.ContainsAny(email, " \t\r\n<>\"") {
			return "", "", apperr.FieldError("email", "Địa chỉ thư điện tử %q không hợp lệ", clip(email))
		}
	}
	if phone != "" {
		ok := len(phone) <= 20
		for i := 0; ok && i < len(phone); i++ {
			c := phone[i]
			ok = c >= '0' && c <= '9' || (i == 0 && c == '+') || c == ' ' || c == '.'
		}
		if !ok {
			return "", "", apperr.FieldError("phone", "Số điện thoại %q không hợp lệ", clip(phone))
		}
	}
	return email, phone, nil
}

const officialColumns = "o.id, o.full_name, COALESCE(o.staff_code, ''), o.agency_id, COALESCE(o.unit_id, 0), o.email, o.phone, o.active_from, o.active_to"

func scanOfficial(sc interface{ Scan(...any) error }) (Official, error) {
	var o Official
	err := sc.Scan(&o.ID, &o.FullName, &o.StaffCode, &o.AgencyID, &o.UnitID, &o.Email, &o.Phone, &o.ActiveFrom, &o.ActiveTo)
	return o, err
}

// assignments loads the positions of officials held on asOf, keyed by
// official id.
func assignments(ctx context.Context, q db.Querier, ids []int64, asOf Date) (map[int64][]Assignment, error) {
	out := map[int64][]Assignment{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{asOf}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = "$" + strconv.Itoa(i+2)
	}
	cond := validOn("a.", 1)
	rows, err := q.QueryContext(ctx, `SELECT a.official_id, p.id, p.code, p.name, p.leader, p.rank, a.agency_id, COALESCE(a.unit_id, 0), a.valid_from, a.valid_to
		FROM org_official_positions a JOIN org_positions p ON p.id = a.position_id
		WHERE `+cond+` AND a.official_id IN (`+strings.Join(marks, ", ")+`)
		ORDER BY a.official_id, p.rank, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("positions of officials: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a Assignment
		if err := rows.Scan(&id, &a.Position.ID, &a.Position.Code, &a.Position.Name, &a.Position.Leader, &a.Position.Rank,
			&a.AgencyID, &a.UnitID, &a.ValidFrom, &a.ValidTo); err != nil {
			return nil, err
		}
		out[id] = append(out[id], a)
	}
	return out, rows.Err()
}

// Official returns an official with the positions held on asOf (today when
// zero); ENOTFOUND for an unknown id.
func (s *Service) Official(ctx context.Context, id int64, asOf Date) (*Official, error) {
	return s.officialWhere(ctx, "o.id = $1", id, s.asOf(asOf))
}

// OfficialByStaffCode returns the official with this staff code and the
// positions held on asOf (today when zero); ENOTFOUND otherwise.
func (s *Service) OfficialByStaffCode(ctx context.Context, code string, asOf Date) (*Official, error) {
	return s.officialWhere(ctx, "o.staff_code = $1", code, s.asOf(asOf))
}

func (s *Service) officialWhere(ctx context.Context, cond string, key any, asOf Date) (*Official, error) {
	var o Official
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOfficial(tx.QueryRowContext(ctx, "SELECT "+officialColumns+" FROM org_officials o WHERE "+cond, key))
		if err == sql.ErrNoRows {
			return notFound("cán bộ", key, Date{})
		}
		if err != nil {
			return fmt.Errorf("find official %v: %w", key, err)
		}
		as, err := assignments(ctx, tx, []int64{o.ID}, asOf)
		o.Assignments = as[o.ID]
		return err
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// Officials returns the officials holding a position matching f on f.AsOf
// (today when zero), each with the positions held that day, sorted the
// Vietnamese way: by given name, then full name (Vietnamese collation).
func (s *Service) Officials(ctx context.Context, f OfficialFilter) ([]Official, error) {
	asOf := s.asOf(f.AsOf)
	var out []Official
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		where := []string{validOn("a.", 1), "o.active_from <= $1", "(o.active_to IS NULL OR o.active_to >= $1)"}
		args := []any{asOf}
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
		}
		if f.AgencyID != 0 {
			if f.Subtree {
				ids, err := subtree(ctx, tx, f.AgencyID, asOf)
				if err != nil {
					return err
				}
				marks := make([]string, len(ids))
				for i, id := range ids {
					args = append(args, id)
					marks[i] = "$" + strconv.Itoa(len(args))
				}
				where = append(where, "a.agency_id IN ("+strings.Join(marks, ", ")+")")
			} else {
				add("a.agency_id = $?", f.AgencyID)
			}
		}
		if f.UnitID != 0 {
			add("a.unit_id = $?", f.UnitID)
		}
		if f.PositionCode != "" {
			add("a.position_id = (SELECT id FROM org_positions WHERE code = $?)", f.PositionCode)
		}
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT "+officialColumns+` FROM org_officials o
			JOIN org_official_positions a ON a.official_id = o.id WHERE `+strings.Join(where, " AND "), args...)
		if err != nil {
			return fmt.Errorf("list officials: %w", err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			o, err := scanOfficial(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
			ids = append(ids, o.ID)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		as, err := assignments(ctx, tx, ids, asOf)
		if err != nil {
			return err
		}
		for i := range out {
			out[i].Assignments = as[out[i].ID]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortByName(out, func(o Official) []string { return personKeys(o.FullName) }, func(o Official) int64 { return o.ID })
	return out, nil
}

// Reassignment moves an official to new positions from a day.
type Reassignment struct {
	AgencyID      int64    // the new main agency (required)
	UnitID        int64    // unit inside it, 0 for none
	PositionCodes []string // the positions held from Effective (replacing all current ones)
	Effective     Date     // first day; today when zero
}

// ReassignOfficial ends the official's current positions the day before
// r.Effective and starts the new ones (transfer, promotion, kiêm nhiệm
// changes). History stays: Officials as of earlier days still list the old
// positions.
func (s *Service) ReassignOfficial(ctx context.Context, a *actor.Actor, id int64, r Reassignment) (*Official, error) {
	if err := s.allow(ctx, a, access.OrgOfficialEdit, "official", idText(id), s.officialAgency(ctx, id), r.AgencyID); err != nil {
		return nil, err
	}
	effective := s.asOf(r.Effective)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := scanOfficial(tx.QueryRowContext(ctx, "SELECT "+officialColumns+" FROM org_officials o WHERE o.id = $1", id))
		if err == sql.ErrNoRows {
			return notFound("cán bộ", id, Date{})
		}
		if err != nil {
			return err
		}
		if !before.ActiveTo.IsZero() {
			return apperr.New(apperr.Conflict, "Cán bộ %s đã thôi công tác", before.FullName)
		}
		if err := checkPlace(ctx, tx, r.AgencyID, r.UnitID, effective); err != nil {
			return err
		}
		positions, err := positionsByCode(ctx, tx, r.PositionCodes)
		if err != nil {
			return err
		}
		if err := endAssignments(ctx, tx, "official_id = $2", id, effective); err != nil {
			return err
		}
		for _, p := range positions {
			if err := insertAssignment(ctx, tx, id, p.ID, r.AgencyID, r.UnitID, effective); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE org_officials SET agency_id = $1, unit_id = $2 WHERE id = $3", r.AgencyID, nullID(r.UnitID), id); err != nil {
			return err
		}
		after := before
		after.AgencyID, after.UnitID = r.AgencyID, r.UnitID
		return s.record(ctx, tx, a, "org.official.reassign", "official", idText(id), before, after,
			map[string]any{"agency": r.AgencyID, "unit": r.UnitID, "positions": r.PositionCodes, "effective": effective.String()})
	})
	if err != nil {
		return nil, err
	}
	return s.Official(ctx, id, effective)
}

// EndService records the official's last day of service as the day before
// effective (retirement, transfer out of the platform) and ends their
// positions. Identity should disable the linked accounts.
func (s *Service) EndService(ctx context.Context, a *actor.Actor, id int64, effective Date) error {
	if err := s.allow(ctx, a, access.OrgOfficialEdit, "official", idText(id), s.officialAgency(ctx, id)); err != nil {
		return err
	}
	effective = s.asOf(effective)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := scanOfficial(tx.QueryRowContext(ctx, "SELECT "+officialColumns+" FROM org_officials o WHERE o.id = $1", id))
		if err == sql.ErrNoRows {
			return notFound("cán bộ", id, Date{})
		}
		if err != nil {
			return err
		}
		if !before.ActiveTo.IsZero() {
			return apperr.New(apperr.Conflict, "Cán bộ %s đã thôi công tác", before.FullName)
		}
		if !effective.After(before.ActiveFrom) {
			return apperr.FieldError("effective", "Ngày thôi công tác phải sau ngày bắt đầu (%s)", before.ActiveFrom.VN())
		}
		if err := endAssignments(ctx, tx, "official_id = $2", id, effective); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE org_officials SET active_to = $1 WHERE id = $2", effective.AddDays(-1), id); err != nil {
			return err
		}
		after := before
		after.ActiveTo = effective.AddDays(-1)
		return s.record(ctx, tx, a, "org.official.end", "official", idText(id), before, after,
			map[string]any{"effective": effective.String()})
	})
}

// endAssignments ends the open assignments matching cond ($2 = key) the day
// before effective; ones starting on or after effective are removed, since
// they never took effect.
func endAssignments(ctx context.Context, tx *sql.Tx, cond string, key int64, effective Date) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM org_official_positions WHERE "+cond+" AND valid_to IS NULL AND valid_from >= $1",
		effective, key); err != nil {
		return fmt.Errorf("drop future positions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE org_official_positions SET valid_to = $3 WHERE "+cond+" AND valid_to IS NULL AND valid_from < $1",
		effective, key, effective.AddDays(-1)); err != nil {
		return fmt.Errorf("end positions: %w", err)
	}
	return nil
}

// transferOfficials moves the officials serving in agency from to agency to
// on effective, keeping their positions (without unit).
func transferOfficials(ctx context.Context, tx *sql.Tx, from, to int64, effective Date) error {
	rows, err := tx.QueryContext(ctx, "SELECT official_id, position_id FROM org_official_positions WHERE agency_id = $1 AND valid_to IS NULL ORDER BY id", from)
	if err != nil {
		return err
	}
	type pair struct{ official, position int64 }
	var moves []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.official, &p.position); err != nil {
			rows.Close()
			return err
		}
		moves = append(moves, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := endAssignments(ctx, tx, "agency_id = $2", from, effective); err != nil {
		return err
	}
	for _, m := range moves {
		if err := insertAssignment(ctx, tx, m.official, m.position, to, 0, effective); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, "UPDATE org_officials SET agency_id = $1, unit_id = NULL WHERE agency_id = $2 AND active_to IS NULL", to, from)
	return err
}
