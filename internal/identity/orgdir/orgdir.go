// Package orgdir adapts org, the platform's directory of agencies, units,
// positions and officials, to identity.Directory: before an account is
// created or a role granted, the ids typed or chosen by an administrator
// (web /admin/users, CLI `user add|grant`) are checked against org as of
// today. Whether the agency is inside the administrator's scope is
// access.Can's decision, which consults the same org tree (org.Service is
// the access.Tree the application installs).
//
// It is a sub-package so that identity itself does not depend on org.
package orgdir

import (
	"context"
	"slices"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Directory checks identity's org ids against org.
type Directory struct {
	org *org.Service
}

var _ identity.Directory = (*Directory)(nil)

// New returns the directory over o.
func New(o *org.Service) *Directory { return &Directory{org: o} }

// CheckPlacement returns EINVALID, naming the field in Vietnamese, when
// the agency does not exist today, the unit (if not 0) is not a current
// unit of that agency, a position is not in the catalogue, or the official
// (person) record (if not 0) is unknown, no longer serving, or not working
// in the agency today. Other errors are the database's.
func (d *Directory) CheckPlacement(ctx context.Context, agencyID, unitID, officialID int64, positions []int64) error {
	g, err := d.org.Agency(ctx, agencyID, org.Date{})
	if apperr.Is(err, apperr.NotFound) {
		return apperr.FieldError("agency", "Không có cơ quan mã số %d đang hoạt động: hãy chọn cơ quan trong danh sách", agencyID)
	}
	if err != nil {
		return err
	}
	if unitID != 0 {
		if err := d.checkUnit(ctx, g, unitID); err != nil {
			return err
		}
	}
	if len(positions) > 0 {
		catalogue, err := d.org.Positions(ctx)
		if err != nil {
			return err
		}
		for _, p := range positions {
			if !slices.ContainsFunc(catalogue, func(c org.Position) bool { return c.ID == p }) {
				return apperr.FieldError("positions", "Chức vụ mã số %d không có trong danh mục chức vụ", p)
			}
		}
	}
	if officialID != 0 {
		return d.checkOfficial(ctx, g, officialID)
	}
	return nil
}

func (d *Directory) checkUnit(ctx context.Context, g *org.Agency, unitID int64) error {
	current, err := d.org.Units(ctx, g.ID, org.Date{})
	if err != nil {
		return err
	}
	if slices.ContainsFunc(current, func(u org.Unit) bool { return u.ID == unitID }) {
		return nil
	}
	u, err := d.org.Unit(ctx, unitID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return apperr.FieldError("unit", "Không có đơn vị mã số %d", unitID)
	case err != nil:
		return err
	case u.AgencyID != g.ID:
		return apperr.FieldError("unit", "Đơn vị %s không thuộc %s", u.Name, g.Name)
	case !u.ValidTo.IsZero():
		return apperr.FieldError("unit", "Đơn vị %s đã thôi hoạt động từ sau ngày %s", u.Name, u.ValidTo.VN())
	}
	return apperr.FieldError("unit", "Đơn vị %s chưa bắt đầu hoạt động (từ ngày %s)", u.Name, u.ValidFrom.VN())
}

func (d *Directory) checkOfficial(ctx context.Context, g *org.Agency, officialID int64) error {
	o, err := d.org.Official(ctx, officialID, org.Date{})
	if apperr.Is(err, apperr.NotFound) {
		return apperr.FieldError("official", "Không có hồ sơ cán bộ mã số %d", officialID)
	}
	if err != nil {
		return err
	}
	// Assignments are those held today: an ended service has none.
	switch {
	case slices.ContainsFunc(o.Assignments, func(a org.Assignment) bool { return a.AgencyID == g.ID }):
		return nil
	case !o.ActiveTo.IsZero() && len(o.Assignments) == 0:
		return apperr.FieldError("official", "Cán bộ %s đã thôi công tác từ sau ngày %s", o.FullName, o.ActiveTo.VN())
	case o.AgencyID == g.ID && o.ActiveTo.IsZero():
		return nil
	}
	return apperr.FieldError("official", "Cán bộ %s không công tác tại %s", o.FullName, g.Name)
}

// AgencyName returns the agency's current name, "" if unknown.
func (d *Directory) AgencyName(ctx context.Context, agencyID int64) string {
	g, err := d.org.Agency(ctx, agencyID, org.Date{})
	if err != nil {
		return ""
	}
	return g.Name
}

// DemoOfficials maps org's demo people to the demo logins identity seeds:
// one per role, username demo.<org role>, the official's agency, unit and
// positions. People whose org role has no access role are left out.
func DemoOfficials(demo *org.Demo) []identity.DemoOfficial {
	var out []identity.DemoOfficial
	for _, o := range demo.Officials {
		role, ok := identity.DemoRole(o.Role)
		if !ok {
			continue
		}
		out = append(out, identity.DemoOfficial{OfficialID: o.ID, AgencyID: o.AgencyID, UnitID: o.UnitID,
			Positions: o.PositionIDs, Role: role, Username: "demo." + o.Role, Name: o.FullName})
	}
	return out
}
