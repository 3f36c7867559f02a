-- Package calendar (calstore): holiday rules kept as data, so a holiday created
-- by a later law is one more row and needs no release, and the yearly
-- overrides announced by the government. Civil dates are TEXT 'YYYY-MM-DD',
-- moments BIGINT unix microseconds, booleans INTEGER 0/1.

-- +goose Up
-- Holiday rules added or replaced by the administrator. A row whose rule_key is
-- a built-in key (tet, national_day…) replaces the built-in rule
-- (calendar.MergeRules).
CREATE TABLE calendar_rules (
    rule_key     TEXT PRIMARY KEY,
    name_vi      TEXT NOT NULL,
    name_en      TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL CHECK (kind IN ('solar', 'lunar', 'adjacent')),
    anchor_month INTEGER NOT NULL CHECK (anchor_month BETWEEN 1 AND 12),
    anchor_day   INTEGER NOT NULL CHECK (anchor_day BETWEEN 1 AND 31),
    day_offset   INTEGER NOT NULL DEFAULT 0,
    days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 30),
    from_year    INTEGER NOT NULL DEFAULT 0,           -- 0: no lower bound
    to_year      INTEGER NOT NULL DEFAULT 0,           -- 0: no upper bound
    source       TEXT NOT NULL,                        -- legal basis
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL                         -- actor name
);

-- Yearly overrides: a day off, a worked weekly rest day, or the placement of a
-- rule's days in one year (calendar.Override).
CREATE TABLE calendar_overrides (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('day_off', 'workday', 'placement')),
    on_day       TEXT,                                 -- day_off, workday
    rule_key     TEXT,                                 -- placement: the rule replaced
    rule_year    INTEGER,                              -- placement: the rule's year
    from_day     TEXT,                                 -- placement: first day off
    to_day       TEXT,                                 -- placement: last day off (inclusive)
    name_vi      TEXT NOT NULL DEFAULT '',
    name_en      TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,                        -- the announcement
    unconfirmed  INTEGER NOT NULL DEFAULT 0,           -- no text of the announcement seen yet
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    CHECK ((kind = 'placement' AND on_day IS NULL AND rule_key IS NOT NULL AND rule_year IS NOT NULL
            AND from_day IS NOT NULL AND to_day IS NOT NULL AND to_day >= from_day)
        OR (kind <> 'placement' AND on_day IS NOT NULL AND rule_key IS NULL AND rule_year IS NULL
            AND from_day IS NULL AND to_day IS NULL))
);
CREATE UNIQUE INDEX calendar_overrides_day ON calendar_overrides (on_day) WHERE on_day IS NOT NULL;
CREATE UNIQUE INDEX calendar_overrides_placement ON calendar_overrides (rule_key, rule_year) WHERE rule_key IS NOT NULL;

-- Shipped data sets applied once (e.g. 'published-2025-2026'): a seed is not
-- applied again, so an override the administrator deleted stays deleted.
CREATE TABLE calendar_seeds (
    name       TEXT PRIMARY KEY,
    applied_at BIGINT NOT NULL,
    overrides  INTEGER NOT NULL
);

-- One row: version grows with every change of the tables above, in the same
-- transaction. Every replica compares it with the version of its cached
-- calendar; the UPDATE also serialises calendar writers on PostgreSQL.
CREATE TABLE calendar_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO calendar_state (id, version) VALUES (1, 1);

-- +goose Down
DROP TABLE calendar_state;
DROP TABLE calendar_seeds;
DROP TABLE calendar_overrides;
DROP TABLE calendar_rules;
