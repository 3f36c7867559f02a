package app

import (
	"context"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// --demo-province 22 loads Quảng Ninh: its agencies without the ministry,
// its CA, the seals of its committee and of Xã Tiên Yên, its procedures
// and documents naming Quảng Ninh, and no trace of Lào Cai.
func TestFirstStartLoadsQuangNinh(t *testing.T) {
	for _, engine := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			cfg := install(t, engine)
			cfg.DemoProvince, cfg.DemoDocuments = "22", 200
			a, srv, logins := open(t, cfg)
			ctx := access.WithGuard(context.Background(), a.Guard)
			sys := actor.SystemActor("test")

			for _, l := range logins {
				if l.Username == "demo.ministry_specialist" {
					t.Error("a ministry specialist login without a ministry")
				}
			}
			top, err := a.Org.Agencies(ctx, org.AgencyFilter{TopLevel: true})
			if err != nil || len(top) != 1 || top[0].Code != "DEMO.H22" || top[0].Name != "Ủy ban nhân dân tỉnh Quảng Ninh" {
				t.Fatalf("top-level agencies %+v, %v", top, err)
			}
			if code, _, page := get(t, srv, "/agencies"); code != 200 || !strings.Contains(page, "Quảng Ninh") || strings.Contains(page, "Lào Cai") {
				t.Fatalf("/agencies: %d", code)
			}

			cas, err := a.PKI.CAs(ctx, sys)
			if err != nil || len(cas) == 0 || !strings.Contains(cas[0].Certificate.Subject.String(), "Quảng Ninh") {
				t.Fatalf("CAs %+v, %v", cas, err)
			}
			seals, err := a.PKI.List(ctx, sys, pki.ListFilter{Profile: "seal"})
			if err != nil || len(seals) != 2 {
				t.Fatalf("seals %d, %v", len(seals), err)
			}
			var sealed []string
			for _, s := range seals {
				sealed = append(sealed, s.UID)
			}
			if got := strings.Join(sealed, " "); !strings.Contains(got, "DEMO.H22.06862") || !strings.Contains(got, "DEMO.H22") {
				t.Fatalf("seals of %s", got)
			}

			birth, err := a.Catalogue.Get(ctx, "1.001193")
			if err != nil || birth.AgencyCode != "DEMO.H22.06862.01" {
				t.Fatalf("birth registration %+v, %v", birth, err)
			}

			var lc, qn int
			if err := a.DB.Reader().QueryRowContext(ctx, `SELECT
				(SELECT count(*) FROM documents WHERE sender LIKE '%Lào Cai%' OR summary LIKE '%Sa Pa%'),
				(SELECT count(*) FROM documents WHERE sender LIKE '%Quảng Ninh%')`).Scan(&lc, &qn); err != nil {
				t.Fatal(err)
			}
			if lc != 0 || qn == 0 {
				t.Fatalf("demo documents: %d name Lào Cai, %d Quảng Ninh", lc, qn)
			}
		})
	}
}

func TestUnknownDemoProvinceRefused(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), LogFormat: "text", LogLevel: "info", DemoProvince: "99"}
	err := cfg.Validate()
	if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), "15, 22") {
		t.Fatalf("Validate = %v", err)
	}
	cfg.DemoProvince = "22"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The demo province is the installation's: started again without
// --demo-province, a Quảng Ninh installation's address fields still list
// Quảng Ninh's communes.
func TestDemoProvinceKeptAfterRestart(t *testing.T) {
	cfg := install(t, db.SQLite)
	cfg.DemoProvince, cfg.DemoDocuments = "22", 50
	a, _, _ := open(t, cfg)
	a.Close()
	cfg.DemoProvince = org.DemoProvinceCode
	b, err := Open(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.FirstStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	communes, err := b.Catalogue.CommuneOptions(context.Background())
	if err != nil || len(communes) != 54 {
		t.Fatalf("%d communes, want Quảng Ninh's 54: %v", len(communes), err)
	}
}
