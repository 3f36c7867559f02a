package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// SMTPConfig says how to reach the mail relay.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // "" = no SMTP AUTH
	Password string
	// ImplicitTLS: TLS from the first byte (smtps://, usually port 465);
	// otherwise STARTTLS, required unless TLS says otherwise.
	ImplicitTLS bool
	// TLS is "" (STARTTLS required), "opportunistic" (STARTTLS when
	// offered) or "none" (plain text: only for a relay on the same host).
	TLS       string
	From      string        // the From address (--smtp-from)
	Timeout   time.Duration // bounds dialling and each command [30s]
	TLSConfig *tls.Config   // nil = system roots, server name = Host
}

// ParseSMTPURL reads --smtp-url: smtp://user:pass@host:587 (STARTTLS
// required), smtps://user:pass@host:465 (implicit TLS); the query
// parameter tls=opportunistic or tls=none relaxes STARTTLS for a relay on
// the same host. User and password are percent-decoded.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	bad := func(format string, args ...any) (SMTPConfig, error) {
		return SMTPConfig{}, &apperr.Error{Code: apperr.Invalid, Field: "smtp-url", Message: fmt.Sprintf(format, args...)}
	}
	if len(raw) > 2048 {
		return bad("Địa chỉ máy chủ thư --smtp-url quá dài")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("Địa chỉ máy chủ thư --smtp-url không hợp lệ (dạng smtp://người-dùng:mật-khẩu@máy-chủ:587)")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.ImplicitTLS = 465, true
	default:
		return bad("--smtp-url phải bắt đầu bằng smtp:// (STARTTLS) hoặc smtps:// (TLS ngay từ đầu)")
	}
	c.Host = u.Hostname()
	if c.Host == "" || u.Opaque != "" {
		return bad("--smtp-url thiếu tên máy chủ thư (dạng smtp://máy-chủ:587)")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("Cổng máy chủ thư %q không hợp lệ", p)
		}
		c.Port = n
	}
	if u.Path != "" && u.Path != "/" {
		return bad("--smtp-url không được có đường dẫn sau tên máy chủ")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return bad("Tham số %q của --smtp-url không được hỗ trợ (chỉ có tls)", k)
		}
	}
	switch t := q.Get("tls"); t {
	case "", "opportunistic", "none":
		if t != "" && c.ImplicitTLS {
			return bad("smtps:// luôn dùng TLS: bỏ tham số tls")
		}
		c.TLS = t
	default:
		return bad("tls=%q không hợp lệ: dùng opportunistic hoặc none", t)
	}
	return c, nil
}

// ParseAddress checks an e-mail address (--smtp-from, an account's
// e-mail), RFC 5322 with an optional display name.
func ParseAddress(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || len(s) > 320 {
		return nil, &apperr.Error{Code: apperr.Invalid, Field: "email", Message: fmt.Sprintf("Địa chỉ thư điện tử %q không hợp lệ", s)}
	}
	return a, nil
}

// mailer sends e-mail through one relay with go-mail.
type mailer struct {
	cfg  SMTPConfig
	from string
}

func newMailer(cfg SMTPConfig) (*mailer, error) {
	if cfg.From == "" {
		return nil, &apperr.Error{Code: apperr.Invalid, Field: "smtp-from", Message: "Cần địa chỉ người gửi --smtp-from khi đã đặt --smtp-url"}
	}
	from, err := ParseAddress(cfg.From)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Field: "smtp-from", Message: fmt.Sprintf("Địa chỉ người gửi --smtp-from %q không hợp lệ", cfg.From)}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &mailer{cfg: cfg, from: from.String()}, nil
}

func (m *mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.cfg.Timeout)}
	switch {
	case m.cfg.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case m.cfg.TLS == "opportunistic":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case m.cfg.TLS == "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.cfg.TLSConfig != nil {
		tc := m.cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = m.cfg.Host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	return gomail.NewClient(m.cfg.Host, opts...)
}

// send delivers one message and returns the Message-ID it carried. The
// Message-ID is the delivery's own id, the same on every attempt, so a
// mailbox that got a message whose acknowledgement was lost can tell the
// retry is the same message.
func (m *mailer) send(ctx context.Context, id string, now time.Time, to string, r Rendered) (string, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.from); err != nil {
		return "", jobs.Permanent(fmt.Errorf("from address: %w", err))
	}
	if err := msg.To(to); err != nil {
		return "", jobs.Permanent(fmt.Errorf("recipient address: %w", err))
	}
	msg.Subject(r.Subject)
	msgID := id + "@" + domainOf(m.from)
	msg.SetMessageIDWithValue(msgID)
	msg.SetDateWithValue(now)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, r.Text)
	if r.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	}
	c, err := m.client()
	if err != nil {
		return "", jobs.Permanent(fmt.Errorf("smtp client: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return "", classifySMTP(err)
	}
	return "<" + msgID + ">", nil
}

func domainOf(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			return a.Address[i+1:]
		}
	}
	return "localhost"
}

// classifySMTP marks a relay's 5xx answer permanent (RFC 5321 §4.2.1: the
// same command will fail again); a 4xx answer, a timeout, a refused or
// broken connection may pass later and are retried.
func classifySMTP(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return jobs.Permanent(err)
		}
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// A 5xx during the greeting, STARTTLS or AUTH reaches us as the
	// textproto error of the dial.
	if code := leadingCode(err); code >= 500 && code < 600 {
		return jobs.Permanent(err)
	}
	return err
}

// leadingCode finds an SMTP reply code in err's message (go-mail wraps
// the server's reply "550 …" behind its own prefixes).
func leadingCode(err error) int {
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := e.Error()
		if len(s) >= 4 && s[3] == ' ' {
			if n, perr := strconv.Atoi(s[:3]); perr == nil && n >= 200 && n < 600 {
				return n
			}
		}
	}
	return 0
}
