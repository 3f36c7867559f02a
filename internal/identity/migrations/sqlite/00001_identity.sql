-- Package identity: accounts of officials, citizens and businesses, their
-- roles, second factors, sessions, API tokens and login throttling. Moments
-- are unix microseconds (UTC). Secrets are never stored: passwords as
-- argon2id, session and API tokens and recovery codes as SHA-256 (they are
-- 256-bit and 80-bit random values, so a fast hash is enough).
-- agency_id, unit_id, official_id and position ids are org ids; there are no
-- foreign keys into other modules.

-- +goose Up
CREATE TABLE identity_accounts (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT    NOT NULL CHECK (kind IN ('official', 'citizen', 'business')),
    login               TEXT    NOT NULL UNIQUE,      -- username, 12-digit CCCD or tax code, normalised
    display_name        TEXT    NOT NULL,             -- NFC
    email               TEXT    NOT NULL DEFAULT '',
    phone               TEXT    NOT NULL DEFAULT '',  -- 0xxxxxxxxx
    official_id         BIGINT,                       -- org official (person) record
    agency_id           BIGINT  NOT NULL DEFAULT 0,
    unit_id             BIGINT  NOT NULL DEFAULT 0,
    clearance           TEXT    NOT NULL,             -- access.Level name
    password_hash       TEXT    NOT NULL,             -- $argon2id$v=19$m=…,t=…,p=…$salt$hash
    password_changed_at BIGINT  NOT NULL,
    totp_secret         TEXT    NOT NULL DEFAULT '',  -- base32; set when enrolment starts
    totp_enabled        INTEGER NOT NULL DEFAULT 0,
    totp_last_step      BIGINT  NOT NULL DEFAULT 0,   -- last accepted 30 s step: replays are refused
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        BIGINT  NOT NULL DEFAULT 0,
    disabled            INTEGER NOT NULL DEFAULT 0,
    demo                INTEGER NOT NULL DEFAULT 0,   -- demonstration account: known password, MFA-exempt
    created_at          BIGINT  NOT NULL,
    created_by          BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX identity_accounts_official ON identity_accounts (official_id) WHERE official_id IS NOT NULL;
CREATE INDEX identity_accounts_agency ON identity_accounts (agency_id, kind);

CREATE TABLE identity_account_positions (
    account_id  BIGINT NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    position_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, position_id)
);

CREATE TABLE identity_role_grants (
    account_id BIGINT  NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    agency_id  BIGINT  NOT NULL,                     -- 0 = platform-wide
    subtree    INTEGER NOT NULL DEFAULT 0,
    granted_at BIGINT  NOT NULL,
    granted_by BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, role, agency_id)
);

CREATE TABLE identity_recovery_codes (
    account_id BIGINT NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    code_hash  TEXT   NOT NULL,                      -- hex SHA-256 of account id and code
    used_at    BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

CREATE TABLE identity_sessions (
    id          TEXT    NOT NULL PRIMARY KEY,        -- public id: shown in lists, audit actor_session
    token_hash  TEXT    NOT NULL UNIQUE,             -- hex SHA-256 of the bearer/cookie secret
    account_id  BIGINT  NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('web', 'api')),
    stage       TEXT    NOT NULL CHECK (stage IN ('mfa', 'enrol', 'full')),
    mfa         INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    last_seen   BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,                    -- absolute limit
    ip          TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX identity_sessions_account ON identity_sessions (account_id);
CREATE INDEX identity_sessions_expires ON identity_sessions (expires_at);

CREATE TABLE identity_api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    scopes       TEXT   NOT NULL,                    -- space-separated module:read|write
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT
);
CREATE INDEX identity_api_tokens_account ON identity_api_tokens (account_id);

-- Fixed-window counters for rate limits, shared by every replica.
CREATE TABLE identity_throttle (
    bucket       TEXT    NOT NULL PRIMARY KEY,       -- e.g. login:ip:203.0.113.9
    window_start BIGINT  NOT NULL,
    hits         INTEGER NOT NULL
);

-- +goose Down
DROP TABLE identity_throttle;
DROP TABLE identity_api_tokens;
DROP TABLE identity_sessions;
DROP TABLE identity_recovery_codes;
DROP TABLE identity_role_grants;
DROP TABLE identity_account_positions;
DROP TABLE identity_accounts;
