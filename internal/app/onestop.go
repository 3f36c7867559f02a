package app

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// buildCatalogue creates the one-stop procedure catalogue. Address fields
// of online forms list the demo province's communes (--demo-province).
func (a *App) buildCatalogue() error {
	spec, err := org.LookupDemoProvince(a.Config.DemoProvince)
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
