-- Failed passwords counted by the normalised login name, whether or not an
-- account has that login, so the lockout answers the same for every name
-- and cannot tell a stranger which logins exist. The lock of an existing
-- account is mirrored into identity_accounts.locked_until for the
-- administrators' pages. A name's count is forgotten a day after its last
-- failure (Cleanup).
--
-- identity_events are security events an account holder sees on their own
-- account page: for example, someone tried to register their CCCD again.

-- +goose Up
CREATE TABLE identity_login_failures (
    login        TEXT    NOT NULL PRIMARY KEY,  -- as NormalizeLogin returns it
    failed       INTEGER NOT NULL,
    last_failed  BIGINT  NOT NULL,
    locked_until BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX identity_login_failures_last ON identity_login_failures (last_failed);

CREATE TABLE identity_events (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT  NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,              -- e.g. register.again
    ip         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX identity_events_account ON identity_events (account_id, at);

-- +goose Down
DROP TABLE identity_events;
DROP TABLE identity_login_failures;
