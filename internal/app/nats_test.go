package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// TestExchangeOverNATS: with --nats-url the node creates the exchange
// stream and its durable consumer on the server, named by its node key;
// a URL that is not nats:// or tls:// is refused before anything opens.
func TestExchangeOverNATS(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	defer ns.Shutdown()

	cfg := install(t, db.SQLite)
	cfg.Exchange.URL = "https://lienthong.example.gov.vn:8443"
	cfg.Exchange.NATSURL = "http://" + ns.Addr().String()
	var ae *apperr.Error
	if err := cfg.Validate(); !errors.As(err, &ae) || ae.Field != "nats-url" {
		t.Fatalf("http:// NATS URL: %v", err)
	}
	cfg.Exchange.NATSURL = ns.ClientURL()
	a, _, _ := open(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	on, err := a.ConnectNATS(ctx)
	if err != nil || !on {
		t.Fatalf("ConnectNATS: %v %v", on, err)
	}
	key, err := a.Exchange.NATSKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(ctx, exchange.NATSStream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if c := st.CachedInfo().Config; c.Retention != jetstream.WorkQueuePolicy || c.Storage != jetstream.FileStorage || c.MaxMsgSize < 64<<20 {
		t.Fatalf("stream config %+v", c)
	}
	if _, err := st.Consumer(ctx, "node_"+key); err != nil {
		t.Fatalf("consumer of this node: %v", err)
	}
}
