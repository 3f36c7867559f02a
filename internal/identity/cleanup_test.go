package identity

import (
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

func TestCleanupRemovesIdleSessionsAndReplicasTakeTurns(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.svc.Register(f.ctx, Registration{Kind: actor.Citizen, ID: "001090012345", Name: "Nguyễn Thị Dân", Phone: "0912345678", Password: strongPassword, IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		_, idle := f.signIn(t, "001090012345")
		f.clock.Add(20 * time.Minute)
		_, busy := f.signIn(t, "001090012345")
		f.clock.Add(11 * time.Minute) // idle: unused 31 min (> 30); busy: 11 min
		replica, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey})
		if err != nil {
			t.Fatal(err)
		}
		sessions := func() int {
			var n int
			if err := d.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM identity_sessions").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := sessions(); n != 2 {
			t.Fatalf("%d sessions before cleanup", n)
		}
		ran, deleted, err := f.svc.CleanupIfDue(f.ctx, 10*time.Minute)
		if !ran || err != nil || deleted < 1 {
			t.Fatalf("first replica: ran=%v deleted=%d %v", ran, deleted, err)
		}
		if ran, _, err := replica.CleanupIfDue(f.ctx, 10*time.Minute); ran || err != nil {
			t.Fatalf("second replica ran too: %v %v", ran, err)
		}
		if n := sessions(); n != 1 {
			t.Fatalf("%d sessions after cleanup, want the busy one only", n)
		}
		if _, _, err := f.svc.Authenticate(f.ctx, busy, "192.0.2.1"); err != nil {
			t.Fatalf("busy session: %v", err)
		}
		if _, _, err := f.svc.Authenticate(f.ctx, idle, "192.0.2.1"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("idle session: %v", err)
		}
		// A little less than the interval later (ticker jitter) the other
		// replica's turn comes.
		f.clock.Add(9*time.Minute + 30*time.Second)
		if ran, _, err := replica.CleanupIfDue(f.ctx, 10*time.Minute); !ran || err != nil {
			t.Fatalf("next interval: ran=%v %v", ran, err)
		}
		if ran, _, err := f.svc.CleanupIfDue(f.ctx, 10*time.Minute); ran || err != nil {
			t.Fatalf("ran twice in one interval: %v %v", ran, err)
		}
	})
}
