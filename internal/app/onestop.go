package app

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// buildCatalogue creates the one-stop procedure catalogue. Address fields
// of online forms list the demo province's communes: the one recorded on
// the installation's first start, else --demo-province.
func (a *App) buildCatalogue() error {
	code := a.demoProvince(context.Background())
	if code != a.Config.DemoProvince && a.Config.DemoProvince != "" && a.Config.DemoProvince != org.DemoProvinceCode {
		a.Log.Warn("--demo-province ignored: this installation's demo province was chosen on its first start", "province", code)
	}
	spec, err := org.LookupDemoProvince(code)
	if err != nil {
		return err
	}
	a.Catalogue, err = onestop.NewCatalogue(a.DB, onestop.CatalogueOptions{Audit: a.Audit, Org: a.Org,
		Province: spec.Code, Now: a.Now, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("procedure catalogue: %w", err)
	}
	return nil
}

// seedDemoCatalogue stores the demo procedures (idempotent).
func (a *App) seedDemoCatalogue(ctx context.Context) error {
	n, err := a.Catalogue.SeedDemo(access.WithGuard(ctx, a.Guard))
	if err != nil {
		return err
	}
	a.Log.Info("demo procedures loaded", "procedures", n)
	return nil
}
