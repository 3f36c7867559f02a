package app

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// demoSigners are who sign the demo agencies' outgoing documents, by the
// agency's demo code without its prefix: the demo officials where there
// is one, fictional heads elsewhere.
var demoSigners = map[string][2]string{
	"H15":    {"Hoàng Quốc Khánh", "CHỦ TỊCH"},
	"H15.01": {"Phạm Minh Tuấn", "CHÁNH VĂN PHÒNG"},
	"H15.10": {"Lương Văn Thịnh", "GIÁM ĐỐC"},
	"H15.11": {"Vũ Thị Ngọc Anh", "GIÁM ĐỐC"},
	"H15.12": {"Tráng A Pao", "GIÁM ĐỐC"},
	"H15.13": {"Hà Đức Minh", "GIÁM ĐỐC"},
	"H15.14": {"Sùng Thị Mỷ", "GIÁM ĐỐC"},
	"H15.15": {"Nguyễn Hữu Thọ", "CHÁNH THANH TRA"},
	"G18":    {"Đinh Văn Lâm", "BỘ TRƯỞNG"},
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
		key    string
		weight int
	}
	picks := []pick{{demo.ProvinceCommittee, "H15", 6}, {demo.ProvinceOffice, "H15.01", 4}, {demo.Ministry, "G18", 1}}
	for abbr, id := range demo.Departments {
		w := 1
		if abbr == "SNV" {
			w = 2
		}
		picks = append(picks, pick{id, "", w})
	}
	for _, c := range demo.Communes {
		picks = append(picks, pick{c.Committee, "", 1})
	}
	var agencies []documents.DemoAgency
	for _, p := range picks {
		g, err := a.Org.Agency(ctx, p.id, org.Date{})
		if err != nil {
			return err
		}
		da := documents.DemoAgency{ID: g.ID, Name: g.Name, Abbrev: g.Abbreviation, Weight: p.weight}
		key := g.Code
		if len(key) > len("DEMO.") {
			key = key[len("DEMO."):]
		}
		s, ok := demoSigners[key]
		switch {
		case ok:
			da.Signer, da.SignerPosition = s[0], s[1]
		case g.Kind == org.KindCommuneCommittee:
			da.Signer, da.SignerPosition = "Lù Văn Chiến", "CHỦ TỊCH"
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
	res, err := a.Documents.SeedDemo(ctx, system, documents.DemoSeed{Agencies: agencies, Seed: 2025, Count: a.Config.DemoDocuments})
	if err != nil {
		return fmt.Errorf("demo documents: %w", err)
	}
	a.Log.Info("demo documents created", "incoming", res.Incoming, "outgoing", res.Outgoing, "restricted", res.Restricted,
		"secret", res.Secret, "withdrawn", res.Withdrawn, "took", a.Now().Sub(start).Round(1e6).String())
	return nil
}
