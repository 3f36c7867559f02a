-- +goose Up
-- The purge finds objects no upload uses (left by a failed upload or a
-- failed purge) among those not touched since its cut-off.
CREATE INDEX blob_objects_touched ON blob_objects (touched_at);

-- +goose Down
DROP INDEX blob_objects_touched;
