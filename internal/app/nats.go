package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// validateNATSURL checks --nats-url: nats:// or tls:// servers with a
// host, comma-separated.
func validateNATSURL(raw string) error {
	if raw == "" {
		return nil
	}
	for _, one := range strings.Split(raw, ",") {
		u, err := url.Parse(strings.TrimSpace(one))
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" || u.RawQuery != "" {
			return apperr.FieldError("nats-url", "Địa chỉ NATS --nats-url phải có dạng nats://máy-chủ:cổng hoặc tls://máy-chủ:cổng (nhiều máy chủ cách nhau bằng dấu phẩy)")
		}
	}
	return nil
}

// NATSRedacted is --nats-url without passwords, to print.
func (c *ExchangeConfig) NATSRedacted() string {
	var out []string
	for _, one := range strings.Split(c.NATSURL, ",") {
		if u, err := url.Parse(strings.TrimSpace(one)); err == nil {
			out = append(out, u.Redacted())
		}
	}
	return strings.Join(out, ",")
}

// ConnectNATS connects to --nats-url when it is set and makes JetStream
// the exchange's transport, consumed by this replica, until ctx ends (the
// connection is then drained and closed). It reports whether NATS is used.
func (a *App) ConnectNATS(ctx context.Context) (bool, error) {
	if a.Config.Exchange.NATSURL == "" {
		return false, nil
	}
	nc, err := nats.Connect(a.Config.Exchange.NATSURL, nats.Name("chinhquyen"), nats.Timeout(10*time.Second),
		nats.MaxReconnects(-1), nats.RetryOnFailedConnect(false))
	if err != nil {
		return false, fmt.Errorf("connect to NATS %s: %w", a.Config.Exchange.NATSRedacted(), err)
	}
	if err := a.Exchange.UseNATS(ctx, nc, exchange.NATSOptions{}); err != nil {
		nc.Close()
		return false, fmt.Errorf("NATS JetStream %s: %w", a.Config.Exchange.NATSRedacted(), err)
	}
	if max, want := nc.MaxPayload(), int64(a.Config.Exchange.MaxPackageMB)<<20; max < want {
		a.Log.Warn("NATS max_payload is below --exchange-max-package: larger packages fail on NATS (raise max_payload on the server)",
			"max_payload", max, "exchange_max_package", want)
	}
	go func() {
		<-ctx.Done()
		a.Exchange.StopNATS()
		if err := nc.Drain(); err != nil {
			nc.Close()
		}
	}()
	return true, nil
}
