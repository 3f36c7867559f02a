-- A peer is pinned by its node certificate and, so that its trust
-- survives the certificate's renewal, by the CA certificate it presented in
-- its chain when it was pinned (ca_pem) and the node certificate's subject
-- (subject, RFC 4514): a later certificate with the same subject that
-- chains to that CA, valid now and not older than the pinned one, replaces
-- the pinned certificate when the peer presents it over mutual TLS.
-- prev_cert_pem keeps the certificate it replaced, so that packages the
-- peer signed before its renewal and delivers after it still verify.
-- Peers pinned before keep '' and need the operator's re-pin as before.

-- +goose Up
ALTER TABLE exchange_peers ADD COLUMN ca_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE exchange_peers ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE exchange_peers ADD COLUMN prev_cert_pem TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE exchange_peers DROP COLUMN prev_cert_pem;
ALTER TABLE exchange_peers DROP COLUMN subject;
ALTER TABLE exchange_peers DROP COLUMN ca_pem;
