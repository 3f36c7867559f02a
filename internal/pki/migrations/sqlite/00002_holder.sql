-- +goose Up
-- Whom a certificate belongs to on the platform, for access decisions: the
-- holder's identity account (personal certificates) and the agency (the
-- holder's agency, or the agency whose seal it is). 0 = none: CA and
-- service certificates, and certificates issued from the command line
-- without naming them.
ALTER TABLE pki_certificates ADD COLUMN holder_account_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pki_certificates ADD COLUMN agency_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX pki_certificates_holder ON pki_certificates (holder_account_id, id);
CREATE INDEX pki_certificates_agency ON pki_certificates (agency_id, id);

-- +goose Down
DROP INDEX pki_certificates_agency;
DROP INDEX pki_certificates_holder;
ALTER TABLE pki_certificates DROP COLUMN agency_id;
ALTER TABLE pki_certificates DROP COLUMN holder_account_id;
