-- Housekeeping shared by every replica. A job runs where it claims its row
-- (last_run older than its interval), so N replicas run it once per interval;
-- a one-off task leaves its row as a mark ('totp-seal').
-- Also from this version on, identity_accounts.totp_secret holds the secret
-- encrypted ("v1:" + AES-256-GCM, key from --secret-key); plain base32 values
-- written earlier are encrypted at start-up (SealTOTPSecrets) or when read.

-- +goose Up
CREATE TABLE identity_jobs (
    name     TEXT   NOT NULL PRIMARY KEY,
    last_run BIGINT NOT NULL              -- unix microseconds of the last claimed run
);

-- +goose Down
DROP TABLE identity_jobs;
