-- notify_deliveries records every delivery attempt of a message (e-mail or
-- webhook): one row per attempt, so the history of a message that was
-- retried stays visible. A message's id (message_id) is the same on each
-- attempt and is sent with it (Message-ID, X-Chinhquyen-Delivery).
--
-- notify_webhooks are the endpoints signed webhooks are posted to; the
-- signing secret is stored encrypted with the platform secret key.

-- +goose Up
CREATE TABLE notify_deliveries (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT    NOT NULL,
    job_id      BIGINT  NOT NULL DEFAULT 0,
    account_id  BIGINT  NOT NULL DEFAULT 0,   -- the recipient's account, 0 if none
    channel     TEXT    NOT NULL,             -- email | webhook
    recipient   TEXT    NOT NULL,             -- address or endpoint URL
    template    TEXT    NOT NULL,             -- template or event name
    attempt     INTEGER NOT NULL,
    status      TEXT    NOT NULL,             -- sent | retry | failed
    error       TEXT    NOT NULL DEFAULT '',
    provider_id TEXT    NOT NULL DEFAULT '',  -- Message-ID, or the receiver's request id
    at          BIGINT  NOT NULL
);
CREATE INDEX notify_deliveries_message ON notify_deliveries (message_id, attempt);
CREATE INDEX notify_deliveries_account ON notify_deliveries (account_id, at);

CREATE TABLE notify_webhooks (
    id         INTEGER PRIMARY KEY,
    url        TEXT    NOT NULL,
    secret     TEXT    NOT NULL DEFAULT '',   -- sealed: v1:<base64url nonce|ciphertext|tag>
    created_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE notify_webhooks;
DROP TABLE notify_deliveries;
