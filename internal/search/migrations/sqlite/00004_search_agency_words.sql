-- +goose Up
-- The full-text index keeps each entry's title and body words a second
-- time prefixed with its agency (gtitle, gbody: "g7xsua"), so that a
-- reader of a few agencies has FTS5 walk those agencies' lists of each
-- word (internal/search/dialect.go, agencyWord). Made anew and refilled
-- by the search service on start, as in 00002.
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, scope, gtitle, gbody, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
DELETE FROM search_rebuild;
INSERT INTO search_rebuild (after_id) VALUES (0);

-- +goose Down
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, scope, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
DELETE FROM search_rebuild;
INSERT INTO search_rebuild (after_id) VALUES (0);
