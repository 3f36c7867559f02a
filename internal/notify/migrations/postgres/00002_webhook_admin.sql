-- Webhook endpoints managed by the system administrator (/admin/webhooks,
-- `chinhquyen webhook`): the events each one receives, and when it was
-- disabled (0 = active; a disabled endpoint is kept with its history).
-- Each webhook delivery attempt names its endpoint, so its page lists them.

-- +goose Up
ALTER TABLE notify_webhooks ADD COLUMN events TEXT NOT NULL DEFAULT '';      -- space-separated event names
ALTER TABLE notify_webhooks ADD COLUMN disabled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notify_deliveries ADD COLUMN webhook_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX notify_deliveries_webhook ON notify_deliveries (webhook_id, at);

-- +goose Down
DROP INDEX notify_deliveries_webhook;
ALTER TABLE notify_deliveries DROP COLUMN webhook_id;
ALTER TABLE notify_webhooks DROP COLUMN disabled_at;
ALTER TABLE notify_webhooks DROP COLUMN events;
