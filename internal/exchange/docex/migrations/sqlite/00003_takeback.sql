-- +goose Up
-- Take-back of a sent document (QCVN 102:2016/BTTTT statuses 13, 15, 16):
-- the receiver keeps the sender's request and its answer on the received
-- package. The sender keeps it in docex_sent.status (13 asked, 15
-- accepted, 16 refused) and docex_sent.reason.
ALTER TABLE docex_inbox ADD COLUMN takeback TEXT NOT NULL DEFAULT '';           -- '', asked, accepted, refused
ALTER TABLE docex_inbox ADD COLUMN takeback_reason TEXT NOT NULL DEFAULT '';    -- the sender's reason (13)
ALTER TABLE docex_inbox ADD COLUMN takeback_answer TEXT NOT NULL DEFAULT '';    -- why the clerk refused (16)
ALTER TABLE docex_inbox ADD COLUMN takeback_at BIGINT NOT NULL DEFAULT 0;       -- when the request arrived

-- +goose Down
ALTER TABLE docex_inbox DROP COLUMN takeback_at;
ALTER TABLE docex_inbox DROP COLUMN takeback_answer;
ALTER TABLE docex_inbox DROP COLUMN takeback_reason;
ALTER TABLE docex_inbox DROP COLUMN takeback;
