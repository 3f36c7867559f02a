package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// exchange peer parent marks a trusted peer as this node's parent and
// unmarks it with --off; an unknown peer or a missing number is refused.
func TestExchangePeerParent(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			dbArgs := []string{"--data", dir, "--log-level", "error"}
			cfg := app.Config{DataDir: dir, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error", Addr: "127.0.0.1:0"}
			cfg.Exchange.Addr = "127.0.0.1:0"
			if engine == db.Postgres {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
				dbArgs = append(dbArgs, "--database", cfg.DatabaseURL)
			}
			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.FirstStart(ctx); err != nil {
				t.Fatal(err)
			}
			srv, err := a.Listen(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sys := actor.SystemActor("test")
			node, err := a.Exchange.Node(ctx, sys)
			if err != nil {
				t.Fatal(err)
			}
			// The node trusts its own listener: a peer whose directory it can read.
			p, err := a.Exchange.AddPeer(ctx, sys, exchange.AddPeerRequest{URL: srv.ExchangeURL, CertPEM: node.CertPEM, Name: "Nút thử"})
			if err != nil {
				t.Fatal(err)
			}
			srv.Shutdown()
			a.Close()
			parents := func() map[int64]bool {
				a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				ps, err := a.Exchange.Parents(ctx, sys)
				if err != nil {
					t.Fatal(err)
				}
				return ps
			}
			id := "1"
			if p.ID != 1 {
				t.Fatalf("peer %d", p.ID)
			}
			code, out, errOut := runCmd(t, append(append([]string{"exchange", "peer", "parent"}, dbArgs...), id)...)
			// The node's listener is down: the first push fails, the mark stays.
			if code != 0 || !strings.Contains(out, "Nút số 1 là nút cấp trên") || !strings.Contains(out, "Chưa gửi được thống kê") || !parents()[1] {
				t.Fatalf("parent: %d\n%s\n%s", code, out, errOut)
			}
			code, out, errOut = runCmd(t, append(append([]string{"exchange", "peer", "parent", "--off"}, dbArgs...), id)...)
			if code != 0 || !strings.Contains(out, "không còn là nút cấp trên") || len(parents()) != 0 {
				t.Fatalf("--off: %d\n%s\n%s", code, out, errOut)
			}
			if code, _, errOut := runCmd(t, append(append([]string{"exchange", "peer", "parent"}, dbArgs...), "9")...); code != 1 || !strings.Contains(errOut, "Không có nút kết nối số 9") {
				t.Fatalf("unknown peer: %d %s", code, errOut)
			}
			if code, _, _ := runCmd(t, append([]string{"exchange", "peer", "parent"}, dbArgs...)...); code != 2 {
				t.Fatalf("no number: %d", code)
			}
			if code, out, _ := runCmd(t, "exchange", "peer"); code != 0 || !strings.Contains(out, "exchange peer parent") {
				t.Fatalf("peer group: %d\n%s", code, out)
			}
		})
	}
}
