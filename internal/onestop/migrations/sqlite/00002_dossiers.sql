-- +goose Up
-- Dossiers of the one-stop service (Decree 118/2025/NĐ-CP): one row per
-- dossier with its applicant (personal data), its legal clock and its
-- status (national codes 1–10). Instants are unix microseconds UTC (0 =
-- none); supplement and apology are JSON ('' = none). version is bumped by
-- every change (optimistic concurrency).
CREATE TABLE onestop_dossiers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    code               TEXT   NOT NULL UNIQUE,          -- agency code-YYMMDD-sequence (Circular 03/2025/TT-VPCP)
    procedure_code     TEXT   NOT NULL,
    procedure_name     TEXT   NOT NULL,
    field              TEXT   NOT NULL DEFAULT '',
    agency_id          BIGINT NOT NULL,                 -- receiving agency
    agency_code        TEXT   NOT NULL,
    agency_name        TEXT   NOT NULL,
    applicant_account  BIGINT NOT NULL DEFAULT 0,
    applicant_name     TEXT   NOT NULL,
    applicant_id       TEXT   NOT NULL DEFAULT '',
    applicant_phone    TEXT   NOT NULL DEFAULT '',
    applicant_email    TEXT   NOT NULL DEFAULT '',
    applicant_address  TEXT   NOT NULL DEFAULT '',
    channel            BIGINT NOT NULL,
    status             BIGINT NOT NULL,
    form               TEXT   NOT NULL DEFAULT '{}',
    submitted_by       BIGINT NOT NULL,
    submitted_at       BIGINT NOT NULL,
    idempotency_key    TEXT,                            -- NULL when none
    received_at        BIGINT NOT NULL DEFAULT 0,
    due_at             BIGINT NOT NULL DEFAULT 0,
    appointment_at     BIGINT NOT NULL DEFAULT 0,
    days               BIGINT NOT NULL,
    cut_off            TEXT   NOT NULL DEFAULT '',
    supplement         TEXT   NOT NULL DEFAULT '',
    apology            TEXT   NOT NULL DEFAULT '',
    current_step       BIGINT NOT NULL DEFAULT -1,
    reason             TEXT   NOT NULL DEFAULT '',
    decided_at         BIGINT NOT NULL DEFAULT 0,
    decided_by         TEXT   NOT NULL DEFAULT '',
    result_upload      TEXT   NOT NULL DEFAULT '',
    returned_at        BIGINT NOT NULL DEFAULT 0,
    outcome            BIGINT NOT NULL DEFAULT 0,       -- 1 early, 2 on time, 3 late
    rating             BIGINT NOT NULL DEFAULT 0,
    rating_comment     TEXT   NOT NULL DEFAULT '',
    rated_at           BIGINT NOT NULL DEFAULT 0,
    receipt_upload     TEXT   NOT NULL DEFAULT '',
    version            BIGINT NOT NULL DEFAULT 1,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX onestop_dossiers_idempotency ON onestop_dossiers (submitted_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX onestop_dossiers_agency ON onestop_dossiers (agency_id, status, due_at);
CREATE INDEX onestop_dossiers_applicant ON onestop_dossiers (applicant_account, submitted_at);
CREATE INDEX onestop_dossiers_submitted ON onestop_dossiers (submitted_at);

-- The control slip (Form 06): one row per processing step of the
-- procedure, with who held it from when to when and its due moment.
CREATE TABLE onestop_dossier_steps (
    dossier_id   BIGINT NOT NULL REFERENCES onestop_dossiers (id),
    seq          BIGINT NOT NULL,
    name         TEXT   NOT NULL,
    agency_id    BIGINT NOT NULL,
    agency_code  TEXT   NOT NULL DEFAULT '',
    agency_name  TEXT   NOT NULL DEFAULT '',
    role         TEXT   NOT NULL,
    hours        BIGINT NOT NULL,
    holder_id    BIGINT NOT NULL DEFAULT 0,
    holder_name  TEXT   NOT NULL DEFAULT '',
    done_by_id   BIGINT NOT NULL DEFAULT 0,
    done_by_name TEXT   NOT NULL DEFAULT '',
    started_at   BIGINT NOT NULL DEFAULT 0,
    due_at       BIGINT NOT NULL DEFAULT 0,
    ended_at     BIGINT NOT NULL DEFAULT 0,
    note         TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (dossier_id, seq)
);
CREATE INDEX onestop_dossier_steps_agency ON onestop_dossier_steps (agency_id, dossier_id);
CREATE INDEX onestop_dossier_steps_due ON onestop_dossier_steps (ended_at, due_at);

-- The uploads of a dossier: components, supplements, the result, the receipt.
CREATE TABLE onestop_dossier_files (
    dossier_id BIGINT NOT NULL REFERENCES onestop_dossiers (id),
    upload_id  TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    component  TEXT   NOT NULL DEFAULT '',
    name       TEXT   NOT NULL DEFAULT '',
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, upload_id, kind)
);

-- The dossier codes' sequence per receiving agency and Vietnam day
-- (YYMMDD), bumped in the submission's transaction.
CREATE TABLE onestop_code_counters (
    agency_id   BIGINT NOT NULL,
    day         TEXT   NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (agency_id, day)
);

-- Step reminders sent, one per dossier, step, recipient and day.
CREATE TABLE onestop_reminders (
    dossier_id BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    day        TEXT   NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, seq, account_id, day)
);

-- +goose Down
DROP TABLE onestop_reminders;
DROP TABLE onestop_code_counters;
DROP TABLE onestop_dossier_files;
DROP TABLE onestop_dossier_steps;
DROP TABLE onestop_dossiers;
