-- +goose Up
-- One row per recorded action, written in the same transaction as the change.
-- leaf_hash is the RFC 6962 leaf hash of the entry's canonical bytes (see
-- internal/audit/canonical.go); leaf_index is NULL until the integrator puts
-- the committed entry into the Merkle tree.
CREATE TABLE audit_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            BIGINT  NOT NULL,              -- unix microseconds, UTC
    actor_kind    TEXT    NOT NULL,
    actor_account BIGINT  NOT NULL DEFAULT 0,
    actor_agency  BIGINT  NOT NULL DEFAULT 0,
    actor_ip      TEXT    NOT NULL DEFAULT '',
    actor_session TEXT    NOT NULL DEFAULT '',
    action        TEXT    NOT NULL,
    object_type   TEXT    NOT NULL DEFAULT '',
    object_id     TEXT    NOT NULL DEFAULT '',
    before_digest BLOB,                          -- SHA-256 of canonical redacted JSON, NULL if none
    after_digest  BLOB,
    summary       TEXT    NOT NULL DEFAULT '',
    outcome       TEXT    NOT NULL,
    reason        TEXT    NOT NULL DEFAULT '',
    leaf_hash     BLOB    NOT NULL,
    leaf_index    BIGINT  UNIQUE
);
CREATE INDEX audit_entries_pending ON audit_entries (id) WHERE leaf_index IS NULL;
CREATE INDEX audit_entries_at ON audit_entries (at, id);
CREATE INDEX audit_entries_account ON audit_entries (actor_account, at, id);
CREATE INDEX audit_entries_agency ON audit_entries (actor_agency, at, id);
CREATE INDEX audit_entries_object ON audit_entries (object_type, object_id, at, id);
CREATE INDEX audit_entries_action ON audit_entries (action, at, id);

-- The sequenced leaves: leaf_index → entry, written once by the integrator.
CREATE TABLE audit_leaves (
    leaf_index BIGINT NOT NULL PRIMARY KEY,
    entry_id   BIGINT NOT NULL UNIQUE,
    leaf_hash  BLOB   NOT NULL
) WITHOUT ROWID;

-- Hashes of the perfect subtrees above the leaves (level >= 1), for proofs.
CREATE TABLE audit_nodes (
    level INTEGER NOT NULL,
    idx   BIGINT  NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The integrated tree: one row, locked by the integrator.
CREATE TABLE audit_tree (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    size    BIGINT  NOT NULL,
    root    BLOB    NOT NULL,
    updated BIGINT  NOT NULL
);
INSERT INTO audit_tree (id, size, root, updated)
VALUES (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0);

-- Signed checkpoints (signed notes) of the tree.
CREATE TABLE audit_checkpoints (
    size BIGINT NOT NULL PRIMARY KEY,
    root BLOB   NOT NULL,
    at   BIGINT NOT NULL,
    note TEXT   NOT NULL
);

-- Verifier keys the log has signed with (informational: Verify trusts the
-- verifier key given to it from outside the database).
CREATE TABLE audit_keys (
    verifier TEXT   NOT NULL PRIMARY KEY,
    created  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE audit_keys;
DROP TABLE audit_checkpoints;
DROP TABLE audit_tree;
DROP TABLE audit_nodes;
DROP TABLE audit_leaves;
DROP TABLE audit_entries;
