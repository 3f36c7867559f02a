-- +goose Up
-- A revocation (Business 1) that arrives before the document it revokes
-- (both were queued while the link was down and retried in another
-- order) is kept here; the document is marked revoked when it arrives.
CREATE TABLE docex_revocations (
    package_id TEXT   NOT NULL,   -- edXML DocumentId revoked
    to_code    TEXT   NOT NULL,
    from_code  TEXT   NOT NULL,
    reason     TEXT   NOT NULL DEFAULT '',
    at         BIGINT NOT NULL,
    PRIMARY KEY (package_id, to_code, from_code)
);

-- +goose Down
DROP TABLE docex_revocations;
