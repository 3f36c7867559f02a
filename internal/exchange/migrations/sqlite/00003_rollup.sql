-- Statistics roll-up (docs/exchange.md "Statistics roll-up").
-- exchange_parents are the peers this node pushes its one-stop and
-- document figures to (the province or the ministry above it).
-- exchange_stats_reports is, per child peer and month, the generation
-- time of the report whose figures are kept and when it arrived: a
-- report is applied to a month only if it is newer than the kept one, so
-- a report delayed in transit never replaces a later one.
-- exchange_stats are the figures of the kept report, one row per child
-- peer, agency code, month (yyyy-mm, Vietnam time) and figure.

-- +goose Up
CREATE TABLE exchange_parents (
    peer_id    BIGINT NOT NULL PRIMARY KEY REFERENCES exchange_peers (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE TABLE exchange_stats_reports (
    peer_id      BIGINT NOT NULL REFERENCES exchange_peers (id) ON DELETE CASCADE,
    month        TEXT   NOT NULL,
    generated_at BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (peer_id, month)
);

CREATE TABLE exchange_stats (
    peer_id      BIGINT NOT NULL REFERENCES exchange_peers (id) ON DELETE CASCADE,
    agency_code  TEXT   NOT NULL,
    month        TEXT   NOT NULL,
    figure       TEXT   NOT NULL,
    value        BIGINT NOT NULL,
    generated_at BIGINT NOT NULL,
    PRIMARY KEY (peer_id, agency_code, month, figure)
);
CREATE INDEX exchange_stats_month ON exchange_stats (month);

-- +goose Down
DROP TABLE exchange_stats;
DROP TABLE exchange_stats_reports;
DROP TABLE exchange_parents;
