-- +goose Up
-- Nothing: the partition-prefixed words are the SQLite index's (its
-- 00005); GIN intersects posting lists by seeking. The numbering stays
-- the same on both engines.
SELECT 1;

-- +goose Down
SELECT 1;
