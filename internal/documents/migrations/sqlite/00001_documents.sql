-- +goose Up
-- Official documents (Decree 30/2020/NĐ-CP): one row per incoming or
-- outgoing document of an agency. Dates are yyyy-mm-dd text (calendar.Date),
-- instants unix microseconds UTC.
CREATE TABLE documents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    direction      TEXT   NOT NULL,              -- 'in' (văn bản đến) or 'out' (văn bản đi)
    agency_id      BIGINT NOT NULL,              -- the agency whose register holds it
    series         TEXT   NOT NULL,              -- register series: normal, confidential, legal, copies
    reg_year       BIGINT NOT NULL,              -- register year (Vietnam time)
    reg_number     BIGINT NOT NULL DEFAULT 0,    -- số đến, or the outgoing number once issued; 0 = none yet
    symbol         TEXT   NOT NULL DEFAULT '',   -- number and symbol as written, NFC
    symbol_key     TEXT   NOT NULL DEFAULT '',   -- canonical upper-case form, for duplicates
    type_code      TEXT   NOT NULL,              -- Appendix III code, CV for công văn
    issued_on      TEXT   NOT NULL DEFAULT '',   -- date of the document
    sender         TEXT   NOT NULL DEFAULT '',   -- issuing body (tác giả) of an incoming document
    sender_key     TEXT   NOT NULL DEFAULT '',   -- folded sender, for duplicates
    summary        TEXT   NOT NULL,              -- trích yếu
    urgency        TEXT   NOT NULL,              -- thuong, khan, thuong_khan, hoa_toc
    classification TEXT   NOT NULL,              -- access.Level name
    received_at    BIGINT NOT NULL DEFAULT 0,    -- ngày đến
    status         TEXT   NOT NULL,              -- registered, withdrawn (later: draft, approved, issued…)
    duplicate_of   BIGINT NOT NULL DEFAULT 0,    -- first registration when registered anyway (force)
    created_by     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX documents_duplicates ON documents (agency_id, symbol_key, issued_on);
CREATE INDEX documents_register ON documents (agency_id, direction, reg_year, reg_number);

-- The last number given in each register (Decree 30 Arts. 15 and 22): one
-- row per agency, direction, series and year, bumped in the transaction
-- that records the document, so numbers have neither gaps nor duplicates.
CREATE TABLE documents_counters (
    agency_id   BIGINT NOT NULL,
    direction   TEXT   NOT NULL,
    series      TEXT   NOT NULL,
    reg_year    BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (agency_id, direction, series, reg_year)
);

-- The register itself: every number given, with the document it went to,
-- or marked withdrawn (never given again).
CREATE TABLE documents_register_entries (
    agency_id   BIGINT NOT NULL,
    direction   TEXT   NOT NULL,
    series      TEXT   NOT NULL,
    reg_year    BIGINT NOT NULL,
    reg_number  BIGINT NOT NULL,
    document_id BIGINT NOT NULL DEFAULT 0,
    state       TEXT   NOT NULL,                 -- used, withdrawn
    note        TEXT   NOT NULL DEFAULT '',      -- why it was withdrawn (Ghi chú)
    at          BIGINT NOT NULL,
    PRIMARY KEY (agency_id, direction, series, reg_year, reg_number)
);

-- Attached files (blob uploads, referenced) and, for PDFs, the validation
-- report of their signatures kept as Circular 41/2017/TT-BTTTT requires.
CREATE TABLE documents_attachments (
    document_id      BIGINT NOT NULL REFERENCES documents (id),
    position         BIGINT NOT NULL,
    upload_id        TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    media_type       TEXT   NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT   NOT NULL,
    signature_status TEXT   NOT NULL DEFAULT '',  -- '' not a PDF; none, valid, invalid, indeterminate
    signature_report TEXT   NOT NULL DEFAULT '',  -- pdfsign.Report as JSON
    PRIMARY KEY (document_id, position)
);

-- +goose Down
DROP TABLE documents_attachments;
DROP TABLE documents_register_entries;
DROP TABLE documents_counters;
DROP TABLE documents;
