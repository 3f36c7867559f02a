package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// TestExchangeListener: with --exchange-addr the node serves its signed
// directory (the demo's agency codes) over TLS with the node certificate
// issued by the platform's CA, and refuses packages from a caller without
// a pinned client certificate.
func TestExchangeListener(t *testing.T) {
	cfg := install(t, db.SQLite)
	cfg.Addr, cfg.Exchange.Addr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Exchange.URL = "https://lienthong.example.gov.vn:8443"
	a, _, _ := open(t, cfg)
	ctx := context.Background()
	srv, err := a.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	if srv.ExchangeURL == "" {
		t.Fatal("no exchange listener")
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get(srv.ExchangeURL + "/exchange/directory")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cert := resp.TLS.PeerCertificates[0]
	if cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || len(resp.TLS.PeerCertificates) < 2 {
		t.Fatalf("node certificate %v, chain %d", cert.ExtKeyUsage, len(resp.TLS.PeerCertificates))
	}
	dir, err := exchange.ParseDirectory(body, cert)
	if err != nil {
		t.Fatalf("directory: %v\n%s", err, body)
	}
	if dir.URL != cfg.Exchange.URL || len(dir.Agencies) < 3 {
		t.Fatalf("directory %+v", dir)
	}
	node, err := a.Exchange.Node(ctx, actor.SystemActor("test"))
	if err != nil || !bytes.Equal(node.CertPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})) || len(node.Agencies) != len(dir.Agencies) {
		t.Fatalf("node %+v %v", node, err)
	}
	resp, err = c.Post(srv.ExchangeURL+"/exchange/packages", "application/octet-stream", bytes.NewReader([]byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("package without a client certificate: %d", resp.StatusCode)
	}
}
