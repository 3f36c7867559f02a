package app

import "context"

// DemoLogin is one demo account printed on first start.
type DemoLogin struct {
	Role, Username, Password string
}

// FirstStart loads the demo province into an empty database unless NoDemo
// is set, and returns the demo logins to print (nil when nothing was loaded).
func (a *App) FirstStart(ctx context.Context) ([]DemoLogin, error) {
	return nil, nil
}
