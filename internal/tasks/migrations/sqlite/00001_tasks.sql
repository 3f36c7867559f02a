-- +goose Up
-- Direction of documents (chỉ đạo) and direction tasks (nhiệm vụ): one row
-- per task, a direction being the task a leader gives on a document. Dates
-- are yyyy-mm-dd text (calendar.Date, Vietnam time), instants unix
-- microseconds UTC.
CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id      BIGINT NOT NULL,              -- the agency whose leader gave it
    document_id    BIGINT NOT NULL DEFAULT 0,    -- the document it comes from; 0 = none (a meeting…)
    kind           TEXT   NOT NULL,              -- direction (on a document) or task
    title          TEXT   NOT NULL,              -- what is to be done, NFC
    source         TEXT   NOT NULL DEFAULT '',   -- where it comes from: a document, a meeting's conclusions
    comment        TEXT   NOT NULL DEFAULT '',   -- ý kiến chỉ đạo
    classification TEXT   NOT NULL,              -- access.Level name (the document's when directed)
    deadline       TEXT   NOT NULL DEFAULT '',   -- due date; '' = none
    status         TEXT   NOT NULL,              -- open, done
    progress       BIGINT NOT NULL DEFAULT 0,    -- percent, last reported
    created_by     BIGINT NOT NULL,
    created_name   TEXT   NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    completed_at   BIGINT NOT NULL DEFAULT 0,
    completed_on   TEXT   NOT NULL DEFAULT ''    -- Vietnam date of completion, compared with deadline
);
CREATE INDEX tasks_agency ON tasks (agency_id, status, deadline);
CREATE INDEX tasks_document ON tasks (document_id);
CREATE INDEX tasks_open_deadline ON tasks (status, deadline);

-- Who handles a task: units or people, as main handler (chu_tri),
-- co-handler (phoi_hop) or for information (de_biet). unit_id is the unit
-- a person belonged to when assigned, for the per-unit figures.
CREATE TABLE tasks_assignees (
    task_id   BIGINT NOT NULL REFERENCES tasks (id),
    kind      TEXT   NOT NULL,                   -- unit, person
    ref_id    BIGINT NOT NULL,                   -- org unit id or identity account id
    agency_id BIGINT NOT NULL,
    unit_id   BIGINT NOT NULL DEFAULT 0,
    name      TEXT   NOT NULL,
    role      TEXT   NOT NULL,
    PRIMARY KEY (task_id, kind, ref_id)
);
CREATE INDEX tasks_assignees_ref ON tasks_assignees (kind, ref_id);

-- The people who could read a restricted document when it was directed:
-- they read its tasks too.
CREATE TABLE tasks_readers (
    task_id    BIGINT NOT NULL REFERENCES tasks (id),
    account_id BIGINT NOT NULL,
    PRIMARY KEY (task_id, account_id)
);

-- The timeline: direction, assignment, reports, completion, reopening,
-- extensions.
CREATE TABLE tasks_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id     BIGINT NOT NULL REFERENCES tasks (id),
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    actor_name  TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    text        TEXT   NOT NULL,
    progress    BIGINT NOT NULL DEFAULT 0,
    deadline    TEXT   NOT NULL DEFAULT '',
    attachments TEXT   NOT NULL DEFAULT ''      -- JSON list of {upload_id, name, sha256}
);
CREATE INDEX tasks_events_task ON tasks_events (task_id, id);

-- One reminder per task, recipient and deadline: a deadline moved by an
-- extension is reminded again, a rerun of the job is not.
CREATE TABLE tasks_reminders (
    task_id    BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    deadline   TEXT   NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (task_id, account_id, deadline)
);

-- +goose Down
DROP TABLE tasks_reminders;
DROP TABLE tasks_events;
DROP TABLE tasks_readers;
DROP TABLE tasks_assignees;
DROP TABLE tasks;
