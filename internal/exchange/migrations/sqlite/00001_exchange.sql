-- exchange_peers are the other nodes this node trusts: each pinned by the
-- SHA-256 fingerprint of its node certificate (kept in PEM), with its health
-- (last contact, consecutive failures, the open outage) for /admin/exchange.
-- exchange_peer_agencies are the agency codes a peer hosts, learnt from its
-- signed directory.
-- exchange_messages is every package sent or received, kept whole with its
-- SHA-256 and the signed receipt answered for it: the evidence of who sent
-- what, when, and what the receiver said. An inbound message is unique per
-- (peer, dedup_key) so a package delivered twice is registered once.
-- exchange_outages is a row per outage of a peer (from, to, error).

-- +goose Up
CREATE TABLE exchange_peers (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL UNIQUE,      -- sha256 of the certificate's DER, lower-case hex
    cert_pem      TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_contact  BIGINT  NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,   -- consecutive failed deliveries
    last_error    TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE exchange_peer_agencies (
    peer_id BIGINT NOT NULL REFERENCES exchange_peers (id) ON DELETE CASCADE,
    code    TEXT   NOT NULL,
    name    TEXT   NOT NULL,
    PRIMARY KEY (peer_id, code)
);
CREATE INDEX exchange_peer_agencies_code ON exchange_peer_agencies (code);

CREATE TABLE exchange_messages (
    id             INTEGER PRIMARY KEY,
    direction      TEXT    NOT NULL,             -- out | in
    peer_id        BIGINT  NOT NULL,
    from_code      TEXT    NOT NULL DEFAULT '',
    to_code        TEXT    NOT NULL,
    document_id    TEXT    NOT NULL,
    kind           TEXT    NOT NULL,             -- document | status
    dedup_key      TEXT    NOT NULL DEFAULT '',
    digest         TEXT    NOT NULL,             -- sha256 of package, hex
    package        BLOB    NOT NULL,
    state          TEXT    NOT NULL,             -- queued | delivered | refused | received
    receipt        BLOB,
    receipt_digest TEXT    NOT NULL DEFAULT '',
    receipt_status TEXT    NOT NULL DEFAULT '',  -- 01 | 02
    reason         TEXT    NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    done_at        BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX exchange_messages_dedup ON exchange_messages (peer_id, dedup_key) WHERE direction = 'in';
CREATE INDEX exchange_messages_peer ON exchange_messages (peer_id, direction, state);
CREATE INDEX exchange_messages_document ON exchange_messages (document_id);

CREATE TABLE exchange_outages (
    id       INTEGER PRIMARY KEY,
    peer_id  BIGINT  NOT NULL REFERENCES exchange_peers (id) ON DELETE CASCADE,
    from_at  BIGINT  NOT NULL,
    to_at    BIGINT  NOT NULL DEFAULT 0,         -- 0 while the outage lasts
    error    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX exchange_outages_peer ON exchange_outages (peer_id, from_at);

-- +goose Down
DROP TABLE exchange_outages;
DROP TABLE exchange_messages;
DROP TABLE exchange_peer_agencies;
DROP TABLE exchange_peers;
