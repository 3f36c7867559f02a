package app

import (
	"time"

	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// schedulePlatformJobs registers the platform's periodic jobs on a.Jobs.
func (a *App) schedulePlatformJobs() {
	every := a.Config.Identity.CleanupInterval
	if every <= 0 {
		every = 10 * time.Minute
	}
	a.Jobs.Periodic(jobs.Periodic{Name: "identity.cleanup", Every: every, Handler: a.cleanupIdentity})
	a.Jobs.Periodic(jobs.Periodic{Name: "pki.refresh", Every: pkiRefreshEvery, Handler: a.refreshPKI})
}
