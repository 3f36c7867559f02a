package org

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// UnitKind classifies units inside an agency.
type UnitKind string

// The kinds of units inside agencies.
const (
	UnitOffice   UnitKind = "office"   // Văn phòng (of a Sở, of HĐND và UBND xã, Văn phòng Bộ)
	UnitDivision UnitKind = "division" // Phòng
	UnitBoard    UnitKind = "board"    // Ban
	UnitVu       UnitKind = "vu"       // Vụ (of a ministry)
	UnitOneStop  UnitKind = "one_stop" // Bộ phận Một cửa inside an agency
	UnitOther    UnitKind = "other"
)

var unitKinds = map[UnitKind]string{
	UnitOffice: "Văn phòng", UnitDivision: "Phòng", UnitBoard: "Ban", UnitVu: "Vụ",
	UnitOneStop: "Bộ phận Một cửa", UnitOther: "Đơn vị khác",
}

// Label returns the kind's Vietnamese name.
func (k UnitKind) Label() string { return unitKinds[k] }

// Unit is a unit inside an agency (phòng, ban, văn phòng, vụ). Its
// abbreviation completes the agency's in Công văn symbols: "125/UBND-VP".
// Units are not versioned: a renamed unit is a new unit (the old one ends),
// since documents keep the symbol they were issued with.
type Unit struct {
	ID           int64
	AgencyID     int64    // the agency it belongs to
	Name         string   // NFC: "Văn phòng HĐND và UBND"
	Abbreviation string   // "VP"; unique among the agency's current units
	Kind         UnitKind // office, division, board, vu, one_stop, other
	ValidFrom    Date     // first day
	ValidTo      Date     // last day; zero while current
}

// NewUnit describes a unit to create.
type NewUnit struct {
	AgencyID     int64    // required; the agency must exist on ValidFrom
	Name         string   // required
	Abbreviation string   // required, for document symbols
	Kind         UnitKind // required
	ValidFrom    Date     // today when zero
}

// Symbol returns the Công văn symbol part "<agency>-<unit>", e.g. "UBND-VP".
func Symbol(agency *Agency, unit *Unit) string {
	if unit == nil {
		return agency.Abbreviation
	}
	return agency.Abbreviation + "-" + unit.Abbreviation
}

const unitColumns = "id, agency_id, name, abbreviation, kind, valid_from, valid_to"

func scanUnit(sc interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	var kind string
	err := sc.Scan(&u.ID, &u.AgencyID, &u.Name, &u.Abbreviation, &kind, &u.ValidFrom, &u.ValidTo)
	u.Kind = UnitKind(kind)
	return u, err
}

func findUnit(ctx context.Context, q db.Querier, id int64) (*Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, "SELECT "+unitColumns+" FROM org_units WHERE id = $1", id))
	if err == sql.ErrNoRows {
		return nil, notFound("đơn vị", id, Date{})
	}
	if err != nil {
		return nil, fmt.Errorf("find unit %d: %w", id, err)
	}
	return &u, nil
}

// Unit returns the unit with this id, current or ended; ENOTFOUND otherwise.
func (s *Service) Unit(ctx context.Context, id int64) (*Unit, error) {
	return findUnit(ctx, s.db.Reader(), id)
}

// Units returns the units of an agency valid on asOf (today when zero),
// sorted by Vietnamese collation of their names.
func (s *Service) Units(ctx context.Context, agencyID int64, asOf Date) ([]Unit, error) {
	asOf = s.asOf(asOf)
	rows, err := s.db.Reader().QueryContext(ctx,
		"SELECT "+unitColumns+" FROM org_units WHERE agency_id = $2 AND "+validOn("", 1), asOf, agencyID)
	if err != nil {
		return nil, fmt.Errorf("units of agency %d: %w", agencyID, err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByName(out, func(u Unit) []string { return []string{u.Name} }, func(u Unit) int64 { return u.ID })
	return out, nil
}

// CreateUnit creates a unit inside an agency. Errors: EINVALID (a field, or
// the agency absent that day), ECONFLICT (abbreviation used by a current unit
// of the agency).
func (s *Service) CreateUnit(ctx context.Context, a *actor.Actor, n NewUnit) (*Unit, error) {
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "unit", "new", n.AgencyID); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.createUnit(ctx, tx, n); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "org.unit.create", "unit", idText(u.ID), nil, u,
			map[string]any{"agency": u.AgencyID, "name": u.Name, "abbreviation": u.Abbreviation})
	})
	return u, err
}

func (s *Service) createUnit(ctx context.Context, tx *sql.Tx, n NewUnit) (*Unit, error) {
	u := &Unit{AgencyID: n.AgencyID, Kind: n.Kind, ValidFrom: s.asOf(n.ValidFrom)}
	var err error
	if u.Name, err = cleanName("name", "Tên đơn vị", n.Name, maxNameLen); err != nil {
		return nil, err
	}
	if u.Abbreviation, err = cleanName("abbreviation", "Chữ viết tắt", n.Abbreviation, maxAbbreviationLen); err != nil {
		return nil, err
	}
	if err := ValidAbbreviation("abbreviation", u.Abbreviation); err != nil {
		return nil, err
	}
	if _, ok := unitKinds[u.Kind]; !ok {
		return nil, apperr.FieldError("kind", "Loại đơn vị %q không hợp lệ", clip(string(u.Kind)))
	}
	if _, err := findAgency(ctx, tx, u.AgencyID, u.ValidFrom); err != nil {
		return nil, apperr.FieldError("agency_id", "Cơ quan %d không tồn tại ngày %s", u.AgencyID, u.ValidFrom.VN())
	}
	u.ID, err = insertID(ctx, tx, "INSERT INTO org_units (agency_id, name, abbreviation, kind, valid_from) VALUES ($1, $2, $3, $4, $5)",
		u.AgencyID, u.Name, u.Abbreviation, string(u.Kind), u.ValidFrom)
	if db.IsUniqueViolation(err) {
		return nil, apperr.Wrap(err, apperr.Conflict, "Cơ quan đã có đơn vị viết tắt %s", u.Abbreviation)
	}
	if err != nil {
		return nil, fmt.Errorf("insert unit: %w", err)
	}
	return u, nil
}

// RetireUnit ends a unit the day before effective (today when zero).
// Officials keep it as their last unit until reassigned.
func (s *Service) RetireUnit(ctx context.Context, a *actor.Actor, id int64, effective Date) error {
	if err := s.allow(ctx, a, access.OrgAgencyEdit, "unit", idText(id), s.unitAgency(ctx, id)); err != nil {
		return err
	}
	effective = s.asOf(effective)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := findUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		if !u.ValidTo.IsZero() {
			return apperr.New(apperr.Conflict, "Đơn vị %s đã kết thúc ngày %s", u.Name, u.ValidTo.VN())
		}
		if !effective.After(u.ValidFrom) {
			return apperr.FieldError("effective", "Ngày hiệu lực %s phải sau ngày thành lập đơn vị (%s)", effective.VN(), u.ValidFrom.VN())
		}
		if err := closeOpen(ctx, tx, "org_units", id, effective.AddDays(-1)); err != nil {
			return err
		}
		after := *u
		after.ValidTo = effective.AddDays(-1)
		return s.record(ctx, tx, a, "org.unit.retire", "unit", idText(id), u, after,
			map[string]any{"effective": effective.String()})
	})
}
