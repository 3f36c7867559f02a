-- +goose Up
-- One row per indexed object (a document, later a dossier): who may read it
-- and what a search filters and sorts on. title and body keep the original
-- text, from which results are highlighted; the full-text index holds the
-- folded text (internal/search/text.go). level is access.Level's number,
-- compared with a reader's clearance in the query.
CREATE TABLE search_entries (
    id        INTEGER PRIMARY KEY,
    kind      TEXT    NOT NULL,
    object_id BIGINT  NOT NULL,
    agency_id BIGINT  NOT NULL DEFAULT 0,
    owner_id  BIGINT  NOT NULL DEFAULT 0,
    level     INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    personal  INTEGER NOT NULL DEFAULT 0,
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL DEFAULT '',
    doc_type  TEXT    NOT NULL DEFAULT '',
    status    TEXT    NOT NULL DEFAULT '',
    urgency   TEXT    NOT NULL DEFAULT '',
    on_date   TEXT    NOT NULL DEFAULT '',
    UNIQUE (kind, object_id)
);
CREATE INDEX search_entries_date ON search_entries (on_date, id);

-- The named readers of a restricted object (person, unit) and the handlers
-- of personal data (handler), as access.Resource lists them.
CREATE TABLE search_readers (
    entry_id  BIGINT NOT NULL REFERENCES search_entries (id) ON DELETE CASCADE,
    role      TEXT   NOT NULL,
    reader_id BIGINT NOT NULL,
    PRIMARY KEY (entry_id, role, reader_id)
) WITHOUT ROWID;

-- The full-text index of the folded title and body, rowid = search_entries.id.
-- Contentless: the text itself is in search_entries.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- +goose Down
DROP TABLE search_fts;
DROP TABLE search_readers;
DROP TABLE search_entries;
