package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// ExchangeConfig is this deployment as a node of the document exchange:
// the URL peers post packages to and the mutual-TLS listener serving it.
type ExchangeConfig struct {
	// URL is the public base URL of the exchange listener, as peers reach
	// it (https://…); empty = this node does not exchange with others.
	URL string
	// Addr is the listen address of the exchange listener (mutual TLS with
	// the node certificate); empty = not served. It is apart from --addr,
	// which may sit behind a proxy that terminates TLS.
	Addr string
	// MaxPackageMB bounds a received package (0: 64).
	MaxPackageMB int
	// NATSURL is the province's NATS (nats://…, comma-separated for a
	// cluster); when set, packages to peers whose key is known travel over
	// JetStream and the replicas share the reception (docs/exchange.md).
	NATSURL string
}

func (c *ExchangeConfig) bind(b *config.Binder) {
	b.String(&c.URL, "exchange-url", "", "public base URL of this node's document exchange listener as peers reach it, e.g. https://lienthong.laocai.gov.vn:8443; empty = no exchange with other nodes")
	b.Int(&c.MaxPackageMB, "exchange-max-package", 64, "largest package received from a peer, in MB")
}

func (c *ExchangeConfig) bindServe(b *config.Binder) {
	b.String(&c.Addr, "exchange-addr", "", "listen address of the document exchange listener (mutual TLS with the node certificate), e.g. :8443; empty = not served")
	b.String(&c.NATSURL, "nats-url", "", "NATS server(s) with JetStream carrying the document exchange, e.g. nats://nats.laocai.gov.vn:4222; empty = HTTPS only")
}

func (c *ExchangeConfig) validate() error {
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.User != nil {
			return apperr.FieldError("exchange-url", "Địa chỉ trao đổi văn bản --exchange-url phải là https://máy-chủ[:cổng][/đường-dẫn]")
		}
	}
	if err := validateNATSURL(c.NATSURL); err != nil {
		return err
	}
	if c.MaxPackageMB < 0 || c.MaxPackageMB > 1024 {
		return apperr.FieldError("exchange-max-package", "--exchange-max-package phải từ 1 đến 1024 (MB)")
	}
	return nil
}

// nodeRenewBefore is how long before its end the node certificate is
// replaced.
const nodeRenewBefore = 30 * 24 * time.Hour

// nodeIdentity caches the node certificate from pki (issued on first use).
type nodeIdentity struct {
	a  *App
	mu sync.Mutex
	id *exchange.Identity
}

func (n *nodeIdentity) get(ctx context.Context) (*exchange.Identity, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.id != nil && n.a.Now().Add(nodeRenewBefore).Before(n.id.Cert.NotAfter) {
		return n.id, nil
	}
	signer, cert, chain, err := n.a.PKI.NodeIdentity(ctx, n.a.nodeSubject(ctx), nodeRenewBefore)
	if err != nil {
		return nil, err
	}
	n.id = &exchange.Identity{Signer: signer, Cert: cert, Chain: chain}
	return n.id, nil
}

// nodeSubject names the node certificate: the first top-level agency
// hosted here and the exchange URL's host.
func (a *App) nodeSubject(ctx context.Context) pki.Subject {
	s := pki.Subject{Organization: "Hệ thống chính quyền số", CommonName: "Nút trao đổi văn bản"}
	if ags, err := a.Org.Agencies(ctx, org.AgencyFilter{TopLevel: true}); err == nil {
		for _, g := range ags {
			if g.Code != "" {
				s.Organization = g.Name
				break
			}
		}
	}
	if u, err := url.Parse(a.Config.Exchange.URL); err == nil && u.Host != "" {
		s.CommonName += " " + u.Hostname()
	}
	return s
}

// hostedAgencies are the agencies with an electronic identifier code,
// read again at most once a minute (every received package asks).
type hostedAgencies struct {
	a    *App
	mu   sync.Mutex
	at   time.Time
	list []exchange.Agency
}

// hostedAgenciesTTL is how long the list is reused.
const hostedAgenciesTTL = time.Minute

func (h *hostedAgencies) get(ctx context.Context) ([]exchange.Agency, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.a.Now()
	if h.list != nil && now.Sub(h.at) < hostedAgenciesTTL && !now.Before(h.at) {
		return h.list, nil
	}
	ags, err := h.a.Org.Agencies(ctx, org.AgencyFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]exchange.Agency, 0, len(ags))
	for _, g := range ags {
		if g.Code != "" {
			out = append(out, exchange.Agency{Code: g.Code, Name: g.Name})
		}
	}
	h.list, h.at = out, now
	return out, nil
}

// buildExchange creates the exchange service and registers its delivery
// job. Its receiver (the documents side) is set by whoever registers
// inbound packages.
func (a *App) buildExchange() error {
	node := &nodeIdentity{a: a}
	codec := exchange.EDXML{Now: a.Now, Roots: func(ctx context.Context) (*x509.CertPool, error) {
		t, err := a.PKI.Trust(ctx)
		if err != nil {
			return nil, err
		}
		return t.Roots, nil
	}}
	var err error
	a.Exchange, err = exchange.New(a.DB, exchange.Options{Now: a.Now, Logger: a.Log, Audit: a.Audit, URL: strings.TrimRight(a.Config.Exchange.URL, "/"),
		Identity: node.get, Agencies: (&hostedAgencies{a: a}).get, Codec: codec, MaxPackage: int64(a.Config.Exchange.MaxPackageMB) << 20, // 0: exchange.DefaultMaxPackage
		Store: a.Blob.Store()}) // packages as files, beside the uploads
	if err != nil {
		return err
	}
	a.Exchange.SetStatsSource(rollupSource{a})
	a.Exchange.Register(a.Jobs)
	return nil
}

// listenExchange starts the mutual-TLS exchange listener when
// --exchange-addr is set.
func (a *App) listenExchange(newServer func(http.Handler) *http.Server) (*http.Server, net.Listener, error) {
	if a.Config.Exchange.Addr == "" {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", a.Config.Exchange.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (--exchange-addr): %w", a.Config.Exchange.Addr, err)
	}
	h := httpx.WithRequestID(a.Exchange.Handler())
	srv := newServer(h)
	srv.TLSConfig = a.Exchange.ServerTLS()
	srv.WriteTimeout = 10 * time.Minute // a large package on a slow link
	srv.ReadTimeout = 10 * time.Minute
	return srv, tls.NewListener(ln, srv.TLSConfig), nil
}
