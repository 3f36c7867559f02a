-- +goose Up
-- The text extracted from an object's files (a document's PDF attachments:
-- text layer or OCR, internal/textract), one row per file (source = upload
-- id) with how far extraction got, so a page can say when a file is not
-- searchable yet. Text that is done is indexed with the object's body; the
-- entry keeps it apart (extra) so it can be refreshed alone.
CREATE TABLE search_texts (
    kind       TEXT   NOT NULL,
    object_id  BIGINT NOT NULL,
    source     TEXT   NOT NULL,
    status     TEXT   NOT NULL, -- pending, done, empty, unavailable, unsupported, failed
    method     TEXT   NOT NULL DEFAULT '', -- text, ocr
    detail     TEXT   NOT NULL DEFAULT '',
    text       TEXT   NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, object_id, source)
);
ALTER TABLE search_entries ADD COLUMN extra TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE search_entries DROP COLUMN extra;
DROP TABLE search_texts;
