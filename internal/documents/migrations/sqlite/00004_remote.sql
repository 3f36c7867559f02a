-- +goose Up
-- Recipients hosted on another node of the document exchange (QCVN
-- 102:2016 edXML between agencies): named by their electronic identifier
-- code, since they are not agencies of this platform. The issue hands the
-- document to the exchange in its delivery transaction, one signed
-- package per recipient.
CREATE TABLE documents_remote_recipients (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    code        TEXT   NOT NULL,              -- the agency's electronic identifier code
    name        TEXT   NOT NULL DEFAULT '',   -- its name as the peer's directory gives it
    PRIMARY KEY (document_id, code)
);

-- +goose Down
DROP TABLE documents_remote_recipients;
