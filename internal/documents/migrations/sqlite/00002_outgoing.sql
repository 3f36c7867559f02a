-- +goose Up
-- The outgoing flow (Decree 30/2020/NĐ-CP Arts. 10–16): drafting,
-- review and approval, the leader's signature, numbering, sealing and
-- release. An outgoing document is a row of documents (direction 'out')
-- whose status moves draft → review → (returned →) approved → signed →
-- numbered → issued; these tables hold what only outgoing documents have.
CREATE TABLE documents_outgoing (
    document_id      BIGINT NOT NULL PRIMARY KEY REFERENCES documents (id),
    unit_id          BIGINT NOT NULL DEFAULT 0,   -- drafting unit (đơn vị soạn thảo)
    unit_abbrev      TEXT   NOT NULL DEFAULT '',  -- its abbreviation, for a Công văn symbol (125/UBND-VP)
    legal            BIGINT NOT NULL DEFAULT 0,   -- 1 = legal normative document (own series, year in the symbol)
    signer_id        BIGINT NOT NULL,             -- the leader who signs (last of the chain)
    signer_name      TEXT   NOT NULL,
    signer_authority TEXT   NOT NULL DEFAULT '',  -- TM., KT., TL., TUQ., Q. or ''
    signer_position  TEXT   NOT NULL,             -- e.g. CHỦ TỊCH, PHÓ CHỦ TỊCH
    recipients_text  TEXT   NOT NULL DEFAULT '',  -- free-text "Nơi nhận", one per line
    step             BIGINT NOT NULL DEFAULT 0,   -- position in the chain awaiting a decision; 0 none
    round            BIGINT NOT NULL DEFAULT 0,   -- how many times it was sent for review
    signed_upload    TEXT   NOT NULL DEFAULT '',  -- the PDF the leader signed
    issued_upload    TEXT   NOT NULL DEFAULT '',  -- the numbered, sealed PDF
    issued_at        BIGINT NOT NULL DEFAULT 0
);

-- The review and approval chain: ordered reviewers, the last is the signer.
CREATE TABLE documents_chain (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    position    BIGINT NOT NULL,
    account_id  BIGINT NOT NULL,
    name        TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, position)
);

-- Every file of a draft is a new version; versions are never changed.
CREATE TABLE documents_versions (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    version     BIGINT NOT NULL,
    upload_id   TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    media_type  TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT   NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (document_id, version)
);

-- Replies to, replaces, amends, revokes another document.
CREATE TABLE documents_relations (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    kind        TEXT   NOT NULL,
    target_id   BIGINT NOT NULL,
    PRIMARY KEY (document_id, kind, target_id)
);
CREATE INDEX documents_relations_target ON documents_relations (target_id);

-- Recipients on the platform (Nơi nhận that are agencies here).
CREATE TABLE documents_recipients (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    agency_id   BIGINT NOT NULL,
    name        TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, agency_id)
);

-- One row per internal recipient of an issued document: written in the
-- issuing transaction, so it is in the recipient's incoming queue at once.
CREATE TABLE documents_deliveries (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    to_agency   BIGINT NOT NULL,
    from_agency BIGINT NOT NULL,
    state       TEXT   NOT NULL,                 -- pending, registered, returned
    incoming_id BIGINT NOT NULL DEFAULT 0,       -- the recipient's incoming document once registered
    reason      TEXT   NOT NULL DEFAULT '',      -- why it was returned
    created_at  BIGINT NOT NULL,
    handled_by  BIGINT NOT NULL DEFAULT 0,
    handled_at  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, to_agency)
);
CREATE INDEX documents_deliveries_queue ON documents_deliveries (to_agency, state);

-- The timeline: one row per step of a document (who, when, what, comment).
CREATE TABLE documents_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id BIGINT NOT NULL REFERENCES documents (id),
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    actor_name  TEXT   NOT NULL DEFAULT '',
    kind        TEXT   NOT NULL,
    version     BIGINT NOT NULL DEFAULT 0,
    comment     TEXT   NOT NULL DEFAULT '',
    detail      TEXT   NOT NULL DEFAULT ''       -- JSON object
);
CREATE INDEX documents_events_doc ON documents_events (document_id, at);
CREATE INDEX documents_status ON documents (agency_id, direction, status);

-- +goose Down
DROP INDEX documents_status;
DROP TABLE documents_events;
DROP TABLE documents_deliveries;
DROP TABLE documents_recipients;
DROP TABLE documents_relations;
DROP TABLE documents_versions;
DROP TABLE documents_chain;
DROP TABLE documents_outgoing;
