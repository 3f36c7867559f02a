// Package notify sends messages to people (e-mail) and to other systems
// (signed webhooks). A message is rendered and enqueued as a job in the
// transaction of the event that causes it (Send, SendWebhook), so it exists
// if and only if the event committed; a job of package jobs delivers it,
// retrying with back-off. Every attempt is recorded in notify_deliveries; a
// permanent failure (the relay's 5xx, a receiver's 4xx, attempts exhausted)
// also fails the job — /admin/jobs shows it with its reason — and is
// reported through Options.OnFailure, which app wires to the recipient's
// account record.
//
// Templates are embedded (templates/<lang>/NAME.txt and NAME.html),
// Vietnamese and English, rendered with text/template and html/template.
package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the notify module's schema.
var Migrations = db.Embedded("notify", migrationFiles)

// The job kinds notify enqueues and handles (Register).
const (
	KindEmail   = "notify.email"
	KindWebhook = "notify.webhook"
)

// The channels a message goes through.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// The status of a delivery attempt.
const (
	StatusSent   = "sent"   // the relay or receiver accepted it
	StatusRetry  = "retry"  // failed for now; the job runs again later
	StatusFailed = "failed" // failed for good: permanent error or attempts exhausted
)

// Failure is a message that will not be delivered.
type Failure struct {
	MessageID string
	AccountID int64  // the recipient's account, 0 if none (a webhook)
	Channel   string // ChannelEmail or ChannelWebhook
	Template  string // template or event name
	Recipient string
	Error     string
}

// Options configure the Service. Zero values take the defaults in brackets.
type Options struct {
	Now    func() time.Time // [clock.Now]
	Logger *slog.Logger     // [slog.Default()]
	// SMTP is the mail relay; nil means e-mail is not configured and Send
	// enqueues nothing.
	SMTP *SMTPConfig
	// SecretKey (32 bytes, the platform secret key) seals webhook secrets
	// at rest; webhooks are unavailable without it.
	SecretKey []byte
	// WebhookTimeout bounds one webhook request, connection to answer [15s].
	WebhookTimeout time.Duration
	// WebhookTransport is the HTTP transport of webhooks [http.DefaultTransport].
	WebhookTransport http.RoundTripper
	// MaxAttempts bounds the deliveries of one message [jobs.DefaultMaxAttempts].
	MaxAttempts int
	// Audit records the administration of webhook endpoints; without it
	// AddWebhook and DisableWebhook refuse.
	Audit *audit.Log
	// OnFailure, when set, is called in the transaction that records a
	// permanent failure, so the recipient's record shows it.
	OnFailure func(ctx context.Context, tx *sql.Tx, f Failure) error
}

// Service enqueues and delivers messages.
type Service struct {
	db   *db.DB
	now  func() time.Time
	log  *slog.Logger
	opts Options
	mail *mailer
	hook *webhookSender
	aead cipher.AEAD // seals webhook secrets; nil without Options.SecretKey
}

// New returns the notify service on d (migrated with Migrations).
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil {
		return nil, errors.New("notify.New: nil database")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = jobs.DefaultMaxAttempts
	}
	s := &Service{db: d, now: opts.Now, log: opts.Logger, opts: opts,
		hook: newWebhookSender(opts.WebhookTimeout, opts.WebhookTransport)}
	if opts.SMTP != nil {
		m, err := newMailer(*opts.SMTP)
		if err != nil {
			return nil, err
		}
		s.mail = m
	}
	if len(opts.SecretKey) > 0 {
		key, err := hkdf.Key(sha256.New, opts.SecretKey, nil, "chinhquyen/notify/webhook-secret/v1", 32)
		if err != nil {
			return nil, fmt.Errorf("derive webhook key: %w", err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if s.aead, err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
		s.opts.SecretKey = nil
	}
	return s, nil
}

// EmailEnabled reports whether an SMTP relay is configured.
func (s *Service) EmailEnabled() bool { return s.mail != nil }

// Message is an e-mail to one person.
type Message struct {
	// AccountID is the recipient's account (0 if none): a permanent
	// failure is reported against it (Options.OnFailure).
	AccountID int64
	To        string            // the address
	Lang      locale.Lang       // the recipient's language; "" = Vietnamese
	Template  string            // e.g. "account.password_changed" (Templates)
	Data      map[string]string // the template's values
}

// payload is a delivery job's input. An e-mail is rendered when enqueued,
// so a template error is the caller's, at once, and every attempt sends
// the same text.
type payload struct {
	ID        string          `json:"id"`
	Channel   string          `json:"channel"`
	AccountID int64           `json:"account_id,omitempty"`
	Template  string          `json:"template"`
	To        string          `json:"to,omitempty"`
	Mail      *Rendered       `json:"mail,omitempty"`
	Webhook   int64           `json:"webhook,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
}

// Send renders m in the recipient's language and enqueues its delivery in
// tx, the transaction of the event it tells of. It returns EINVALID for an
// address that cannot receive mail; it enqueues nothing when e-mail is not
// configured.
func (s *Service) Send(ctx context.Context, tx *sql.Tx, m Message) error {
	to, err := ParseAddress(m.To)
	if err != nil {
		return err
	}
	if s.mail == nil {
		return nil
	}
	r, err := render(m.Lang, m.Template, m.Data)
	if err != nil {
		return err
	}
	return s.enqueue(ctx, tx, KindEmail, payload{ID: newID(), Channel: ChannelEmail, AccountID: m.AccountID,
		Template: m.Template, To: to.Address, Mail: &r})
}

// SendWebhook enqueues, in tx, a signed POST of payload (marshalled to JSON)
// to webhook endpoint, announcing event (e.g. "document.received").
func (s *Service) SendWebhook(ctx context.Context, tx *sql.Tx, endpoint int64, event string, body any) error {
	if s.aead == nil {
		return errors.New("notify: webhooks need Options.SecretKey")
	}
	if event == "" || len(event) > 100 || !utf8.ValidString(event) || strings.ContainsAny(event, "\r\n") {
		return apperr.FieldError("event", "Tên sự kiện webhook không hợp lệ")
	}
	var exists int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM notify_webhooks WHERE id = $1", endpoint).Scan(&exists); errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "Không tìm thấy địa chỉ nhận webhook")
	} else if err != nil {
		return fmt.Errorf("find webhook %d: %w", endpoint, err)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("webhook body: %w", err)
	}
	return s.enqueue(ctx, tx, KindWebhook, payload{ID: newID(), Channel: ChannelWebhook, Template: event, Webhook: endpoint, Body: b})
}

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, kind string, p payload) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = jobs.Enqueue(ctx, tx, jobs.Job{Kind: kind, Payload: b, RunAt: s.now(), MaxAttempts: s.opts.MaxAttempts})
	return err
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("notify: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// MinWebhookSecret is the shortest webhook signing secret accepted.
const MinWebhookSecret = 16

// CreateWebhook adds an endpoint in tx and returns its id. The caller (the
// module configuring an integration) decides who may, and audits it in
// the same transaction. The secret is stored sealed with the platform key.
func (s *Service) CreateWebhook(ctx context.Context, tx *sql.Tx, url string, secret []byte) (int64, error) {
	if s.aead == nil {
		return 0, errors.New("notify: webhooks need Options.SecretKey")
	}
	u, err := checkWebhookURL(url)
	if err != nil {
		return 0, err
	}
	if len(secret) < MinWebhookSecret || len(secret) > 1024 {
		return 0, apperr.FieldError("secret", "Khoá ký webhook phải dài từ %d đến 1024 byte", MinWebhookSecret)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, "INSERT INTO notify_webhooks (url, created_at) VALUES ($1, $2) RETURNING id",
		u, db.Micros(s.now())).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert webhook: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE notify_webhooks SET secret = $1 WHERE id = $2", s.seal(id, secret), id); err != nil {
		return 0, fmt.Errorf("seal webhook secret: %w", err)
	}
	return id, nil
}

func sealAD(id int64) []byte { return []byte("notify_webhooks.secret:" + strconv.FormatInt(id, 10)) }

func (s *Service) seal(id int64, secret []byte) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("notify: crypto/rand failed: " + err.Error())
	}
	return "v1:" + base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, secret, sealAD(id)))
}

func (s *Service) unseal(id int64, stored string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(stored, "v1:"))
	if err != nil || !strings.HasPrefix(stored, "v1:") || len(raw) < s.aead.NonceSize() {
		return nil, errors.New("malformed sealed webhook secret")
	}
	n := s.aead.NonceSize()
	out, err := s.aead.Open(nil, raw[:n], raw[n:], sealAD(id))
	if err != nil {
		return nil, fmt.Errorf("webhook secret does not decrypt (another --secret-key?): %w", err)
	}
	return out, nil
}

// DeliveryRetention is how long attempts stay in notify_deliveries: they
// name recipients (personal data) and serve only to explain a delivery.
const DeliveryRetention = 180 * 24 * time.Hour

// Register hands notify's delivery handler to a job runner, and a daily
// purge of attempts older than DeliveryRetention.
func (s *Service) Register(r *jobs.Runner) {
	r.Register(KindEmail, s.Handle)
	r.Register(KindWebhook, s.Handle)
	r.Periodic(jobs.Periodic{Name: "notify.purge", Daily: true, At: 3 * time.Hour, Handler: s.Purge})
}

// Purge deletes the delivery attempts older than DeliveryRetention.
func (s *Service) Purge(ctx context.Context, _ jobs.Job) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM notify_deliveries WHERE at < $1", db.Micros(s.now().Add(-DeliveryRetention)))
		return err
	})
}

// Handle delivers one message (a job of KindEmail or KindWebhook): it
// sends, records the attempt, and on a permanent failure or the last
// attempt reports the failure. The error it returns decides the job's
// fate: nil done, jobs.Permanent dead-lettered at once, other retried.
func (s *Service) Handle(ctx context.Context, j jobs.Job) error {
	var p payload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.ID == "" {
		return jobs.Permanent(fmt.Errorf("notify: malformed delivery %d: %v", j.ID, err))
	}
	recipient, providerID, sendErr := s.deliver(ctx, p)
	if sendErr != nil && errors.Is(ctx.Err(), context.Canceled) && !jobs.IsPermanent(sendErr) {
		// The runner is stopping: it gives the attempt back uncounted, so
		// this is no attempt to record, and never the last one.
		return sendErr
	}
	last := j.MaxAttempts > 0 && j.Attempt >= j.MaxAttempts
	status := StatusSent
	switch {
	case sendErr == nil:
	case jobs.IsPermanent(sendErr) || last:
		status = StatusFailed
	default:
		status = StatusRetry
	}
	errText := ""
	if sendErr != nil {
		errText = printable([]byte(sendErr.Error()))
	}
	store := context.WithoutCancel(ctx)
	err := s.db.Tx(store, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(store, `INSERT INTO notify_deliveries
			(message_id, job_id, account_id, channel, recipient, template, attempt, status, error, provider_id, at, webhook_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			p.ID, j.ID, p.AccountID, p.Channel, recipient, p.Template, j.Attempt, status, errText, providerID, db.Micros(s.now()), p.Webhook); err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
		if status == StatusFailed && s.opts.OnFailure != nil {
			return s.opts.OnFailure(store, tx, Failure{MessageID: p.ID, AccountID: p.AccountID, Channel: p.Channel,
				Template: p.Template, Recipient: recipient, Error: errText})
		}
		return nil
	})
	if err != nil {
		if sendErr == nil {
			// Sent: a retry would send it twice. The record is lost, not the message.
			s.log.ErrorContext(ctx, "record sent message", "message", p.ID, "err", err)
			return nil
		}
		s.log.ErrorContext(ctx, "record failed delivery", "message", p.ID, "err", err)
	}
	if status == StatusFailed && !jobs.IsPermanent(sendErr) {
		return jobs.Permanent(sendErr)
	}
	return sendErr
}

// deliver sends p once and returns where it went and the provider's id.
func (s *Service) deliver(ctx context.Context, p payload) (recipient, providerID string, err error) {
	switch p.Channel {
	case ChannelEmail:
		if p.Mail == nil {
			return p.To, "", jobs.Permanent(errors.New("notify: e-mail delivery without a message"))
		}
		if s.mail == nil {
			return p.To, "", jobs.Permanent(errors.New("notify: e-mail is not configured on this server (--smtp-url)"))
		}
		id, err := s.mail.send(ctx, p.ID, s.now(), p.To, *p.Mail)
		return p.To, id, err
	case ChannelWebhook:
		if s.aead == nil {
			return "", "", jobs.Permanent(errors.New("notify: webhooks need the platform secret key"))
		}
		var url, sealed string
		var disabled int64
		err := s.db.Reader().QueryRowContext(ctx, "SELECT url, secret, disabled_at FROM notify_webhooks WHERE id = $1", p.Webhook).Scan(&url, &sealed, &disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return "", "", jobs.Permanent(fmt.Errorf("notify: webhook endpoint %d no longer exists", p.Webhook))
		}
		if err != nil {
			return "", "", fmt.Errorf("load webhook %d: %w", p.Webhook, err)
		}
		if disabled != 0 {
			return redactURL(url), "", jobs.Permanent(fmt.Errorf("notify: webhook endpoint %d was disabled", p.Webhook))
		}
		secret, err := s.unseal(p.Webhook, sealed)
		if err != nil {
			return redactURL(url), "", jobs.Permanent(err)
		}
		id, err := s.hook.post(ctx, url, secret, p.ID, p.Template, s.now(), p.Body)
		return redactURL(url), id, err
	default:
		return "", "", jobs.Permanent(fmt.Errorf("notify: unknown channel %q", p.Channel))
	}
}

// Delivery is one recorded attempt.
type Delivery struct {
	MessageID  string
	JobID      int64
	AccountID  int64
	Channel    string
	Recipient  string
	Template   string
	Attempt    int
	Status     string
	Error      string
	ProviderID string
	At         time.Time
}

// Deliveries lists the attempts of the messages to accountID, newest first
// (at most limit, 1–200).
func (s *Service) Deliveries(ctx context.Context, accountID int64, limit int) ([]Delivery, error) {
	limit = min(max(limit, 1), 200)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT message_id, job_id, account_id, channel, recipient, template, attempt, status, error, provider_id, at
		FROM notify_deliveries WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

func scanDeliveries(rows *sql.Rows) ([]Delivery, error) {
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var at int64
		if err := rows.Scan(&d.MessageID, &d.JobID, &d.AccountID, &d.Channel, &d.Recipient, &d.Template, &d.Attempt,
			&d.Status, &d.Error, &d.ProviderID, &at); err != nil {
			return nil, err
		}
		d.At = db.FromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
