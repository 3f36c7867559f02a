package app

import (
	"context"
	"fmt"
)

// DemoLogin is one demo account printed on first start.
type DemoLogin struct {
	Role, Username, Password string
}

// FirstStart loads the demo province into an empty database unless NoDemo
// is set, and returns the demo logins to print (nil when nothing was loaded).
func (a *App) FirstStart(ctx context.Context) ([]DemoLogin, error) {
	if _, err := a.Org.Seed(ctx); err != nil {
		return nil, fmt.Errorf("load administrative units: %w", err)
	}
	if _, err := a.Calendar.Seed(ctx); err != nil {
		return nil, fmt.Errorf("load the published holiday schedules: %w", err)
	}
	return nil, nil
}
