package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// demoSigner is who signs a demo agency's outgoing documents, by its
// electronic code: the demo officials where there is one, the province
// table's fictional heads elsewhere (org.DemoProvince.Heads), the
// ministry's head; ok false for an agency of neither.
func demoSigner(code string) (name, position string, ok bool) {
	if code == "DEMO.G18" {
		return org.DemoMinistryHead[0], org.DemoMinistryHead[1], true
	}
	for _, pc := range org.DemoProvinceCodes() {
		p, _ := org.LookupDemoProvince(pc)
		if rest, found := strings.CutPrefix(code, p.AgencyCode("")); found {
			if h, ok := p.Heads[rest]; ok {
				return h[0], h[1], true
			}
		}
	}
	return "", "", false
}

// seedDemoDocuments gives the demo agencies a year of documents
// (documents.SeedDemo): the province's committee and its office most,
// departments, communes and the ministry fewer. The agency's demo clerk,
// where there is one, is their registering clerk.
func (a *App) seedDemoDocuments(ctx context.Context, demo *org.Demo) error {
	system := actor.SystemActor("first-start")
	ctx = access.WithGuard(ctx, a.Guard)
	type pick struct {
		id     int64
		weight int
	}
	picks := []pick{{demo.ProvinceCommittee, 6}, {demo.ProvinceOffice, 4}}
	if demo.Ministry != 0 {
		picks = append(picks, pick{demo.Ministry, 1})
	}
	for abbr, id := range demo.Departments {
		w := 1
		if abbr == "SNV" {
			w = 2
		}
		picks = append(picks, pick{id, w})
	}
	for _, c := range demo.Communes {
		picks = append(picks, pick{c.Committee, 1})
	}
	var agencies []documents.DemoAgency
	for _, p := range picks {
		g, err := a.Org.Agency(ctx, p.id, org.Date{})
		if err != nil {
			return err
		}
		da := documents.DemoAgency{ID: g.ID, Name: g.Name, Abbrev: g.Abbreviation, Weight: p.weight}
		name, position, ok := demoSigner(g.Code)
		switch {
		case ok:
			da.Signer, da.SignerPosition = name, position
		case g.Kind == org.KindCommuneCommittee:
			da.Signer, da.SignerPosition = demo.Spec.People[org.DemoCommuneLeader], "CHỦ TỊCH"
		default:
			da.Signer, da.SignerPosition = "Trần Văn Bình", "THỦ TRƯỞNG CƠ QUAN"
		}
		unitsOf := g.ID
		if g.ID == demo.ProvinceCommittee {
			// The committee's Công văn carry the office's divisions
			// (125/UBND-TH).
			unitsOf = demo.ProvinceOffice
		}
		units, err := a.Org.Units(ctx, unitsOf, org.Date{})
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.Abbreviation != "" {
				da.Units = append(da.Units, u.Abbreviation)
			}
		}
		accs, err := a.Identity.Officials(ctx, system, g.ID)
		if err != nil {
			return err
		}
		for _, acc := range accs {
			for _, r := range acc.Roles {
				if r.Role == string(access.Clerk) && r.AgencyID == g.ID && da.Clerk == 0 {
					da.Clerk = acc.ID
				}
			}
		}
		agencies = append(agencies, da)
	}
	start := a.Now()
	res, err := a.Documents.SeedDemo(ctx, system, documents.DemoSeed{Agencies: agencies, Seed: 2025, Count: a.Config.DemoDocuments,
		Province: demo.Spec.Name, Tourism: demo.Spec.Tourism})
	if err != nil {
		return fmt.Errorf("demo documents: %w", err)
	}
	a.Log.Info("demo documents created", "incoming", res.Incoming, "outgoing", res.Outgoing, "restricted", res.Restricted,
		"secret", res.Secret, "withdrawn", res.Withdrawn, "took", a.Now().Sub(start).Round(1e6).String())
	return nil
}
