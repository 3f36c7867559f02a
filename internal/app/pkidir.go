package app

import (
	"context"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// pkiDirectory gives the CA the identities it certifies: agencies from
// org's register, officials through identity's link from an account to
// its org record. It reads as the system: Issue has already asked
// access.Can whether its caller may issue for the agency.
type pkiDirectory struct {
	org *org.Service
	id  *identity.Service
}

var _ pki.Directory = pkiDirectory{}

var directoryReader = actor.SystemActor("pki-directory")

// AgencySeal implements pki.Directory.
func (d pkiDirectory) AgencySeal(ctx context.Context, agencyID int64, day time.Time) (pki.Subject, error) {
	on := org.DateOf(day)
	g, err := d.org.Agency(ctx, agencyID, on)
	if err != nil {
		return pki.Subject{}, err
	}
	if g.Code == "" {
		return pki.Subject{}, apperr.FieldError("agency", "%s chưa có mã định danh điện tử trong danh mục cơ quan: hãy bổ sung trước khi cấp con dấu số", g.Name)
	}
	province, locality := d.place(ctx, g.AdminUnitCode, on)
	return pki.Subject{CommonName: g.Name, Organization: g.Name, AgencyCode: g.Code, Province: province, Locality: locality}, nil
}

// Official implements pki.Directory: the official's name, staff code,
// highest position held in their agency that day, agency, unit and place.
func (d pkiDirectory) Official(ctx context.Context, account int64, day time.Time) (pki.Subject, int64, error) {
	on := org.DateOf(day)
	acc, err := d.id.Account(ctx, directoryReader, account)
	if err != nil {
		return pki.Subject{}, 0, err
	}
	if acc.Kind != actor.Official || acc.OfficialID == 0 {
		return pki.Subject{}, 0, apperr.FieldError("account", "Tài khoản %s không gắn với hồ sơ cán bộ nào trong danh mục tổ chức: không cấp được chứng thư số cá nhân", acc.Login)
	}
	o, err := d.org.Official(ctx, acc.OfficialID, on)
	if err != nil {
		return pki.Subject{}, 0, err
	}
	var post *org.Assignment
	for i := range o.Assignments {
		if o.Assignments[i].AgencyID == o.AgencyID {
			post = &o.Assignments[i]
			break
		}
	}
	if post == nil {
		return pki.Subject{}, 0, apperr.FieldError("account", "Cán bộ %s không giữ chức vụ nào tại cơ quan ngày %s: không cấp được chứng thư số cá nhân", o.FullName, on.VN())
	}
	if o.StaffCode == "" {
		return pki.Subject{}, 0, apperr.FieldError("account", "Hồ sơ cán bộ %s chưa có mã cán bộ: hãy bổ sung trước khi cấp chứng thư số cá nhân", o.FullName)
	}
	g, err := d.org.Agency(ctx, o.AgencyID, on)
	if err != nil {
		return pki.Subject{}, 0, err
	}
	subj := pki.Subject{CommonName: o.FullName, UID: o.StaffCode, Title: post.Position.Name, Organization: g.Name, Email: acc.Email}
	if subj.Email == "" {
		subj.Email = o.Email
	}
	if post.UnitID != 0 {
		if u, err := d.org.Unit(ctx, post.UnitID); err == nil {
			subj.Unit = u.Name
		}
	}
	subj.Province, subj.Locality = d.place(ctx, g.AdminUnitCode, on)
	return subj, g.ID, nil
}

// place names the province (ST) and, for a commune's agency, the commune
// (L) an agency serves; ministries serve none.
func (d pkiDirectory) place(ctx context.Context, code string, on org.Date) (province, locality string) {
	if code == "" {
		return "", ""
	}
	u, err := d.org.AdminUnit(ctx, code, on)
	if err != nil {
		return "", ""
	}
	if u.ProvinceCode != "" && u.ProvinceCode != u.Code {
		locality = u.Name
		if pu, err := d.org.AdminUnit(ctx, u.ProvinceCode, on); err == nil {
			u = pu
		}
	}
	province = u.Name
	for _, prefix := range []string{"Tỉnh ", "Thành phố "} {
		province = strings.TrimPrefix(province, prefix)
	}
	return province, locality
}
