package onestop_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Quảng Ninh's demo catalogue holds the same procedures at its own
// agencies (Xã Tiên Yên for the commune ones), stored by SeedDemo when the
// catalogue's province is 22.
func TestDemoProceduresOfQuangNinh(t *testing.T) {
	qn, err := org.LookupDemoProvince("22")
	if err != nil {
		t.Fatal(err)
	}
	list, lc := onestop.DemoProceduresOf(qn), onestop.DemoProcedures()
	if len(list) != len(lc) {
		t.Fatalf("%d procedures, Lào Cai has %d", len(list), len(lc))
	}
	for i, p := range list {
		n := p.Normalize()
		if err := n.Validate(); err != nil {
			t.Errorf("%s: %v", p.Code, err)
		}
		codes := []string{p.AgencyCode}
		for _, s := range p.Steps {
			if s.AgencyCode != "" {
				codes = append(codes, s.AgencyCode)
			}
		}
		for _, c := range codes {
			if !strings.HasPrefix(c, "DEMO.H22") {
				t.Errorf("%s: agency %s is not Quảng Ninh's", p.Code, c)
			}
		}
		if strings.Contains(p.Name+p.LegalBasis, "Lào Cai") {
			t.Errorf("%s names Lào Cai: %s", p.Code, p.Name)
		}
		if lc[i].Code == "1.001193" && p.AgencyCode != "DEMO.H22.06862.01" {
			t.Errorf("birth registration at %s, want Xã Tiên Yên's centre", p.AgencyCode)
		}
	}
	dbtest.Each(t, catModules(), func(t *testing.T, d *db.DB) {
		log, err := audit.New(d, audit.Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		o, err := org.New(d, org.Options{Audit: log, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: log}))
		if _, err := o.LoadDemoProvince(ctx, nil, "22"); err != nil {
			t.Fatal(err)
		}
		cat, err := onestop.NewCatalogue(d, onestop.CatalogueOptions{Audit: log, Org: o, Province: "22", Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := cat.SeedDemo(ctx); err != nil || n != len(list) {
			t.Fatalf("seed: %d, %v", n, err)
		}
		got, err := cat.Search(ctx, onestop.SearchQuery{Q: "chứng thực Hạ Long"})
		if err != nil || len(got) != 1 {
			t.Fatalf("search Hạ Long: %+v, %v", got, err)
		}
	})
}
