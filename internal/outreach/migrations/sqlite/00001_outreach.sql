-- +goose Up
-- Bulletins to residents (Circular 39/2020/TT-BTTTT on grassroots
-- information): one row per bulletin, its translations, its recorded
-- audio, the residents who subscribed, and one delivery row per resident
-- and channel once it is sent. Instants are unix microseconds UTC (0 =
-- none); lists are JSON arrays.
CREATE TABLE outreach_bulletins (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id     BIGINT NOT NULL,              -- the agency whose officer drafted it
    title         TEXT   NOT NULL,              -- NFC
    body          TEXT   NOT NULL,              -- Vietnamese text, NFC
    priority      BIGINT NOT NULL DEFAULT 0,    -- 0 normal, 1 priority, 2 emergency
    sms_plain     BIGINT NOT NULL DEFAULT 0,    -- 1 = SMS without diacritics (GSM-7), 0 = Vietnamese (UCS-2)
    communes      TEXT   NOT NULL DEFAULT '[]', -- target commune codes
    groups_json   TEXT   NOT NULL DEFAULT '[]', -- target ethnic groups ('' = everyone)
    villages      TEXT   NOT NULL DEFAULT '',   -- villages, free text
    valid_from    BIGINT NOT NULL DEFAULT 0,
    valid_to      BIGINT NOT NULL DEFAULT 0,
    status        TEXT   NOT NULL,              -- draft, submitted, approved, sending, sent, cancelled
    needs_review  BIGINT NOT NULL DEFAULT 0,    -- 1 = an emergency sent without approval: cần xem xét lại
    created_by    BIGINT NOT NULL,
    created_name  TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    approved_by   BIGINT NOT NULL DEFAULT 0,
    approved_name TEXT   NOT NULL DEFAULT '',
    approved_at   BIGINT NOT NULL DEFAULT 0,
    sent_at       BIGINT NOT NULL DEFAULT 0,
    send_date     TEXT   NOT NULL DEFAULT '',   -- Vietnam date the targets were resolved on
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX outreach_bulletins_agency ON outreach_bulletins (agency_id, status);

-- The commune codes a bulletin is shown on (its targets), for the public
-- pages and feeds.
CREATE TABLE outreach_bulletin_communes (
    bulletin_id  BIGINT NOT NULL REFERENCES outreach_bulletins (id),
    commune_code TEXT   NOT NULL,
    PRIMARY KEY (commune_code, bulletin_id)
);

CREATE TABLE outreach_translations (
    bulletin_id BIGINT NOT NULL REFERENCES outreach_bulletins (id),
    lang        TEXT   NOT NULL,                -- language code of the configured list (hmn, tai, …)
    title       TEXT   NOT NULL DEFAULT '',
    body        TEXT   NOT NULL,
    PRIMARY KEY (bulletin_id, lang)
);

-- Recorded audio per language (vi included), checked to be audio by its
-- magic bytes; bounded by MaxAudioBytes.
CREATE TABLE outreach_audio (
    bulletin_id BIGINT NOT NULL REFERENCES outreach_bulletins (id),
    lang        TEXT   NOT NULL,
    media_type  TEXT   NOT NULL,
    data        BLOB   NOT NULL,
    sha256      TEXT   NOT NULL,
    synthetic   BIGINT NOT NULL DEFAULT 0,      -- 1 = synthesised from the Vietnamese text
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (bulletin_id, lang)
);

-- Residents who receive bulletins of a commune in a language. The phone
-- number is personal data (Law 91/2025/QH15): sealed with the platform key
-- (phone_enc) and found by a keyed hash (phone_hash).
CREATE TABLE outreach_subscribers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_code     TEXT   NOT NULL,
    lang             TEXT   NOT NULL DEFAULT 'vi',
    phone_hash       TEXT   NOT NULL,
    phone_enc        TEXT   NOT NULL,
    email            TEXT   NOT NULL DEFAULT '',
    ethnic_group     TEXT   NOT NULL DEFAULT '',
    village          TEXT   NOT NULL DEFAULT '',
    zalo             BIGINT NOT NULL DEFAULT 0,  -- 1 = linked to Zalo and consented to ZNS
    status           TEXT   NOT NULL,            -- pending, active, unsubscribed
    source           TEXT   NOT NULL,            -- self (OTP) or officer
    consent_purpose  TEXT   NOT NULL DEFAULT '',
    consent_at       BIGINT NOT NULL DEFAULT 0,
    withdrawn_at     BIGINT NOT NULL DEFAULT 0,
    registered_by    BIGINT NOT NULL DEFAULT 0,
    otp_enc          TEXT   NOT NULL DEFAULT '',
    otp_expires      BIGINT NOT NULL DEFAULT 0,
    otp_tries        BIGINT NOT NULL DEFAULT 0,
    otp_locked_until BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    UNIQUE (phone_hash, commune_code)
);
CREATE INDEX outreach_subscribers_commune ON outreach_subscribers (commune_code, status);

-- One delivery per (bulletin, resident, channel), or per (bulletin,
-- commune) for the loudspeakers; each is a job of kind outreach.deliver.
CREATE TABLE outreach_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    bulletin_id   BIGINT NOT NULL REFERENCES outreach_bulletins (id),
    subscriber_id BIGINT NOT NULL DEFAULT 0,    -- 0 for a loudspeaker programme
    channel       TEXT   NOT NULL,              -- sms, zns, loudspeaker, email
    commune_code  TEXT   NOT NULL,
    lang          TEXT   NOT NULL DEFAULT 'vi',
    status        TEXT   NOT NULL,              -- queued, sent, delivered, failed, replaced
    attempts      BIGINT NOT NULL DEFAULT 0,
    parts         BIGINT NOT NULL DEFAULT 0,
    cost          BIGINT NOT NULL DEFAULT 0,    -- đồng
    provider_id   TEXT   NOT NULL DEFAULT '',
    last_error    TEXT   NOT NULL DEFAULT '',
    fallback_of   BIGINT NOT NULL DEFAULT 0,    -- the ZNS delivery an SMS replaces
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX outreach_deliveries_bulletin ON outreach_deliveries (bulletin_id, status);
CREATE INDEX outreach_deliveries_provider ON outreach_deliveries (provider_id);

-- +goose Down
DROP TABLE outreach_deliveries;
DROP TABLE outreach_subscribers;
DROP TABLE outreach_audio;
DROP TABLE outreach_translations;
DROP TABLE outreach_bulletin_communes;
DROP TABLE outreach_bulletins;
