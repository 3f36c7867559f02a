package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/clock"
)

func init() {
	suites = append(suites, suite{name: "http", run: benchHTTP})
}

// benchHTTP compares /healthz through the platform's full middleware stack
// with a bare hello-world handler, both served and loaded the same way.
func benchHTTP(o *opts) ([]row, error) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	limit, err := loadTest(hello, "/", o.duration)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cqbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	a, err := app.Open(context.Background(), app.Config{DataDir: dir, SQLiteSync: "FULL", LogFormat: "text", LogLevel: "error", NoDemo: true}, o.log)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	h, err := a.Handler()
	if err != nil {
		return nil, err
	}
	health, err := loadTest(h, "/healthz", o.duration)
	if err != nil {
		return nil, err
	}
	home, err := loadTest(h, "/", o.duration)
	if err != nil {
		return nil, err
	}
	return []row{
		{Name: "hello-world handler", Value: limit, Unit: "req/s", Limit: "itself", LimitV: limit},
		{Name: "/healthz, full middleware", Value: health, Unit: "req/s", Limit: "hello-world handler", LimitV: limit},
		{Name: "/ home page (vi), full stack", Value: home, Unit: "req/s", Limit: "hello-world handler", LimitV: limit},
	}, nil
}

// loadTest serves h on loopback and drives it with keep-alive clients for d,
// returning successful requests per second.
func loadTest(h http.Handler, path string, d time.Duration) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + path
	const workers = 16
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	// Warm up, and fail early if the route does not answer 200.
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	var ok, bad atomic.Int64
	deadline := clock.Now().Add(d)
	start := clock.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for clock.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if bad.Load() > 0 {
		return 0, fmt.Errorf("GET %s: %d failed requests", path, bad.Load())
	}
	return float64(ok.Load()) / elapsed, nil
}
