-- +goose Up
-- The job queue (outbox): a row is inserted in the transaction of the change
-- that causes it, so it exists if and only if that change committed. A job
-- that succeeds is deleted; one that exhausted its attempts stays as
-- 'failed' with its last error until an administrator retries it.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL DEFAULT '{}',   -- JSON
    unique_key   TEXT,                            -- NULL: not unique
    state        TEXT    NOT NULL,                -- queued | running | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       BIGINT  NOT NULL,                -- unix microseconds, UTC
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  BIGINT  NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
-- At most one live job per unique key; a failed one does not block a new one.
CREATE UNIQUE INDEX jobs_unique_live ON jobs (unique_key) WHERE state <> 'failed';
CREATE INDEX jobs_due ON jobs (state, run_at, id);

-- The last period each periodic job was enqueued for: one conditional
-- upsert per period, which exactly one replica wins.
CREATE TABLE jobs_periodic (
    name         TEXT   PRIMARY KEY,
    period_start BIGINT NOT NULL,                 -- unix microseconds, UTC
    enqueued_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE jobs_periodic;
DROP TABLE jobs;
