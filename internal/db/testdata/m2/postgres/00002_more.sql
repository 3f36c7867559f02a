-- +goose Up
CREATE TABLE more_notes (id BIGINT PRIMARY KEY);
-- +goose Down
DROP TABLE more_notes;
