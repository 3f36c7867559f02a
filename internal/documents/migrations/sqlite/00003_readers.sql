-- +goose Up
-- The people and units who read a document besides its agency's officials
-- (Document.Readers, Document.Units): the handlers a leader names when
-- directing it (Decree 30/2020/NĐ-CP Art. 24), who may belong to another
-- agency. A row is written in the transaction of what named them, so a
-- reader exists iff that change committed; access.Can decides with them
-- (a named reader reads, a state secret still within their clearance).
CREATE TABLE documents_readers (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    account_id  BIGINT NOT NULL DEFAULT 0,  -- an official's account, or 0
    unit_id     BIGINT NOT NULL DEFAULT 0,  -- an org unit, or 0
    reason      TEXT   NOT NULL DEFAULT '', -- why, e.g. "Chỉ đạo xử lý (nhiệm vụ #12)"
    added_by    BIGINT NOT NULL DEFAULT 0,  -- the account that named them (0: the system)
    added_at    BIGINT NOT NULL,            -- unix microseconds
    CHECK ((account_id > 0 AND unit_id = 0) OR (account_id = 0 AND unit_id > 0)),
    UNIQUE (document_id, account_id, unit_id)
);
-- Lists restate the rule in SQL: the documents naming a reader.
CREATE INDEX documents_readers_account ON documents_readers (account_id, document_id);
CREATE INDEX documents_readers_unit ON documents_readers (unit_id, document_id);

-- +goose Down
DROP TABLE documents_readers;
