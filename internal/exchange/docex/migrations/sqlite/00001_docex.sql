-- +goose Up
-- Official documents across nodes (QCVN 102:2016 edXML): what this node
-- sent to agencies hosted on peers, and what it received for its own.

-- One row per issued document and remote recipient: the package's
-- DocumentId ("<OrganId>,<year>,<seq>") and the last status its receiver
-- sent back.
CREATE TABLE docex_sent (
    document_id BIGINT NOT NULL,              -- the outgoing document here
    to_code     TEXT   NOT NULL,              -- the recipient agency's code
    package_id  TEXT   NOT NULL,              -- edXML DocumentId
    business    BIGINT NOT NULL DEFAULT 0,    -- 0 new, 2 update, 3 replace
    state       TEXT   NOT NULL,              -- sent, revoked
    status      TEXT   NOT NULL DEFAULT '',   -- the last status code received (02–06)
    reason      TEXT   NOT NULL DEFAULT '',   -- the reason of a refusal (02)
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (document_id, to_code)
);
CREATE INDEX docex_sent_package ON docex_sent (package_id, to_code);

-- One row per document package received for an agency hosted here: its
-- fields as the package gives them, and what the clerk did with it.
CREATE TABLE docex_inbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    package_id    TEXT   NOT NULL,              -- edXML DocumentId
    business      BIGINT NOT NULL DEFAULT 0,    -- 0 new, 2 update, 3 replace
    related_id    TEXT   NOT NULL DEFAULT '',   -- DocumentId it updates or replaces
    peer_name     TEXT   NOT NULL DEFAULT '',
    from_code     TEXT   NOT NULL,
    from_name     TEXT   NOT NULL DEFAULT '',
    to_code       TEXT   NOT NULL,
    to_agency     BIGINT NOT NULL,
    symbol        TEXT   NOT NULL DEFAULT '',
    type_name     TEXT   NOT NULL DEFAULT '',
    issued_on     TEXT   NOT NULL DEFAULT '',
    summary       TEXT   NOT NULL DEFAULT '',
    signer        TEXT   NOT NULL DEFAULT '',
    urgency       TEXT   NOT NULL DEFAULT '',
    state         TEXT   NOT NULL,              -- pending, registered, returned
    revoked       BIGINT NOT NULL DEFAULT 0,    -- 1 once its sender revoked it
    revoke_reason TEXT   NOT NULL DEFAULT '',
    incoming_id   BIGINT NOT NULL DEFAULT 0,    -- the incoming document once registered
    reason        TEXT   NOT NULL DEFAULT '',   -- why the clerk returned it
    received_at   BIGINT NOT NULL,
    handled_by    BIGINT NOT NULL DEFAULT 0,
    handled_at    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (package_id, to_code, business)
);
CREATE INDEX docex_inbox_queue ON docex_inbox (to_agency, state);
CREATE INDEX docex_inbox_incoming ON docex_inbox (incoming_id);

-- The attached files of a received package, byte for byte (a signed PDF
-- keeps its PAdES signatures), until the clerk registers it.
CREATE TABLE docex_files (
    inbox_id   BIGINT NOT NULL REFERENCES docex_inbox (id),
    position   BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    media_type TEXT   NOT NULL,
    sha256     TEXT   NOT NULL,
    data       BLOB   NOT NULL,
    PRIMARY KEY (inbox_id, position)
);

-- The statuses sent back for a received document, each once.
CREATE TABLE docex_statuses (
    inbox_id BIGINT NOT NULL,
    code     TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (inbox_id, code)
);

-- +goose Down
DROP TABLE docex_statuses;
DROP TABLE docex_files;
DROP TABLE docex_inbox;
DROP TABLE docex_sent;
