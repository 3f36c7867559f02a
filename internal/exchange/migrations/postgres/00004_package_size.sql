-- +goose Up
-- A package kept as a file of the package store leaves its row's package
-- column empty: its size is recorded apart.
ALTER TABLE exchange_messages ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE exchange_messages SET size = LENGTH(package);

-- +goose Down
ALTER TABLE exchange_messages DROP COLUMN size;
