-- +goose Up
-- The procedure catalogue (danh mục thủ tục hành chính): one row per
-- procedure, the whole procedure as a JSON document plus the columns the
-- catalogue is searched and filtered on. name_folded is the name, code and
-- field folded by locale.Fold (lower case, no diacritics, đ→d) for a LIKE
-- search; the catalogue holds a few thousand procedures at most.
CREATE TABLE onestop_procedures (
    code        TEXT   NOT NULL PRIMARY KEY,    -- national code, optionally .agency suffix
    agency_code TEXT   NOT NULL,                -- responsible agency's electronic code
    level       TEXT   NOT NULL,                -- province, commune
    field       TEXT   NOT NULL,                -- lĩnh vực, NFC
    name        TEXT   NOT NULL,                -- NFC
    name_folded TEXT   NOT NULL,
    field_folded TEXT   NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1,      -- 1 = offered, 0 = deactivated
    days        BIGINT NOT NULL,
    doc         TEXT   NOT NULL,                -- the Procedure as JSON
    updated_at  BIGINT NOT NULL,                -- unix microseconds UTC
    updated_by  TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX onestop_procedures_agency ON onestop_procedures (agency_code, active);
CREATE INDEX onestop_procedures_level ON onestop_procedures (level, field_folded);

-- +goose Down
DROP TABLE onestop_procedures;
