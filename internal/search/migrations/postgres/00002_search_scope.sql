-- +goose Up
-- The twin of the SQLite migration: every tsvector gains the entry's scope
-- lexemes ('#a<agency>', …), added by the search service on start while
-- search_rebuild holds a row. The GIN index no longer buffers new entries
-- in a pending list (fastupdate): every search would scan that list until
-- the next vacuum, and the index changes one document at a time.
CREATE TABLE search_rebuild (
    after_id BIGINT NOT NULL -- entries up to this id are reindexed
);
INSERT INTO search_rebuild (after_id) VALUES (0);
ALTER INDEX search_fts_tsv SET (fastupdate = off);

-- +goose Down
ALTER INDEX search_fts_tsv RESET (fastupdate);
DROP TABLE search_rebuild;
