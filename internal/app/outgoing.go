package app

import (
	"context"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// docDirectory answers the outgoing flow's questions about people (from
// identity) and agencies and units (from org, as of today).
type docDirectory struct{ a *App }

var docSystem = actor.SystemActor("documents")

func (d docDirectory) Person(ctx context.Context, id int64) (documents.Person, error) {
	acc, err := d.a.Identity.Account(ctx, docSystem, id)
	if err != nil {
		return documents.Person{}, err
	}
	return documents.Person{AccountID: acc.ID, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID, Roles: acc.Roles,
		Disabled: acc.Disabled || acc.Kind != actor.Official}, nil
}

func (d docDirectory) info(ctx context.Context, g *org.Agency) documents.AgencyInfo {
	info := documents.AgencyInfo{ID: g.ID, Name: g.Name, ShortName: g.ShortName, Code: g.Code, Abbreviation: g.Abbreviation}
	if g.AdminUnitCode != "" {
		if u, err := d.a.Org.AdminUnit(ctx, g.AdminUnitCode, org.Date{}); err == nil {
			// "Tỉnh Lào Cai" → "Lào Cai": the place name of the date line.
			info.Place = strings.TrimSpace(strings.TrimPrefix(u.Name, string(u.Type)))
		}
	}
	return info
}

func (d docDirectory) Agency(ctx context.Context, id int64) (documents.AgencyInfo, error) {
	g, err := d.a.Org.Agency(ctx, id, org.Date{})
	if err != nil {
		return documents.AgencyInfo{}, err
	}
	return d.info(ctx, g), nil
}

func (d docDirectory) AgencyByCode(ctx context.Context, code string) (documents.AgencyInfo, error) {
	g, err := d.a.Org.AgencyByCode(ctx, code, org.Date{})
	if err != nil {
		return documents.AgencyInfo{}, err
	}
	return d.info(ctx, g), nil
}

func (d docDirectory) UnitAbbrev(ctx context.Context, agency, unit int64) (string, error) {
	u, err := d.a.Org.Unit(ctx, unit)
	if err != nil {
		return "", err
	}
	if u.AgencyID != agency {
		return "", apperr.New(apperr.Invalid, "Đơn vị của tài khoản không thuộc cơ quan soạn thảo")
	}
	return u.Abbreviation, nil
}

// docPeople lists an agency's officials for the signer and reviewer
// choices of the drafting form.
func (a *App) docPeople(ctx context.Context, agency int64) ([]documents.Person, error) {
	accs, err := a.Identity.Officials(ctx, docSystem, agency)
	if err != nil {
		return nil, err
	}
	out := make([]documents.Person, 0, len(accs))
	for _, acc := range accs {
		out = append(out, documents.Person{AccountID: acc.ID, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID,
			Roles: acc.Roles, Disabled: acc.Disabled})
	}
	return out, nil
}
