-- +goose Up
-- platform_settings keeps facts about this installation, such as when it
-- was first started and whether the demo province was loaded.
CREATE TABLE platform_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- +goose Down
DROP TABLE platform_settings;
