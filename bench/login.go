package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

func init() {
	suites = append(suites, suite{name: "login", run: benchLogin})
}

// benchLogin measures whole password sign-ins per second through
// identity.Login (rate-limit counters, argon2id verification, session
// insert, audit entry, on SQLite with the default FULL sync) with the
// argon2id parameters `serve` would use: the flags' defaults, or
// CHINHQUYEN_ARGON2_* from the environment. The limit of the same run is
// raw argon2.IDKey computations per second with the same parameters and
// the same number of workers: the price of the parameters themselves, which
// a sign-in cannot beat. Only the rate limits are lifted, since the bench
// signs in thousands of times from a few addresses.
func benchLogin(o *opts) ([]row, error) {
	var cfg app.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := config.NewBinder(fs)
	cfg.BindServe(b)
	if err := b.Parse(nil); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cqbench-login-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir, cfg.DatabaseURL, cfg.SecretKey, cfg.NoDemo, cfg.LogLevel = dir, "", "", true, "error"
	cfg.Identity.LoginPerIP, cfg.Identity.LoginPerAccount, cfg.Identity.RegisterPerIP = 1<<30, 1<<30, 1<<30
	// No lock either: the wrong-password timing below compares the
	// counting path of an existing and an unknown login.
	cfg.Identity.LockAfter = 1 << 30
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, o.log)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	p := a.Identity.Params()
	workers := runtime.GOMAXPROCS(0)

	const password = "Sông Hồng chảy về biển 2026"
	logins := make([]string, workers)
	for i := range logins {
		acc, err := a.Identity.Register(ctx, identity.Registration{Kind: actor.Citizen, ID: fmt.Sprintf("0010900123%02d", i),
			Name: "Người Đo Thử", Phone: "0912345678", Password: password, IP: "192.0.2.1"})
		if err != nil {
			return nil, fmt.Errorf("register bench account: %w", err)
		}
		logins[i] = acc.Login
	}
	signIn := func(i int) error {
		res, err := a.Identity.Login(ctx, identity.LoginRequest{Login: logins[i], Password: password, IP: fmt.Sprintf("192.0.2.%d", 10+i)})
		if err == nil && res.Session.Stage != identity.StageFull {
			err = fmt.Errorf("sign-in stopped at stage %s", res.Session.Stage)
		}
		return err
	}
	for i := range logins { // warm up, and fail early
		if err := signIn(i); err != nil {
			return nil, err
		}
	}
	perSec, err := loadLoop(workers, o.duration, signIn)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}

	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt)
	hashes, err := loadLoop(workers, o.duration, func(int) error {
		argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := 200
	if o.short {
		n = 20
	}
	known, unknown, err := wrongPasswordLatency(ctx, a.Identity, logins[0], n)
	if err != nil {
		return nil, err
	}
	params := fmt.Sprintf("argon2id m=%d KiB t=%d p=%d", p.Memory, p.Time, p.Threads)
	return []row{
		{Name: "wrong password, unknown login: median latency, one at a time", Value: unknown, Unit: "ms",
			Limit: "the same for an existing login", LimitV: known, Goal: "alike, so timing does not reveal logins", Lower: true},
		{Name: params + ", " + fmt.Sprint(workers) + " workers", Value: hashes, Unit: "hashes/s", Limit: "itself", LimitV: hashes},
		{Name: "full sign-in: identity.Login (password → session + audit), SQLite", Value: perSec, Unit: "logins/s",
			Limit: params + ", same workers", LimitV: hashes},
	}, nil
}

// loadLoop runs fn on workers goroutines (fn receives the worker's index)
// for about d and returns completed calls per second; the first error
// stops the measurement.
func loadLoop(workers int, d time.Duration, fn func(worker int) error) (float64, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := clock.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for clock.Now().Before(deadline) {
				if err := fn(w); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// wrongPasswordLatency signs in n times with a wrong password to an
// existing login and n times to an unknown one, alternating so both see
// the same machine load, and returns the two median latencies in ms.
func wrongPasswordLatency(ctx context.Context, id *identity.Service, login string, n int) (known, unknown float64, err error) {
	var k, u []float64
	for i := range 2 * n {
		name := login
		if i%2 == 1 {
			name = fmt.Sprintf("khong.ton.tai.%d", i)
		}
		start := clock.Now()
		_, err := id.Login(ctx, identity.LoginRequest{Login: name, Password: "không phải mật khẩu", IP: "192.0.2.200"})
		ms := float64(clock.Now().Sub(start).Microseconds()) / 1000
		if apperr.CodeOf(err) != apperr.Unauthorized {
			return 0, 0, fmt.Errorf("wrong password for %s: %v", name, err)
		}
		if i%2 == 0 {
			k = append(k, ms)
		} else {
			u = append(u, ms)
		}
	}
	slices.Sort(k)
	slices.Sort(u)
	return k[len(k)/2], u[len(u)/2], nil
}
