// Package testenv decides, in one place, when a test that needs something
// outside the repository (a Debian tool, a service) runs, skips or fails.
package testenv

import (
	"os"
	"os/exec"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

// realClockTools read the machine's clock to judge validity periods: in a
// run whose clock is moved ahead (clock.Shifted) our certificates are not
// yet valid for them, so their checks are skipped there and only there.
var realClockTools = map[string]bool{"pdfsig": true, "openssl": true, "certutil": true}

// CI reports whether the tests run in CI, where a missing tool or service
// is a failure rather than a skip.
func CI() bool { return os.Getenv("CI") != "" }

// NeedTool skips (outside CI) or fails (in CI) when tool is missing; pkg
// names the Debian package that provides it.
func NeedTool(t testing.TB, tool, pkg string) {
	t.Helper()
	if realClockTools[tool] && clock.Shifted() {
		t.Skipf("%s reads the real clock and this run's clock is moved ahead: external check skipped", tool)
	}
	if _, err := exec.LookPath(tool); err != nil {
		if CI() {
			t.Fatalf("%s missing in CI: apt-get install -y %s", tool, pkg)
		}
		t.Skipf("%s not installed (apt-get install -y %s): external check skipped", tool, pkg)
	}
}
