package org

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// AgencyKind classifies agencies (cơ quan) of the 2025 two-level structure.
type AgencyKind string

// The kinds of agencies.
const (
	KindMinistry              AgencyKind = "ministry"                // Bộ, cơ quan ngang bộ (Bộ Dân tộc và Tôn giáo)
	KindMinistryBody          AgencyKind = "ministry_body"           // Tổng cục, Cục … with its own seal, under a ministry
	KindProvinceCommittee     AgencyKind = "province_committee"      // UBND tỉnh / thành phố
	KindProvinceOffice        AgencyKind = "province_office"         // Văn phòng UBND tỉnh
	KindDepartment            AgencyKind = "department"              // Sở and equivalents (Thanh tra tỉnh)
	KindProvinceServiceCentre AgencyKind = "province_service_centre" // Trung tâm Phục vụ hành chính công tỉnh
	KindCommuneCommittee      AgencyKind = "commune_committee"       // UBND xã / phường / đặc khu
	KindCommuneServiceCentre  AgencyKind = "commune_service_centre"  // Trung tâm Phục vụ hành chính công xã
	KindOther                 AgencyKind = "other"                   // public service units and other bodies
)

// kindInfo says what each kind needs.
var kindInfo = map[AgencyKind]struct {
	Label string // Vietnamese, for messages and pages
	Level Level  // administrative level it serves; "" = none required
	Rank  int    // list order among siblings
}{
	KindMinistry:              {"Bộ, cơ quan ngang bộ", "", 10},
	KindMinistryBody:          {"Cơ quan thuộc bộ", "", 20},
	KindProvinceCommittee:     {"Ủy ban nhân dân tỉnh", LevelProvince, 10},
	KindProvinceOffice:        {"Văn phòng Ủy ban nhân dân tỉnh", LevelProvince, 20},
	KindDepartment:            {"Sở và tương đương", LevelProvince, 30},
	KindProvinceServiceCentre: {"Trung tâm Phục vụ hành chính công tỉnh", LevelProvince, 40},
	KindCommuneCommittee:      {"Ủy ban nhân dân xã", LevelCommune, 50},
	KindCommuneServiceCentre:  {"Trung tâm Phục vụ hành chính công xã", LevelCommune, 60},
	KindOther:                 {"Cơ quan, đơn vị khác", "", 90},
}

// Label returns the kind's Vietnamese name.
func (k AgencyKind) Label() string { return kindInfo[k].Label }

// Agency is one version of an agency (cơ quan): its names, codes and place in
// the tree between ValidFrom and ValidTo. ID is stable across renames and
// moves; a merger, split or replacement ends an agency and links it to its
// successor(s).
type Agency struct {
	ID        int64  // stable agency id (accounts, documents and dossiers refer to it)
	VersionID int64  // id of this version
	Name      string // full name, NFC: "Ủy ban nhân dân tỉnh Lào Cai"
	ShortName string // short name for lists: "UBND tỉnh Lào Cai"
	// Code is the electronic identifier (mã định danh điện tử, Decision
	// 20/2020/QĐ-TTg as amended by 09/2025/QĐ-TTg), opaque, "" if none.
	Code string
	// Abbreviation is used in document symbols: the issuing body in
	// "QĐ-UBND", "TB-SNV", "125/UBND-VP".
	Abbreviation  string
	Kind          AgencyKind
	ParentID      int64  // parent agency, 0 for a top-level agency
	AdminUnitCode string // province or commune the agency serves; "" for ministries
	ValidFrom     Date   // first day of this version
	ValidTo       Date   // last day of this version; zero while current
	// Predecessors and Successors link merged, split and replaced agencies
	// (filled by Agency, AgencyByCode and AgencyHistory, not by lists).
	Predecessors []AgencyLink
	Successors   []AgencyLink
}

// LinkKind is how one agency succeeded another.
type LinkKind string

// The kinds of succession.
const (
	LinkMerge   LinkKind = "merge"   // several agencies merged into one (sáp nhập, hợp nhất)
	LinkSplit   LinkKind = "split"   // one agency split into several (chia, tách)
	LinkReplace LinkKind = "replace" // one agency ended and another took over its work
)

// AgencyLink is one predecessor or successor of an agency.
type AgencyLink struct {
	AgencyID  int64    // the other agency
	Kind      LinkKind // merge, split or replace
	Effective Date     // first day of the successor's role
}

// NewAgency describes an agency to create.
type NewAgency struct {
	Name          string     // full name (required)
	ShortName     string     // short name; the full name when empty
	Code          string     // electronic identifier; "" if not (yet) assigned
	Abbreviation  string     // for document symbols (required)
	Kind          AgencyKind // required
	ParentID      int64      // parent agency valid on ValidFrom; 0 for top level
	AdminUnitCode string     // province (2 digits) or commune (5 digits) served, as Kind requires
	ValidFrom     Date       // first day; today when zero
}

// AgencyNames are the name fields a rename may change; an empty field keeps
// its current value.
type AgencyNames struct {
	Name, ShortName, Code, Abbreviation string
}

// AgencyFilter selects agencies valid on one day.
type AgencyFilter struct {
	AsOf          Date       // the day; today when zero
	ParentID      int64      // children of this agency
	ParentCode    string     // children of the agency with this code (resolved as of AsOf)
	TopLevel      bool       // only agencies without a parent
	Kind          AgencyKind // only this kind
	AdminUnitCode string     // only agencies serving this province or commune
}

const agencyColumns = `v.agency_id, v.id, v.name, v.short_name, COALESCE(v.code, ''), v.abbreviation, v.kind,
 COALESCE(v.parent_id, 0), COALESCE(v.admin_unit_code, ''), v.valid_from, v.valid_to`

func scanAgency(sc interface{ Scan(...any) error }) (Agency, error) {
	var g Agency
	var kind string
	err := sc.Scan(&g.ID, &g.VersionID, &g.Name, &g.ShortName, &g.Code, &g.Abbreviation, &kind,
		&g.ParentID, &g.AdminUnitCode, &g.ValidFrom, &g.ValidTo)
	g.Kind = AgencyKind(kind)
	return g, err
}

func queryAgencies(ctx context.Context, q db.Querier, query string, args ...any) ([]Agency, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		g, err := scanAgency(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// sortAgencies orders siblings by kind (UBND, Văn phòng, Sở, Trung tâm …),
// then by Vietnamese collation of the name.
func sortAgencies(list []Agency) {
	sortByName(list, func(g Agency) []string {
		return []string{fmt.Sprintf("%03d", kindInfo[g.Kind].Rank), g.Name}
	}, func(g Agency) int64 { return g.ID })
}

// findAgency returns the version of agency id valid on asOf.
func findAgency(ctx context.Context, q db.Querier, id int64, asOf Date) (*Agency, error) {
	g, err := scanAgency(q.QueryRowContext(ctx,
		"SELECT "+agencyColumns+" FROM org_agency_versions v WHERE v.agency_id = $2 AND "+validOn("v.", 1), asOf, id))
	if err == sql.ErrNoRows {
		return nil, notFound("cơ quan", id, asOf)
	}
	if err != nil {
		return nil, fmt.Errorf("find agency %d as of %s: %w", id, asOf, err)
	}
	return &g, nil
}

// findAgencyByCode returns the version with this electronic code valid on asOf.
func findAgencyByCode(ctx context.Context, q db.Querier, code string, asOf Date) (*Agency, error) {
	g, err := scanAgency(q.QueryRowContext(ctx,
		"SELECT "+agencyColumns+" FROM org_agency_versions v WHERE v.code = $2 AND "+validOn("v.", 1)+" ORDER BY v.agency_id LIMIT 1", asOf, code))
	if err == sql.ErrNoRows {
		return nil, notFound("cơ quan có mã định danh", code, asOf)
	}
	if err != nil {
		return nil, fmt.Errorf("find agency %s as of %s: %w", code, asOf, err)
	}
	return &g, nil
}

// openAgency returns the open (latest, not ended) version of an agency.
func openAgency(ctx context.Context, q db.Querier, id int64) (*Agency, error) {
	g, err := scanAgency(q.QueryRowContext(ctx,
		"SELECT "+agencyColumns+" FROM org_agency_versions v WHERE v.agency_id = $1 AND v.valid_to IS NULL", id))
	if err == sql.ErrNoRows {
		var n int
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM org_agencies WHERE id = $1", id).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, notFound("cơ quan", id, Date{})
		}
		return nil, apperr.New(apperr.Conflict, "Cơ quan %d đã thôi hoạt động, không thể thay đổi", id)
	}
	if err != nil {
		return nil, fmt.Errorf("open version of agency %d: %w", id, err)
	}
	return &g, nil
}

func fillLinks(ctx context.Context, q db.Querier, g *Agency) error {
	for _, dir := range []struct {
		query string
		dst   *[]AgencyLink
	}{
		{"SELECT predecessor_id, kind, effective FROM org_agency_links WHERE successor_id = $1 ORDER BY effective, predecessor_id", &g.Predecessors},
		{"SELECT successor_id, kind, effective FROM org_agency_links WHERE predecessor_id = $1 ORDER BY effective, successor_id", &g.Successors},
	} {
		rows, err := q.QueryContext(ctx, dir.query, g.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l AgencyLink
			var kind string
			if err := rows.Scan(&l.AgencyID, &kind, &l.Effective); err != nil {
				rows.Close()
				return err
			}
			l.Kind = LinkKind(kind)
			*dir.dst = append(*dir.dst, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Agency returns the version of agency id valid on asOf (today when zero),
// with its predecessor and successor links; ENOTFOUND when it did not exist
// that day.
func (s *Service) Agency(ctx context.Context, id int64, asOf Date) (*Agency, error) {
	asOf = s.asOf(asOf)
	var g *Agency
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if g, err = findAgency(ctx, tx, id, asOf); err != nil {
			return err
		}
		return fillLinks(ctx, tx, g)
	})
	return g, err
}

// AgencyByCode returns the agency whose electronic identifier was code on
// asOf (today when zero), with links; ENOTFOUND otherwise.
func (s *Service) AgencyByCode(ctx context.Context, code string, asOf Date) (*Agency, error) {
	asOf = s.asOf(asOf)
	var g *Agency
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if g, err = findAgencyByCode(ctx, tx, code, asOf); err != nil {
			return err
		}
		return fillLinks(ctx, tx, g)
	})
	return g, err
}

// AgencyHistory returns every version of an agency, oldest first; the last
// one carries the links. ENOTFOUND for an unknown id.
func (s *Service) AgencyHistory(ctx context.Context, id int64) ([]Agency, error) {
	var out []Agency
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAgencies(ctx, tx, "SELECT "+agencyColumns+" FROM org_agency_versions v WHERE v.agency_id = $1 ORDER BY v.valid_from", id)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			return notFound("cơ quan", id, Date{})
		}
		return fillLinks(ctx, tx, &out[len(out)-1])
	})
	return out, err
}

// Agencies returns the agencies valid on f.AsOf (today when zero) that match
// the filter — with no other field set, that day's whole tree — ordered by
// kind then by Vietnamese collation of the name. ENOTFOUND when ParentCode
// names no agency that day.
func (s *Service) Agencies(ctx context.Context, f AgencyFilter) ([]Agency, error) {
	asOf := s.asOf(f.AsOf)
	var out []Agency
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		where := []string{validOn("v.", 1)}
		args := []any{asOf}
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
		}
		parent := f.ParentID
		if f.ParentCode != "" {
			p, err := findAgencyByCode(ctx, tx, f.ParentCode, asOf)
			if err != nil {
				return err
			}
			parent = p.ID
		}
		if parent != 0 {
			add("v.parent_id = $?", parent)
		}
		if f.TopLevel {
			where = append(where, "v.parent_id IS NULL")
		}
		if f.Kind != "" {
			add("v.kind = $?", string(f.Kind))
		}
		if f.AdminUnitCode != "" {
			add("v.admin_unit_code = $?", f.AdminUnitCode)
		}
		var err error
		out, err = queryAgencies(ctx, tx, "SELECT "+agencyColumns+" FROM org_agency_versions v WHERE "+strings.Join(where, " AND "), args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	sortAgencies(out)
	return out, nil
}

const subtreeQuery = `WITH RECURSIVE sub(id) AS (
  SELECT CAST($2 AS BIGINT)
  UNION
  SELECT v.agency_id FROM org_agency_versions v JOIN sub ON v.parent_id = sub.id
  WHERE ` + "v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to >= $1)" + `
)
SELECT id FROM sub ORDER BY id`

// Subtree returns the ids of agencyID and every agency below it on asOf
// (today when zero), sorted ascending (use slices.BinarySearch). One
// recursive query; ENOTFOUND when agencyID did not exist that day.
func (s *Service) Subtree(ctx context.Context, agencyID int64, asOf Date) ([]int64, error) {
	asOf = s.asOf(asOf)
	var out []int64
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = subtree(ctx, tx, agencyID, asOf)
		return err
	})
	return out, err
}

func subtree(ctx context.Context, q db.Querier, agencyID int64, asOf Date) ([]int64, error) {
	if _, err := findAgency(ctx, q, agencyID, asOf); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, subtreeQuery, asOf, agencyID)
	if err != nil {
		return nil, fmt.Errorf("subtree of %d: %w", agencyID, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// maxDepth bounds walks up the tree (the real tree is 3–4 levels deep).
const maxDepth = 64

// InSubtree reports whether agencyID is rootID or below it on asOf (today
// when zero). It walks up from agencyID (a handful of index lookups), so
// access checks stay cheap however large the root's subtree is.
func (s *Service) InSubtree(ctx context.Context, rootID, agencyID int64, asOf Date) (bool, error) {
	asOf = s.asOf(asOf)
	return inSubtree(ctx, s.db.Reader(), rootID, agencyID, asOf)
}

// Within reports whether agency is root or below it today; it makes the
// Service an access.Tree.
func (s *Service) Within(ctx context.Context, root, agency int64) (bool, error) {
	return s.InSubtree(ctx, root, agency, Date{})
}

func inSubtree(ctx context.Context, q db.Querier, rootID, agencyID int64, asOf Date) (bool, error) {
	id := agencyID
	for range maxDepth {
		if id == rootID {
			return true, nil
		}
		var parent int64
		err := q.QueryRowContext(ctx, "SELECT COALESCE(v.parent_id, 0) FROM org_agency_versions v WHERE v.agency_id = $2 AND "+validOn("v.", 1),
			asOf, id).Scan(&parent)
		if err == sql.ErrNoRows || parent == 0 {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("parent of agency %d: %w", id, err)
		}
		id = parent
	}
	return false, nil
}

// validateAgency cleans and checks a version that starts on g.ValidFrom.
func validateAgency(ctx context.Context, q db.Querier, g *Agency) error {
	var err error
	if g.Name, err = cleanName("name", "Tên cơ quan", g.Name, maxNameLen); err != nil {
		return err
	}
	if strings.TrimSpace(g.ShortName) == "" {
		g.ShortName = g.Name
	}
	if g.ShortName, err = cleanName("short_name", "Tên viết gọn", g.ShortName, maxShortNameLen); err != nil {
		return err
	}
	g.Code = strings.TrimSpace(g.Code)
	if g.Code != "" {
		if err := ValidAgencyCode(g.Code); err != nil {
			return err
		}
	}
	if g.Abbreviation, err = cleanName("abbreviation", "Chữ viết tắt", g.Abbreviation, maxAbbreviationLen); err != nil {
		return err
	}
	if err := ValidAbbreviation("abbreviation", g.Abbreviation); err != nil {
		return err
	}
	info, ok := kindInfo[g.Kind]
	if !ok {
		return apperr.FieldError("kind", "Loại cơ quan %q không hợp lệ", clip(string(g.Kind)))
	}
	g.AdminUnitCode = strings.TrimSpace(g.AdminUnitCode)
	switch {
	case info.Level != "" && g.AdminUnitCode == "":
		return apperr.FieldError("admin_unit_code", "%s phải gắn với một đơn vị hành chính (%s)", info.Label, levelLabel(info.Level))
	case (g.Kind == KindMinistry || g.Kind == KindMinistryBody) && g.AdminUnitCode != "":
		return apperr.FieldError("admin_unit_code", "%s không gắn với đơn vị hành chính địa phương", info.Label)
	case g.AdminUnitCode != "":
		u, err := findAdminUnit(ctx, q, g.AdminUnitCode, g.ValidFrom)
		if err != nil {
			return apperr.FieldError("admin_unit_code", "Đơn vị hành chính %s không tồn tại ngày %s", clip(g.AdminUnitCode), g.ValidFrom.VN())
		}
		if info.Level != "" && u.Level != info.Level {
			return apperr.FieldError("admin_unit_code", "%s phải gắn với %s, không phải %s", info.Label, levelLabel(info.Level), u.Name)
		}
	}
	if g.ParentID != 0 {
		if _, err := findAgency(ctx, q, g.ParentID, g.ValidFrom); err != nil {
			return apperr.FieldError("parent_id", "Cơ quan cấp trên %d không tồn tại ngày %s", g.ParentID, g.ValidFrom.VN())
		}
		if g.ID != 0 {
			in, err := inSubtree(ctx, q, g.ID, g.ParentID, g.ValidFrom)
			if err != nil {
				return err
			}
			if in {
				return apperr.FieldError("parent_id", "Không thể đặt cơ quan dưới chính nó hoặc dưới một cơ quan trực thuộc nó")
			}
		}
	}
	if g.Code != "" {
		var other int64
		err := q.QueryRowContext(ctx, `SELECT agency_id FROM org_agency_versions
			WHERE code = $1 AND agency_id <> $2 AND (valid_to IS NULL OR valid_to >= $3) LIMIT 1`, g.Code, g.ID, g.ValidFrom).Scan(&other)
		if err == nil {
			return apperr.New(apperr.Conflict, "Mã định danh %s đang được dùng cho cơ quan khác (%d)", g.Code, other)
		}
		if err != sql.ErrNoRows {
			return err
		}
	}
	return nil
}

func levelLabel(l Level) string {
	if l == LevelProvince {
		return "tỉnh, thành phố"
	}
	return "xã, phường, đặc khu"
}

// insertAgencyVersion stores g as a new version of agency g.ID.
func insertAgencyVersion(ctx context.Context, tx *sql.Tx, g *Agency) error {
	id, err := insertID(ctx, tx, `INSERT INTO org_agency_versions
		(agency_id, valid_from, name, short_name, code, abbreviation, kind, parent_id, admin_unit_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		g.ID, g.ValidFrom, g.Name, g.ShortName, nullString(g.Code), g.Abbreviation, string(g.Kind), nullID(g.ParentID), nullString(g.AdminUnitCode))
	if err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Wrap(err, apperr.Conflict, "Mã định danh %s đang được dùng cho cơ quan khác", g.Code)
		}
		return fmt.Errorf("insert version of agency %d: %w", g.ID, err)
	}
	g.VersionID = id
	return nil
}

func (s *Service) createAgency(ctx context.Context, tx *sql.Tx, n NewAgency) (*Agency, error) {
	id, err := insertID(ctx, tx, "INSERT INTO org_agencies (created_at) VALUES ($1)", db.Micros(s.now()))
	if err != nil {
		return nil, fmt.Errorf("insert agency: %w", err)
	}
	return s.createAgencyWithID(ctx, tx, id, n)
}

// createAgencyWithID stores the first version of agency id (already in
// org_agencies).
func (s *Service) createAgencyWithID(ctx context.Context, tx *sql.Tx, id int64, n NewAgency) (*Agency, error) {
	g := &Agency{ID: id, Name: n.Name, ShortName: n.ShortName, Code: n.Code, Abbreviation: n.Abbreviation, Kind: n.Kind,
		ParentID: n.ParentID, AdminUnitCode: n.AdminUnitCode, ValidFrom: s.asOf(n.ValidFrom)}
	if err := validateAgency(ctx, tx, g); err != nil {
		return nil, err
	}
	if err := insertAgencyVersion(ctx, tx, g); err != nil {
		return nil, err
	}
	return g, nil
}

// CreateAgency creates an agency valid from n.ValidFrom (today when zero).
// Errors: EINVALID (a field, with its name), ECONFLICT (electronic code in
// use), ENOTFOUND-like EINVALID for a parent or unit absent that day.
func (s *Service) CreateAgency(ctx context.Context, a *actor.Actor, n NewAgency) (*Agency, error) {
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "agency", "new", n.ParentID); err != nil {
		return nil, err
	}
	var g *Agency
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if g, err = s.createAgency(ctx, tx, n); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "org.agency.create", "agency", idText(g.ID), nil, g,
			map[string]any{"name": g.Name, "code": g.Code, "valid_from": g.ValidFrom.String()})
	})
	return g, err
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

// checkEffective refuses a change dated on or before the open version's start.
func checkEffective(g *Agency, effective Date) error {
	if !effective.After(g.ValidFrom) {
		return apperr.FieldError("effective", "Ngày hiệu lực %s phải sau ngày bắt đầu của phiên bản hiện tại (%s) của %s",
			effective.VN(), g.ValidFrom.VN(), g.ShortName)
	}
	return nil
}

// revise closes agency id's open version the day before effective and opens
// a new one changed by change. It returns the old and new versions.
func (s *Service) revise(ctx context.Context, tx *sql.Tx, id int64, effective Date, change func(*Agency)) (old, cur *Agency, err error) {
	if err := s.lock(ctx, tx, lockAgencies); err != nil {
		return nil, nil, err
	}
	old, err = openAgency(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkEffective(old, effective); err != nil {
		return nil, nil, err
	}
	next := *old
	next.ValidFrom, next.ValidTo, next.VersionID = effective, Date{}, 0
	next.Predecessors, next.Successors = nil, nil
	change(&next)
	if err := validateAgency(ctx, tx, &next); err != nil {
		return nil, nil, err
	}
	if sameVersion(old, &next) {
		return nil, nil, apperr.New(apperr.Invalid, "Không có thay đổi nào so với phiên bản hiện tại của %s", old.ShortName)
	}
	if err := closeOpen(ctx, tx, "org_agency_versions", old.VersionID, effective.AddDays(-1)); err != nil {
		return nil, nil, err
	}
	if err := insertAgencyVersion(ctx, tx, &next); err != nil {
		return nil, nil, err
	}
	old.ValidTo = effective.AddDays(-1)
	return old, &next, nil
}

func sameVersion(a, b *Agency) bool {
	return a.Name == b.Name && a.ShortName == b.ShortName && a.Code == b.Code && a.Abbreviation == b.Abbreviation &&
		a.Kind == b.Kind && a.ParentID == b.ParentID && a.AdminUnitCode == b.AdminUnitCode
}

// RenameAgency gives agency id new names or codes from effective (today when
// zero): the current version ends the day before, the id stays, and queries
// as of earlier days still return the old names. Empty fields of names keep
// their value. Errors: ENOTFOUND, ECONFLICT (agency ended, code in use,
// concurrent change), EINVALID (bad field, no change, effective not after the
// current version's start).
func (s *Service) RenameAgency(ctx context.Context, a *actor.Actor, id int64, names AgencyNames, effective Date) (*Agency, error) {
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "agency", idText(id), id); err != nil {
		return nil, err
	}
	effective = s.asOf(effective)
	var cur *Agency
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, next, err := s.revise(ctx, tx, id, effective, func(g *Agency) {
			if names.Name != "" {
				g.Name = names.Name
				if names.ShortName == "" {
					g.ShortName = ""
				}
			}
			if names.ShortName != "" {
				g.ShortName = names.ShortName
			}
			if names.Code != "" {
				g.Code = names.Code
			}
			if names.Abbreviation != "" {
				g.Abbreviation = names.Abbreviation
			}
		})
		if err != nil {
			return err
		}
		cur = next
		return s.record(ctx, tx, a, "org.agency.rename", "agency", idText(id), old, next,
			map[string]any{"from": old.Name, "to": next.Name, "effective": effective.String()})
	})
	return cur, err
}

// MoveAgency places agency id under parentID (0: top level) from effective
// (today when zero), keeping history like RenameAgency.
func (s *Service) MoveAgency(ctx context.Context, a *actor.Actor, id, parentID int64, effective Date) (*Agency, error) {
	// Over the new parent as well: otherwise moving an agency under one's
	// own would widen a subtree grant over it.
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "agency", idText(id), id, parentID); err != nil {
		return nil, err
	}
	effective = s.asOf(effective)
	var cur *Agency
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, next, err := s.revise(ctx, tx, id, effective, func(g *Agency) { g.ParentID = parentID })
		if err != nil {
			return err
		}
		cur = next
		return s.record(ctx, tx, a, "org.agency.move", "agency", idText(id), old, next,
			map[string]any{"from_parent": old.ParentID, "to_parent": parentID, "effective": effective.String()})
	})
	return cur, err
}

// Merge describes a merger (sáp nhập / hợp nhất) effective on one day.
type Merge struct {
	// From are the agencies that cease to exist (their last day is the day
	// before Effective).
	From []int64
	// Into is an existing agency that absorbs them (sáp nhập), or 0 to create
	// New (hợp nhất).
	Into int64
	// New is the agency created by the merger when Into is 0; its ValidFrom
	// is ignored (Effective is used).
	New NewAgency
	// Effective is the first day of the merged agency; today when zero.
	Effective Date
	// TransferOfficials moves the officials of From (and their positions) to
	// the merged agency; otherwise they stay with the ended agency until
	// reassigned. Units inside From end with it.
	TransferOfficials bool
}

// MergeAgencies ends the agencies of m.From and links each to the merged
// agency (m.Into, or a new agency). Their child agencies are moved under the
// merged agency from the effective day; their units end. Everything, with one
// audit entry, happens in one transaction. It returns the merged agency.
func (s *Service) MergeAgencies(ctx context.Context, a *actor.Actor, m Merge) (*Agency, error) {
	over := append([]int64{m.Into}, m.From...)
	if m.Into == 0 {
		over[0] = m.New.ParentID
	}
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "agency", idText(m.Into), over...); err != nil {
		return nil, err
	}
	effective := s.asOf(m.Effective)
	if len(m.From) == 0 || (m.Into == 0 && len(m.From) < 2) {
		return nil, apperr.FieldError("from", "Cần ít nhất hai cơ quan để hợp nhất, hoặc một cơ quan để sáp nhập vào cơ quan khác")
	}
	seen := map[int64]bool{m.Into: true}
	for _, id := range m.From {
		if seen[id] {
			return nil, apperr.FieldError("from", "Cơ quan %d được nêu hai lần trong việc sáp nhập", id)
		}
		seen[id] = true
	}
	var into *Agency
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, lockAgencies); err != nil {
			return err
		}
		// A new agency gets its id first, so the ended agencies can link to
		// it, and its version last, so it may reuse a predecessor's code.
		intoID := m.Into
		if m.Into != 0 {
			var err error
			if into, err = findAgency(ctx, tx, m.Into, effective); err != nil {
				return err
			}
			if !into.ValidTo.IsZero() {
				return apperr.New(apperr.Conflict, "Cơ quan %s đã thôi hoạt động", into.ShortName)
			}
		} else {
			var err error
			if intoID, err = insertID(ctx, tx, "INSERT INTO org_agencies (created_at) VALUES ($1)", db.Micros(s.now())); err != nil {
				return fmt.Errorf("insert agency: %w", err)
			}
		}
		var before []*Agency
		for _, id := range m.From {
			old, err := s.end(ctx, tx, id, effective, intoID, LinkMerge, m.TransferOfficials)
			if err != nil {
				return err
			}
			before = append(before, old)
		}
		if m.Into == 0 {
			n := m.New
			n.ValidFrom = effective
			var err error
			if into, err = s.createAgencyWithID(ctx, tx, intoID, n); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "org.agency.merge", "agency", idText(into.ID), before, into,
			map[string]any{"from": m.From, "into": into.ID, "new": m.Into == 0, "effective": effective.String()})
	})
	if err != nil {
		return nil, err
	}
	return s.Agency(ctx, into.ID, effective)
}

// SplitAgency ends agency id the day before effective (today when zero) and
// creates parts, each linked to it as a successor. Child agencies must be
// moved first (ECONFLICT otherwise) because only a person can say which part
// takes them; units end, officials stay until reassigned.
func (s *Service) SplitAgency(ctx context.Context, a *actor.Actor, id int64, parts []NewAgency, effective Date) ([]Agency, error) {
	over := []int64{id}
	for _, p := range parts {
		over = append(over, p.ParentID)
	}
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "agency", idText(id), over...); err != nil {
		return nil, err
	}
	effective = s.asOf(effective)
	if len(parts) < 2 {
		return nil, apperr.FieldError("parts", "Cần ít nhất hai cơ quan mới khi chia tách")
	}
	var out []Agency
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, lockAgencies); err != nil {
			return err
		}
		// End first, so a part may reuse the ended agency's code.
		old, err := s.end(ctx, tx, id, effective, 0, LinkSplit, false)
		if err != nil {
			return err
		}
		var ids []int64
		for _, p := range parts {
			p.ValidFrom = effective
			g, err := s.createAgency(ctx, tx, p)
			if err != nil {
				return err
			}
			out = append(out, *g)
			ids = append(ids, g.ID)
			if err := link(ctx, tx, id, g.ID, LinkSplit, effective); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, "org.agency.split", "agency", idText(id), old, out,
			map[string]any{"into": ids, "effective": effective.String()})
	})
	return out, err
}

// Retirement describes the end of an agency.
type Retirement struct {
	Effective         Date  // first day the agency no longer exists; today when zero
	SuccessorID       int64 // agency that takes over its work, 0 for none
	TransferOfficials bool  // with a successor: move its officials there
}

// RetireAgency ends agency id the day before r.Effective. With a successor
// its child agencies move there; without one, child agencies must be moved or
// ended first (ECONFLICT).
func (s *Service) RetireAgency(ctx context.Context, a *actor.Actor, id int64, r Retirement) error {
	over := []int64{id}
	if r.SuccessorID != 0 {
		over = append(over, r.SuccessorID)
	}
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "agency", idText(id), over...); err != nil {
		return err
	}
	effective := s.asOf(r.Effective)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, lockAgencies); err != nil {
			return err
		}
		if r.SuccessorID != 0 {
			succ, err := findAgency(ctx, tx, r.SuccessorID, effective)
			if err != nil {
				return err
			}
			if succ.ID == id {
				return apperr.FieldError("successor_id", "Cơ quan không thể tự kế thừa chính nó")
			}
		}
		old, err := s.end(ctx, tx, id, effective, r.SuccessorID, LinkReplace, r.TransferOfficials)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, a, "org.agency.retire", "agency", idText(id), old, nil,
			map[string]any{"successor": r.SuccessorID, "effective": effective.String()})
	})
}

// end closes agency id the day before effective. With a successor it links
// them, moves the child agencies (and, if asked, the officials) there;
// without one it refuses while child agencies remain. Units of id end too.
func (s *Service) end(ctx context.Context, tx *sql.Tx, id int64, effective Date, successor int64, kind LinkKind, transfer bool) (*Agency, error) {
	old, err := openAgency(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := checkEffective(old, effective); err != nil {
		return nil, err
	}
	lastDay := effective.AddDays(-1)
	children, err := queryAgencies(ctx, tx,
		"SELECT "+agencyColumns+" FROM org_agency_versions v WHERE v.parent_id = $1 AND v.valid_to IS NULL ORDER BY v.agency_id", id)
	if err != nil {
		return nil, err
	}
	if len(children) > 0 && successor == 0 {
		return nil, apperr.New(apperr.Conflict, "%s còn %d cơ quan trực thuộc: hãy chuyển chúng sang cơ quan khác trước", old.ShortName, len(children))
	}
	if err := closeOpen(ctx, tx, "org_agency_versions", old.VersionID, lastDay); err != nil {
		return nil, err
	}
	old.ValidTo = lastDay
	for _, c := range children {
		if err := checkEffective(&c, effective); err != nil {
			return nil, err
		}
		if err := closeOpen(ctx, tx, "org_agency_versions", c.VersionID, lastDay); err != nil {
			return nil, err
		}
		c.ValidFrom, c.ValidTo, c.ParentID = effective, Date{}, successor
		if err := insertAgencyVersion(ctx, tx, &c); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE org_units SET valid_to = $1 WHERE agency_id = $2 AND valid_to IS NULL AND valid_from <= $1",
		lastDay, id); err != nil {
		return nil, fmt.Errorf("end units of agency %d: %w", id, err)
	}
	if successor != 0 {
		if err := link(ctx, tx, id, successor, kind, effective); err != nil {
			return nil, err
		}
		if transfer {
			if err := transferOfficials(ctx, tx, id, successor, effective); err != nil {
				return nil, err
			}
		}
	}
	return old, nil
}

func link(ctx context.Context, tx *sql.Tx, pred, succ int64, kind LinkKind, effective Date) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO org_agency_links (predecessor_id, successor_id, kind, effective) VALUES ($1, $2, $3, $4)",
		pred, succ, string(kind), effective)
	if err != nil {
		return fmt.Errorf("link agency %d → %d: %w", pred, succ, err)
	}
	return nil
}

// ByParent groups agencies (as returned by Agencies, keeping their order)
// by their parent's id; top-level agencies are under 0. Pages that show a
// tree read every agency of a day once and group them here, instead of one
// query per node.
func ByParent(agencies []Agency) map[int64][]Agency {
	out := make(map[int64][]Agency)
	for _, g := range agencies {
		out[g.ParentID] = append(out[g.ParentID], g)
	}
	return out
}
