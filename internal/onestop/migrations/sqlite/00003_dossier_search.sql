-- +goose Up
-- The desk's search of its queue: the dossier code, the applicant's name
-- and ID number folded by locale.Fold (lower case, no diacritics, đ→d),
-- matched with LIKE inside the agency's dossiers.
ALTER TABLE onestop_dossiers ADD COLUMN search_folded TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE onestop_dossiers DROP COLUMN search_folded;
