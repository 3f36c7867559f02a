-- Whether the session that created an API token had passed a second
-- factor. A token acts with the roles that require one only if it did and
-- its account still has TOTP enrolled, so a token made with a password
-- alone never gains such a role later. Tokens created before this column
-- count as made without one.

-- +goose Up
ALTER TABLE identity_api_tokens ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE identity_api_tokens DROP COLUMN mfa;
