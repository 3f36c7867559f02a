-- +goose Up
-- The integrator finds pending entries through the leaf_index index (its
-- NULLs), and action-prefix filters run on the time index: two fewer indexes
-- to write on every recorded change.
DROP INDEX audit_entries_pending;
DROP INDEX audit_entries_action;

-- +goose Down
CREATE INDEX audit_entries_pending ON audit_entries (id) WHERE leaf_index IS NULL;
CREATE INDEX audit_entries_action ON audit_entries (action, at, id);
