package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Webhook is an endpoint as the system administrator sees it.
type Webhook struct {
	ID         int64
	URL        string // with any password or token in its query hidden
	Events     []string
	CreatedAt  time.Time
	DisabledAt time.Time // zero while active
	// Last is the newest delivery attempt to it, if any.
	Last *Delivery
}

// Active reports whether the endpoint still receives events.
func (w Webhook) Active() bool { return w.DisabledAt.IsZero() }

// AllEvents subscribes an endpoint to every event.
const AllEvents = "*"

// maxEvents bounds an endpoint's subscriptions.
const maxEvents = 32

var eventName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}(\.[a-z][a-z0-9_]{0,40}){1,3}$`)

// ParseEvents reads a list of event names separated by commas, spaces or
// new lines ("document.received, document.issued"; "*" for all), each a
// dotted lower-case name. The result is sorted and without repeats.
func ParseEvents(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == ';' })
	if len(fields) == 0 {
		return nil, apperr.FieldError("events", "Cần ít nhất một sự kiện (ví dụ document.received), hoặc * cho mọi sự kiện")
	}
	if len(fields) > maxEvents {
		return nil, apperr.FieldError("events", "Tối đa %d sự kiện cho một địa chỉ", maxEvents)
	}
	for _, f := range fields {
		if f != AllEvents && !eventName.MatchString(f) {
			return nil, apperr.FieldError("events", "Tên sự kiện %q không hợp lệ: dùng chữ thường không dấu, số và dấu gạch dưới, cách nhau bằng dấu chấm (ví dụ document.received)", clip(f, 60))
		}
	}
	slices.Sort(fields)
	fields = slices.Compact(fields)
	if slices.Contains(fields, AllEvents) {
		return []string{AllEvents}, nil
	}
	return fields, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

var webhookResource = access.Resource{Type: "webhook"}

func (s *Service) manageable(ctx context.Context, a *actor.Actor, id int64) error {
	res := webhookResource
	if id != 0 {
		res.ID = strconv.FormatInt(id, 10)
	}
	if err := access.Authorize(ctx, a, access.NotifyWebhookManage, res); err != nil {
		return err
	}
	if s.opts.Audit == nil {
		return apperr.New(apperr.Internal, "Dịch vụ thông báo chưa được nối với nhật ký hệ thống")
	}
	if s.aead == nil {
		return apperr.New(apperr.Unavailable, "Webhook cần khoá bí mật của nền tảng")
	}
	return nil
}

// AddWebhook adds an endpoint receiving events, with a new random signing
// secret that it returns: the only time anyone sees it (it is stored
// sealed). Audited; the entry names the endpoint and its events, never
// the secret.
func (s *Service) AddWebhook(ctx context.Context, a *actor.Actor, url string, events []string) (Webhook, string, error) {
	if err := s.manageable(ctx, a, 0); err != nil {
		return Webhook{}, "", err
	}
	if _, err := checkWebhookURL(url); err != nil {
		return Webhook{}, "", err
	}
	if len(events) == 0 {
		return Webhook{}, "", apperr.FieldError("events", "Cần ít nhất một sự kiện")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Webhook{}, "", err
	}
	secret := "whsec_" + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	var w Webhook
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, err := s.CreateWebhook(ctx, tx, url, []byte(secret))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE notify_webhooks SET events = $1 WHERE id = $2", strings.Join(events, " "), id); err != nil {
			return err
		}
		w = Webhook{ID: id, URL: redactURL(strings.TrimSpace(url)), Events: events, CreatedAt: db.FromMicros(db.Micros(now))}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "notify.webhook.create", ObjectType: "webhook",
			ObjectID: strconv.FormatInt(id, 10), After: map[string]any{"url": w.URL, "events": events}})
	})
	if err != nil {
		return Webhook{}, "", err
	}
	return w, secret, nil
}

// DisableWebhook stops deliveries to an endpoint: it receives no new
// event, and its queued deliveries fail for good (recorded, visible on
// /admin/jobs). Audited. Disabling a disabled endpoint is a conflict.
func (s *Service) DisableWebhook(ctx context.Context, a *actor.Actor, id int64) error {
	if err := s.manageable(ctx, a, id); err != nil {
		return err
	}
	now := db.Micros(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var url string
		var disabled int64
		err := tx.QueryRowContext(ctx, "SELECT url, disabled_at FROM notify_webhooks WHERE id = $1", id).Scan(&url, &disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "Không có địa chỉ nhận webhook số %d", id)
		}
		if err != nil {
			return err
		}
		if disabled != 0 {
			return apperr.New(apperr.Conflict, "Địa chỉ nhận webhook số %d đã tắt từ trước", id)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE notify_webhooks SET disabled_at = $1 WHERE id = $2", now, id); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "notify.webhook.disable", ObjectType: "webhook",
			ObjectID: strconv.FormatInt(id, 10), Summary: map[string]any{"url": redactURL(url)}})
	})
}

// Webhooks lists every endpoint, active ones first, each with its newest
// delivery attempt.
func (s *Service) Webhooks(ctx context.Context, a *actor.Actor) ([]Webhook, error) {
	if err := access.Authorize(ctx, a, access.NotifyWebhookView, webhookResource); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, url, events, created_at, disabled_at FROM notify_webhooks
		ORDER BY CASE WHEN disabled_at = 0 THEN 0 ELSE 1 END, id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	var out []Webhook
	for rows.Next() {
		var w Webhook
		var events string
		var created, disabled int64
		if err := rows.Scan(&w.ID, &w.URL, &events, &created, &disabled); err != nil {
			rows.Close()
			return nil, err
		}
		w.URL, w.Events, w.CreatedAt = redactURL(w.URL), strings.Fields(events), db.FromMicros(created)
		if disabled != 0 {
			w.DisabledAt = db.FromMicros(disabled)
		}
		out = append(out, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		last, err := s.webhookDeliveries(ctx, out[i].ID, 1)
		if err != nil {
			return nil, err
		}
		if len(last) == 1 {
			out[i].Last = &last[0]
		}
	}
	return out, nil
}

// WebhookDeliveries lists the newest delivery attempts to an endpoint
// (at most limit, 1–200).
func (s *Service) WebhookDeliveries(ctx context.Context, a *actor.Actor, id int64, limit int) ([]Delivery, error) {
	if err := access.Authorize(ctx, a, access.NotifyWebhookView, access.Resource{Type: "webhook", ID: strconv.FormatInt(id, 10)}); err != nil {
		return nil, err
	}
	return s.webhookDeliveries(ctx, id, limit)
}

func (s *Service) webhookDeliveries(ctx context.Context, id int64, limit int) ([]Delivery, error) {
	limit = min(max(limit, 1), 200)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT message_id, job_id, account_id, channel, recipient, template, attempt, status, error, provider_id, at
		FROM notify_deliveries WHERE webhook_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// Publish enqueues, in tx, event with body to every active endpoint
// subscribed to it (or to every event): each a delivery of its own,
// retried and recorded apart. No endpoint, nothing enqueued.
func (s *Service) Publish(ctx context.Context, tx *sql.Tx, event string, body any) error {
	if !eventName.MatchString(event) {
		return apperr.FieldError("event", "Tên sự kiện webhook %q không hợp lệ", clip(event, 60))
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, events FROM notify_webhooks WHERE disabled_at = 0 ORDER BY id")
	if err != nil {
		return fmt.Errorf("find webhooks of %s: %w", event, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var events string
		if err := rows.Scan(&id, &events); err != nil {
			rows.Close()
			return err
		}
		if subs := strings.Fields(events); slices.Contains(subs, event) || slices.Contains(subs, AllEvents) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.SendWebhook(ctx, tx, id, event, body); err != nil {
			return err
		}
	}
	return nil
}
