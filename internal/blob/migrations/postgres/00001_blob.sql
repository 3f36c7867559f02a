-- +goose Up
-- Stored objects: one row per object in the store, addressed by the SHA-256
-- of its stored bytes (ciphertext for encrypted uploads). blob check re-hashes
-- every object against this table. touched_at is the last upload that used
-- the object; the purge deletes an object no upload uses only when it was
-- not touched since the purge's cut-off.
CREATE TABLE blob_objects (
    stored_sha256 TEXT   PRIMARY KEY,
    stored_size   BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,  -- unix µs
    touched_at    BIGINT NOT NULL
);

-- Uploads: what a person sent, as other modules reference it by id.
CREATE TABLE blob_uploads (
    id             TEXT   PRIMARY KEY,      -- 128 random bits, hex: not guessable
    sha256         TEXT   NOT NULL,         -- of the content as uploaded
    size           BIGINT NOT NULL,
    media_type     TEXT   NOT NULL,         -- sniffed from the content
    name           TEXT   NOT NULL,         -- cleaned (blob.CleanName)
    stored_sha256  TEXT   NOT NULL REFERENCES blob_objects (stored_sha256),
    wrapped_key    BYTEA,                   -- NULL: stored in clear; else the per-file key, sealed by the platform key
    key_id         TEXT   NOT NULL DEFAULT '',  -- fingerprint of the platform key that sealed it
    uploader       BIGINT NOT NULL,         -- account id; 0 = the system
    classification TEXT   NOT NULL,         -- access.Level name
    personal_data  BIGINT NOT NULL DEFAULT 0,
    refs           BIGINT NOT NULL DEFAULT 0,  -- references held by other modules
    created_at     BIGINT NOT NULL
);
CREATE INDEX blob_uploads_unreferenced ON blob_uploads (refs, created_at);
CREATE INDEX blob_uploads_stored ON blob_uploads (stored_sha256);

-- +goose Down
DROP TABLE blob_uploads;
DROP TABLE blob_objects;
