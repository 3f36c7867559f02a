package org

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed data/provinces-2025-07-01.csv data/communes-2025-07-01.csv
var dataFiles embed.FS

// ShippedListDate is the first day of the administrative unit list embedded
// in the binary (data/SOURCE.md): two-level local government.
var ShippedListDate = NewDate(2025, 7, 1)

// AdminUnit is one version of an administrative unit (đơn vị hành chính):
// a province or a commune as it was named, typed and placed between
// ValidFrom and ValidTo. A rename or move closes a version and opens another
// with the same Code; a merger retires a code and names its successors.
type AdminUnit struct {
	ID           int64    // id of this version (changes with every version)
	Code         string   // official code: 2 digits (province), 5 digits (commune)
	Level        Level    // province or commune
	Name         string   // official name with its type, NFC: "Xã Y Tý"
	Type         UnitType // Tỉnh, Thành phố, Xã, Phường, Đặc khu
	ProvinceCode string   // communes: their province's code; "" for provinces
	ValidFrom    Date     // first day of this version
	ValidTo      Date     // last day of this version; zero while still valid
	// Successors are the codes of the units that took over when this
	// version ended by retirement (merger or split). Empty for a current
	// version and for a rename or move, where the same code continues. Filled
	// by single-unit lookups and history, not by list queries.
	Successors []string
}

// Current reports whether the version has no end date.
func (u AdminUnit) Current() bool { return u.ValidTo.IsZero() }

const adminUnitColumns = "id, code, level, name, type, COALESCE(province_code, ''), valid_from, valid_to"

func scanAdminUnit(sc interface{ Scan(...any) error }) (AdminUnit, error) {
	var u AdminUnit
	var level, typ string
	err := sc.Scan(&u.ID, &u.Code, &level, &u.Name, &typ, &u.ProvinceCode, &u.ValidFrom, &u.ValidTo)
	u.Level, u.Type = Level(level), UnitType(typ)
	return u, err
}

func queryAdminUnits(ctx context.Context, q db.Querier, query string, args ...any) ([]AdminUnit, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AdminUnit
	for rows.Next() {
		u, err := scanAdminUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Provinces returns the provinces and centrally-run cities valid on asOf
// (today when zero), in official code order (the order of the official
// lists, north to south).
func (s *Service) Provinces(ctx context.Context, asOf Date) ([]AdminUnit, error) {
	asOf = s.asOf(asOf)
	out, err := queryAdminUnits(ctx, s.db.Reader(),
		"SELECT "+adminUnitColumns+" FROM org_admin_units WHERE level = 'province' AND "+validOn("", 1)+" ORDER BY code", asOf)
	if err != nil {
		return nil, fmt.Errorf("list provinces as of %s: %w", asOf, err)
	}
	return out, nil
}

// Communes returns the communes (xã, phường, đặc khu) of a province valid on
// asOf (today when zero), in official code order; provinceCode "" returns
// every commune of the country. It returns ENOTFOUND when the province does
// not exist on that day.
func (s *Service) Communes(ctx context.Context, provinceCode string, asOf Date) ([]AdminUnit, error) {
	asOf = s.asOf(asOf)
	if provinceCode == "" {
		out, err := queryAdminUnits(ctx, s.db.Reader(),
			"SELECT "+adminUnitColumns+" FROM org_admin_units WHERE level = 'commune' AND "+validOn("", 1)+" ORDER BY code", asOf)
		if err != nil {
			return nil, fmt.Errorf("list communes as of %s: %w", asOf, err)
		}
		return out, nil
	}
	var out []AdminUnit
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if _, err := findAdminUnit(ctx, tx, provinceCode, asOf); err != nil {
			return err
		}
		var err error
		out, err = queryAdminUnits(ctx, tx,
			"SELECT "+adminUnitColumns+" FROM org_admin_units WHERE level = 'commune' AND province_code = $2 AND "+validOn("", 1)+" ORDER BY code",
			asOf, provinceCode)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list communes of %s as of %s: %w", provinceCode, asOf, err)
	}
	return out, nil
}

// AdminUnit returns the version of the unit with this code valid on asOf
// (today when zero), or ENOTFOUND.
func (s *Service) AdminUnit(ctx context.Context, code string, asOf Date) (*AdminUnit, error) {
	asOf = s.asOf(asOf)
	var u *AdminUnit
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = findAdminUnit(ctx, tx, code, asOf); err != nil {
			return err
		}
		return fillSuccessors(ctx, tx, []*AdminUnit{u})
	})
	return u, err
}

// AdminUnitHistory returns every version of a code, oldest first, with
// successor links; ENOTFOUND for a code that never existed.
func (s *Service) AdminUnitHistory(ctx context.Context, code string) ([]AdminUnit, error) {
	var out []AdminUnit
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryAdminUnits(ctx, tx, "SELECT "+adminUnitColumns+" FROM org_admin_units WHERE code = $1 ORDER BY valid_from", code)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			return notFound("đơn vị hành chính mã", code, Date{})
		}
		ptrs := make([]*AdminUnit, len(out))
		for i := range out {
			ptrs[i] = &out[i]
		}
		return fillSuccessors(ctx, tx, ptrs)
	})
	return out, err
}

// AdminUnitsOn follows successor links from code to the units that carry it
// on day on (today when zero): the unit itself if it is valid that day, else
// the successors of its retired version, recursively (a commune merged twice
// leads to the latest one). It is how an old address is mapped to today's
// units. ENOTFOUND when the code never existed or has no successor valid on
// that day.
func (s *Service) AdminUnitsOn(ctx context.Context, code string, on Date) ([]AdminUnit, error) {
	on = s.asOf(on)
	var out []AdminUnit
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		queue := []string{code}
		for len(queue) > 0 && len(seen) < 1000 {
			c := queue[0]
			queue = queue[1:]
			if seen[c] {
				continue
			}
			seen[c] = true
			if u, err := findAdminUnit(ctx, tx, c, on); err == nil {
				out = append(out, *u)
				continue
			} else if !apperr.Is(err, apperr.NotFound) {
				return err
			}
			// The last version that ended before on, and where it led.
			rows, err := tx.QueryContext(ctx, `SELECT s.successor_code FROM org_admin_unit_successors s
				JOIN org_admin_units u ON u.id = s.unit_id
				WHERE u.code = $1 AND u.valid_to < $2
				  AND u.valid_to = (SELECT max(valid_to) FROM org_admin_units WHERE code = $1 AND valid_to < $2)
				ORDER BY s.successor_code`, c, on)
			if err != nil {
				return err
			}
			for rows.Next() {
				var next string
				if err := rows.Scan(&next); err != nil {
					rows.Close()
					return err
				}
				queue = append(queue, next)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if len(out) == 0 {
			return notFound("đơn vị hành chính kế thừa mã", code, on)
		}
		return nil
	})
	return out, err
}

func findAdminUnit(ctx context.Context, q db.Querier, code string, asOf Date) (*AdminUnit, error) {
	u, err := scanAdminUnit(q.QueryRowContext(ctx,
		"SELECT "+adminUnitColumns+" FROM org_admin_units WHERE code = $2 AND "+validOn("", 1), asOf, code))
	if err == sql.ErrNoRows {
		return nil, notFound("đơn vị hành chính mã", code, asOf)
	}
	if err != nil {
		return nil, fmt.Errorf("find unit %s as of %s: %w", code, asOf, err)
	}
	return &u, nil
}

func fillSuccessors(ctx context.Context, q db.Querier, units []*AdminUnit) error {
	for _, u := range units {
		if u.Current() {
			continue
		}
		rows, err := q.QueryContext(ctx, "SELECT successor_code FROM org_admin_unit_successors WHERE unit_id = $1 ORDER BY successor_code", u.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			u.Successors = append(u.Successors, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// insertAdminUnit is the one INSERT of unit versions (seed and import
// prepare it once per transaction).
const insertAdminUnit = `INSERT INTO org_admin_units (code, level, name, type, province_code, valid_from)
 VALUES ($1, $2, $3, $4, $5, $6)`

// Seed loads, once, what the platform ships: the administrative unit list
// valid from 2025-07-01 (34 provinces, 3,321 communes; data/SOURCE.md) and
// the catalogue of positions. It is idempotent and safe when several
// replicas start at once (the list's row in org_admin_unit_lists is the
// marker, claimed with INSERT … ON CONFLICT DO NOTHING). It reports whether
// it loaded the unit list now. Main calls it after migrating, before serving.
func (s *Service) Seed(ctx context.Context) (bool, error) {
	a := actor.SystemActor("org.seed")
	provinces, err := dataFiles.ReadFile("data/provinces-2025-07-01.csv")
	if err != nil {
		return false, err
	}
	communes, err := dataFiles.ReadFile("data/communes-2025-07-01.csv")
	if err != nil {
		return false, err
	}
	seeded := false
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.seedPositions(ctx, tx, a); err != nil {
			return err
		}
		sum := sha256.New()
		sum.Write(provinces)
		sum.Write(communes)
		digest := hex.EncodeToString(sum.Sum(nil))
		res, err := tx.ExecContext(ctx, `INSERT INTO org_admin_unit_lists
			(valid_from, source, sha256, rows_count, added, renamed, moved, retired, applied_at, applied_by)
			VALUES ($1, 'seed', $2, 0, 0, 0, 0, 0, $3, $4) ON CONFLICT (valid_from) DO NOTHING`,
			ShippedListDate, digest, db.Micros(s.now()), a.Name)
		if err != nil {
			return fmt.Errorf("claim unit list seed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already seeded (by us earlier or by another replica)
		}
		prov, err := parseShipped(provinces, formatProvinces)
		if err != nil {
			return err
		}
		comm, err := parseShipped(communes, formatUnits)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, insertAdminUnit)
		if err != nil {
			return err
		}
		defer stmt.Close()
		counts := map[UnitType]int{}
		for _, rows := range [][]unitRow{prov, comm} {
			for _, r := range rows {
				if _, err := stmt.ExecContext(ctx, r.Code, string(r.level()), r.Name, string(r.Type), nullString(r.ProvinceCode), ShippedListDate); err != nil {
					return fmt.Errorf("seed unit %s: %w", r.Code, err)
				}
				counts[r.Type]++
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE org_admin_unit_lists SET rows_count = $1, added = $1 WHERE valid_from = $2",
			len(prov)+len(comm), ShippedListDate); err != nil {
			return err
		}
		seeded = true
		summary := map[string]any{"valid_from": ShippedListDate.String(), "provinces": len(prov), "communes": len(comm)}
		after := map[string]any{"valid_from": ShippedListDate.String(), "sha256": digest, "types": counts,
			"source": "GSO 915/CTK-CSCL, 1027/CTK-CSCL via dvhcvn/20250701 (MIT)"}
		return s.record(ctx, tx, a, "org.units.seed", "admin_unit_list", ShippedListDate.String(), nil, after, summary)
	})
	if err != nil {
		return false, fmt.Errorf("seed administrative units: %w", err)
	}
	return seeded, nil
}

// parseShipped parses an embedded list; a bad row there is a build defect.
func parseShipped(data []byte, f csvFormat) ([]unitRow, error) {
	rows, errs, err := parseUnitsCSV(bytes.NewReader(data), f)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(e.String() + "\n")
		}
		return nil, apperr.New(apperr.Internal, "Danh mục đơn vị hành chính đi kèm chương trình bị lỗi:\n%s", b.String())
	}
	for _, r := range rows {
		if r.retirement() {
			return nil, apperr.New(apperr.Internal, "Danh mục đi kèm có dòng thôi hiệu lực (dòng %d)", r.Line)
		}
	}
	return rows, nil
}
