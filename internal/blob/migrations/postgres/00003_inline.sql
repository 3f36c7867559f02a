-- +goose Up
-- Small objects are kept in the database with the row that records them:
-- one durable write (the transaction's) instead of the file's, its
-- folder's and the transaction's, and no object can outlive or miss its
-- row. SQLite measured small blobs faster inside the database than as
-- files ("Internal Versus External BLOBs in SQLite", sqlite.org).
CREATE TABLE blob_inline (
    stored_sha256 TEXT  NOT NULL PRIMARY KEY REFERENCES blob_objects (stored_sha256) ON DELETE CASCADE,
    data          BYTEA  NOT NULL
);

-- +goose Down
DROP TABLE blob_inline;
