package app

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// Config is what `serve` and the other database commands share.
type Config struct {
	Addr        string // listen address
	MetricsAddr string // listen address of Prometheus /metrics; empty = not served
	BaseURL     string // public URL, used in links and certificates; default http://<addr>
	DataDir     string // data folder: SQLite database, files, keys
	DatabaseURL string // empty = SQLite in DataDir; postgres://… = PostgreSQL
	SQLiteSync  string // FULL or NORMAL
	NoDemo      bool   // start empty instead of loading the demo province
	// DemoProvince is the province code of the demo loaded on first start
	// (org.DemoProvinceCodes: 15 Lào Cai, the default, or 22 Quảng Ninh);
	// its communes are also those the procedures' address fields list.
	DemoProvince string
	// DemoDocuments is how many documents the demo province starts with
	// (0: documents.DefaultDemoCount, a year of them); tests that need
	// the demo's people but not its year of documents ask for fewer.
	DemoDocuments   int
	LogFormat       string        // text or json
	LogLevel        string        // debug, info, warn, error
	PKI             PKIConfig     // where the CA's private keys live (pki.go)
	ShutdownTimeout time.Duration // grace period for in-flight requests on SIGTERM
	// SecretKey encrypts secrets stored in the database (second-factor
	// keys); empty = the key file in DataDir, generated on first start.
	// Replicas sharing a database must share it (env or _FILE).
	SecretKey string
	// AuditSignerKey is the audit log's checkpoint signing key (note signer
	// key "PRIVATE+KEY+…"); empty = audit-signing.key in DataDir, generated
	// on first start. Replicas sharing a database must share it (env or _FILE).
	AuditSignerKey string
	Identity       IdentityConfig // sign-in settings (identity.go)
	Blob           BlobConfig     // file store and uploads (blob.go)
	Notify         NotifyConfig   // e-mail (notify.go)
	DVCQG          DVCQGConfig    // the National Public Service Portal (dvcqg.go)
	Onestop        OnestopConfig  // one-stop dossiers (onestop_dossiers.go)
	Outreach       OutreachConfig // bulletins to residents and their gateways (outreach.go)
	Exchange       ExchangeConfig // this node of the document exchange (exchange.go)
}

// BindDatabase registers the flags every database command needs.
func (c *Config) BindDatabase(b *config.Binder) {
	b.String(&c.DataDir, "data", "./data", "data folder (SQLite database, files, keys)")
	b.String(&c.DatabaseURL, "database", "", "database URL: empty = SQLite in the data folder, postgres://user@host/db = PostgreSQL")
	b.String(&c.SQLiteSync, "sqlite-sync", "FULL", "SQLite synchronous mode: FULL (an acknowledged change survives power loss) or NORMAL")
	b.String(&c.LogFormat, "log-format", "text", "log format: text or json")
	b.String(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	c.PKI.bind(b)
	// Every command that opens the database builds identity, which needs
	// the key; binding it here lets them all read CHINHQUYEN_SECRET_KEY(_FILE).
	b.Secret(&c.SecretKey, "secret-key", "platform secret key, 32 bytes as hex or base64 (default: "+SecretKeyFile+" in the data folder, generated on first start)")
	c.Blob.bind(b)
	b.Secret(&c.AuditSignerKey, "audit-signer-key", "audit checkpoint signing key PRIVATE+KEY+… (default: "+audit.SignerKeyFile+" in the data folder, generated on first start)")
	c.Notify.bind(b)
	c.DVCQG.bind(b)
	c.Onestop.bind(b)
	c.Outreach.bind(b)
	c.Exchange.bind(b)
}

// BindServe registers the flags of `serve`.
func (c *Config) BindServe(b *config.Binder) {
	c.BindDatabase(b)
	b.String(&c.Addr, "addr", "127.0.0.1:8080", "listen address")
	b.String(&c.BaseURL, "base-url", "", "public base URL (default http://<addr>)")
	b.String(&c.MetricsAddr, "metrics-addr", "", "listen address of Prometheus /metrics, apart from the public one, e.g. 127.0.0.1:9464; empty = not served")
	b.Bool(&c.NoDemo, "no-demo", false, "start with an empty database instead of the demo province")
	b.String(&c.DemoProvince, "demo-province", org.DemoProvinceCode, "demo province loaded on first start: 15 (Lào Cai, with a ministry) or 22 (Quảng Ninh), so two instances host different agencies")
	b.Duration(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "grace period for in-flight requests on SIGTERM")
	c.Identity.bind(b)
	c.Exchange.bindServe(b)
}

// Validate checks the configuration before anything is opened.
func (c *Config) Validate() error {
	if c.DatabaseURL == "" {
		if c.DataDir == "" {
			return apperr.New(apperr.Invalid, "Thiếu thư mục dữ liệu (--data)")
		}
		if err := checkDataDir(c.DataDir); err != nil {
			return err
		}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return apperr.New(apperr.Invalid, "Định dạng nhật ký %q không hợp lệ: dùng text hoặc json", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if _, err := org.LookupDemoProvince(c.DemoProvince); err != nil {
		return err
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return apperr.New(apperr.Invalid, "Địa chỉ công khai --base-url phải bắt đầu bằng http:// hoặc https://")
	}
	if _, port, _ := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && c.MetricsAddr == c.Addr && port != "0" {
		return apperr.New(apperr.Invalid, "--metrics-addr phải khác --addr: số liệu vận hành không được phục vụ trên địa chỉ công khai")
	}
	if c.SecretKey != "" {
		if _, err := parseSecretKey(c.SecretKey); err != nil {
			return err
		}
	}
	if _, err := c.Notify.smtp(); err != nil {
		return err
	}
	if err := c.Blob.validate(); err != nil {
		return err
	}
	if err := c.DVCQG.validate(); err != nil {
		return err
	}
	if err := c.Exchange.validate(); err != nil {
		return err
	}
	if _, err := c.Onestop.sessions(); err != nil {
		return err
	}
	return c.Identity.validate()
}

// checkDataDir makes sure the data folder exists (creating it) and is
// readable and writable, so the problem is named before SQLite reports it.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục dữ liệu %s", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không đọc được thư mục dữ liệu %s: hãy kiểm tra quyền truy cập", dir)
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được vào thư mục dữ liệu %s: hãy kiểm tra quyền truy cập", dir)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, apperr.New(apperr.Invalid, "Mức nhật ký %q không hợp lệ: dùng debug, info, warn hoặc error", s)
	}
	return l, nil
}

// NewLogger builds the process logger from the configuration.
func (c *Config) NewLogger(w *os.File) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// FilesDir is where uploaded and generated files live.
func (c *Config) FilesDir() string { return filepath.Join(c.DataDir, "files") }

// PublicURL is the base URL links and certificates use.
func (c *Config) PublicURL(listenAddr string) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return fmt.Sprintf("http://%s", listenAddr)
}
