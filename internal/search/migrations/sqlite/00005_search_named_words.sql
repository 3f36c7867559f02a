-- +goose Up
-- gtitle and gbody also keep the words of an entry prefixed with each
-- official ("p42x…") and unit ("u9x…") it names as readers, so a search
-- by a named reader of another agency walks those short lists instead of
-- intersecting a scope token with every entry holding the words
-- (internal/search/dialect.go, partitionPrefixes). Refilled by the search
-- service on start, as in 00002.
DELETE FROM search_rebuild;
INSERT INTO search_rebuild (after_id) VALUES (0);

-- +goose Down
DELETE FROM search_rebuild;
INSERT INTO search_rebuild (after_id) VALUES (0);
