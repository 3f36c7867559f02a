package app

import (
	"context"
	"database/sql"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// NotifyConfig is how the platform sends e-mail.
type NotifyConfig struct {
	// SMTPURL is the mail relay: smtp://user:pass@host:587 (STARTTLS),
	// smtps://… (implicit TLS); empty = no e-mail is sent.
	SMTPURL  string
	SMTPFrom string // the From address, e.g. "Cổng dịch vụ công <noreply@example.gov.vn>"
}

// bind registers the e-mail flags. Every command that opens the platform
// reads them, so a change made from the command line enqueues its
// messages as a request would; `serve` delivers them.
func (c *NotifyConfig) bind(b *config.Binder) {
	b.Secret(&c.SMTPURL, "smtp-url", "mail relay: smtp://user:pass@host:587 (STARTTLS required), smtps://user:pass@host:465 (implicit TLS), ?tls=none for a relay on this host; empty = no e-mail")
	b.String(&c.SMTPFrom, "smtp-from", "", "From address of the platform's e-mail, e.g. \"Cổng dịch vụ công <noreply@example.gov.vn>\" (required with --smtp-url)")
}

// smtp parses the relay settings; nil when e-mail is off.
func (c *NotifyConfig) smtp() (*notify.SMTPConfig, error) {
	if c.SMTPURL == "" {
		if c.SMTPFrom != "" {
			return nil, apperr.FieldError("smtp-url", "Đã đặt --smtp-from nhưng thiếu máy chủ thư --smtp-url")
		}
		return nil, nil
	}
	cfg, err := notify.ParseSMTPURL(c.SMTPURL)
	if err != nil {
		return nil, err
	}
	if c.SMTPFrom == "" {
		return nil, apperr.FieldError("smtp-from", "Cần địa chỉ người gửi --smtp-from khi đã đặt --smtp-url")
	}
	if _, err := notify.ParseAddress(c.SMTPFrom); err != nil {
		return nil, apperr.FieldError("smtp-from", "Địa chỉ người gửi --smtp-from %q không hợp lệ", c.SMTPFrom)
	}
	cfg.From = c.SMTPFrom
	return &cfg, nil
}

// buildNotify creates the notify service and registers its delivery jobs.
// A message that fails for good is recorded on its recipient's account,
// where the account page shows it.
func (a *App) buildNotify(key []byte) error {
	smtp, err := a.Config.Notify.smtp()
	if err != nil {
		return err
	}
	a.Notify, err = notify.New(a.DB, notify.Options{Now: a.Now, Logger: a.Log, SMTP: smtp, SecretKey: key, Audit: a.Audit,
		OnFailure: func(ctx context.Context, tx *sql.Tx, f notify.Failure) error {
			if f.AccountID == 0 || a.Identity == nil {
				return nil
			}
			return a.Identity.RecordDeliveryFailure(ctx, tx, f.AccountID)
		}})
	if err != nil {
		return err
	}
	a.Notify.Register(a.Jobs)
	return nil
}

// accountNotifier turns identity's notices into e-mail to the holder.
type accountNotifier struct {
	n       *notify.Service
	baseURL string
	log     interface {
		WarnContext(ctx context.Context, msg string, args ...any)
	}
}

func (an accountNotifier) AccountNotice(ctx context.Context, tx *sql.Tx, n identity.Notice) error {
	data := map[string]string{"Name": n.Name, "Login": n.Login, "At": locale.FormatDateTime(n.At), "IP": n.IP,
		"UserAgent": n.UserAgent, "Until": "", "AccountURL": an.baseURL + "/account"}
	if !n.Until.IsZero() {
		data["Until"] = identity.FormatUntil(n.Until)
	}
	if data["UserAgent"] == "" {
		data["UserAgent"] = "?"
	}
	// Accounts carry no language preference yet: Vietnamese.
	err := an.n.Send(ctx, tx, notify.Message{AccountID: n.AccountID, To: n.Email, Template: "account." + n.Kind, Data: data})
	if apperr.Is(err, apperr.Invalid) {
		// An address stored before it was checked must not block the
		// account's own change; the holder simply gets no message.
		an.log.WarnContext(ctx, "account e-mail cannot receive notices", "account", n.AccountID, "err", err)
		return nil
	}
	return err
}
