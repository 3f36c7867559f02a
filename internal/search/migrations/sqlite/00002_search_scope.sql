-- +goose Up
-- The full-text index gains a scope column: each entry's access fields as
-- tokens (a<agency>, o<owner>, l<level>, p/u/h<named reader>, np), which a
-- search intersects with its words inside FTS5 so that only what the
-- reader may see is ranked (internal/search/visible.go, prefilter). The
-- folded text is made in Go, so the table is made anew here and refilled
-- by the search service on start while search_rebuild holds a row.
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, scope, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE search_rebuild (
    after_id BIGINT NOT NULL -- entries up to this id are reindexed
);
INSERT INTO search_rebuild (after_id) VALUES (0);

-- +goose Down
DROP TABLE search_rebuild;
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
