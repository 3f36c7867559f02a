-- Package org: administrative units, agencies, units inside agencies,
-- positions and officials. Civil dates are TEXT 'YYYY-MM-DD'; a row is valid
-- on day D when valid_from <= D AND (valid_to IS NULL OR valid_to >= D)
-- (valid_to is the LAST day, inclusive; NULL = still valid).

-- +goose Up
CREATE TABLE org_admin_units (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL,            -- 2 digits (province) or 5 digits (commune)
    level         TEXT NOT NULL CHECK (level IN ('province', 'commune')),
    name          TEXT NOT NULL,            -- NFC, e.g. 'Xã Y Tý'
    type          TEXT NOT NULL,            -- Tỉnh, Thành phố, Xã, Phường, Đặc khu
    province_code TEXT,                     -- commune: its province; NULL for a province
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CHECK ((level = 'province') = (province_code IS NULL)),
    UNIQUE (code, valid_from)
);
CREATE UNIQUE INDEX org_admin_units_open ON org_admin_units (code) WHERE valid_to IS NULL;
CREATE INDEX org_admin_units_level ON org_admin_units (level, valid_from, code);
CREATE INDEX org_admin_units_province ON org_admin_units (province_code, valid_from, code);

-- A retired unit version points to the unit(s) that took it over.
CREATE TABLE org_admin_unit_successors (
    unit_id        BIGINT NOT NULL REFERENCES org_admin_units (id),
    successor_code TEXT NOT NULL,
    PRIMARY KEY (unit_id, successor_code)
);
CREATE INDEX org_admin_unit_successors_code ON org_admin_unit_successors (successor_code);

-- Each official list applied: the shipped one (seed) and every import.
CREATE TABLE org_admin_unit_lists (
    valid_from  TEXT PRIMARY KEY,
    source      TEXT NOT NULL,              -- 'seed' or 'import'
    sha256      TEXT NOT NULL,              -- of the file(s), hex
    rows_count  INTEGER NOT NULL,
    added       INTEGER NOT NULL,
    renamed     INTEGER NOT NULL,
    moved       INTEGER NOT NULL,
    retired     INTEGER NOT NULL,
    applied_at  BIGINT NOT NULL,            -- unix microseconds
    applied_by  TEXT NOT NULL               -- actor name
);

CREATE TABLE org_agencies (
    id         INTEGER PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- One row per version of an agency; a rename or move closes the open version
-- and opens a new one with the same agency_id.
CREATE TABLE org_agency_versions (
    id              INTEGER PRIMARY KEY,
    agency_id       BIGINT NOT NULL REFERENCES org_agencies (id),
    valid_from      TEXT NOT NULL,
    valid_to        TEXT,
    name            TEXT NOT NULL,
    short_name      TEXT NOT NULL,
    code            TEXT,                   -- electronic identifier (Decision 20/2020, 09/2025), opaque
    abbreviation    TEXT NOT NULL,          -- used in document symbols: UBND, SNV …
    kind            TEXT NOT NULL,
    parent_id       BIGINT REFERENCES org_agencies (id),
    admin_unit_code TEXT,                   -- province or commune served
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    UNIQUE (agency_id, valid_from)
);
CREATE UNIQUE INDEX org_agency_versions_open ON org_agency_versions (agency_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX org_agency_versions_open_code ON org_agency_versions (code) WHERE valid_to IS NULL AND code IS NOT NULL;
CREATE INDEX org_agency_versions_parent ON org_agency_versions (parent_id, valid_from);
CREATE INDEX org_agency_versions_code ON org_agency_versions (code, valid_from);

-- Predecessor → successor links of merges, splits and replacements.
CREATE TABLE org_agency_links (
    predecessor_id BIGINT NOT NULL REFERENCES org_agencies (id),
    successor_id   BIGINT NOT NULL REFERENCES org_agencies (id),
    kind           TEXT NOT NULL CHECK (kind IN ('merge', 'split', 'replace')),
    effective      TEXT NOT NULL,           -- first day of the successor's role
    PRIMARY KEY (predecessor_id, successor_id)
);
CREATE INDEX org_agency_links_successor ON org_agency_links (successor_id);

-- Units inside an agency (phòng, ban, văn phòng, vụ …).
CREATE TABLE org_units (
    id           INTEGER PRIMARY KEY,
    agency_id    BIGINT NOT NULL REFERENCES org_agencies (id),
    name         TEXT NOT NULL,
    abbreviation TEXT NOT NULL,             -- for Công văn symbols: UBND-VP
    kind         TEXT NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX org_units_open_abbreviation ON org_units (agency_id, abbreviation) WHERE valid_to IS NULL;
CREATE INDEX org_units_agency ON org_units (agency_id, valid_from);

CREATE TABLE org_positions (
    id     INTEGER PRIMARY KEY,
    code   TEXT NOT NULL UNIQUE,            -- stable key, e.g. 'chu_tich'
    name   TEXT NOT NULL,                   -- 'Chủ tịch'
    leader INTEGER NOT NULL DEFAULT 0,      -- a leadership position (lãnh đạo)
    rank   INTEGER NOT NULL                 -- list order: leaders first
);

CREATE TABLE org_officials (
    id          INTEGER PRIMARY KEY,
    full_name   TEXT NOT NULL,              -- NFC
    staff_code  TEXT UNIQUE,                -- mã cán bộ of the HR system; NULL if none
    agency_id   BIGINT NOT NULL REFERENCES org_agencies (id),
    unit_id     BIGINT REFERENCES org_units (id),
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    active_from TEXT NOT NULL,
    active_to   TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX org_officials_agency ON org_officials (agency_id);

CREATE TABLE org_official_positions (
    id          INTEGER PRIMARY KEY,
    official_id BIGINT NOT NULL REFERENCES org_officials (id),
    position_id BIGINT NOT NULL REFERENCES org_positions (id),
    agency_id   BIGINT NOT NULL REFERENCES org_agencies (id),
    unit_id     BIGINT REFERENCES org_units (id),
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX org_official_positions_official ON org_official_positions (official_id);
CREATE INDEX org_official_positions_agency ON org_official_positions (agency_id);

-- +goose Down
DROP TABLE org_official_positions;
DROP TABLE org_officials;
DROP TABLE org_positions;
DROP TABLE org_units;
DROP TABLE org_agency_links;
DROP TABLE org_agency_versions;
DROP TABLE org_agencies;
DROP TABLE org_admin_unit_lists;
DROP TABLE org_admin_unit_successors;
DROP TABLE org_admin_units;
