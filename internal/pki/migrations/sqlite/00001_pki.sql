-- +goose Up
-- Keys held by the platform's key store (never the key material: the
-- reference inside the store and the public key).
CREATE TABLE pki_keys (
    id          TEXT PRIMARY KEY,        -- reference inside the key store
    store       TEXT NOT NULL,           -- 'file' or 'pkcs11'
    algorithm   TEXT NOT NULL,           -- 'ecdsa-p256', 'rsa-2048', ...
    label       TEXT NOT NULL,
    public_key  BLOB NOT NULL,           -- SubjectPublicKeyInfo DER
    created_at  BIGINT NOT NULL          -- unix µs
);

-- Certificate authorities of this platform: the root and issuing CAs.
CREATE TABLE pki_cas (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,   -- in URLs: /pki/ca/<name>.crt, /pki/crl/<name>.crl
    parent_id     BIGINT REFERENCES pki_cas(id),  -- NULL for a root
    key_id        TEXT NOT NULL REFERENCES pki_keys(id),
    cert_der      BLOB NOT NULL,
    serial        TEXT NOT NULL,          -- lower-case hex
    not_before    BIGINT NOT NULL,
    not_after     BIGINT NOT NULL,
    crl_number    BIGINT NOT NULL DEFAULT 0,   -- last CRL number issued
    ocsp_cert_id  BIGINT,                 -- delegated OCSP responder (pki_certificates.id); NULL: the CA signs
    created_at    BIGINT NOT NULL
);

-- Every certificate issued by one of our CAs (CA certificates included).
CREATE TABLE pki_certificates (
    id                 INTEGER PRIMARY KEY,
    ca_id              BIGINT NOT NULL REFERENCES pki_cas(id),   -- the issuer
    serial             TEXT NOT NULL UNIQUE,                      -- lower-case hex, random 159 bits
    profile            TEXT NOT NULL,
    subject            TEXT NOT NULL,          -- RFC 4514 string, for lists
    common_name        TEXT NOT NULL,
    uid                TEXT NOT NULL DEFAULT '',
    not_before         BIGINT NOT NULL,
    not_after          BIGINT NOT NULL,
    der                BLOB NOT NULL,
    key_id             TEXT REFERENCES pki_keys(id),              -- NULL: the holder keeps the key (CSR)
    renewed_from       BIGINT REFERENCES pki_certificates(id),
    revoked_at         BIGINT,
    revocation_reason  INTEGER,
    ocsp_der           BLOB,                   -- pre-signed OCSP response (SHA-1 CertID, no nonce)
    ocsp_this_update   BIGINT,
    ocsp_next_update   BIGINT,
    created_at         BIGINT NOT NULL
);
CREATE INDEX pki_certificates_ca ON pki_certificates (ca_id, id);
CREATE INDEX pki_certificates_revoked ON pki_certificates (ca_id, revoked_at);

-- Issued CRLs, newest number per CA served.
CREATE TABLE pki_crls (
    ca_id        BIGINT NOT NULL REFERENCES pki_cas(id),
    number       BIGINT NOT NULL,
    this_update  BIGINT NOT NULL,
    next_update  BIGINT NOT NULL,
    der          BLOB NOT NULL,
    PRIMARY KEY (ca_id, number)
);

-- Service roles held by a certificate: 'tsa'.
CREATE TABLE pki_services (
    role            TEXT PRIMARY KEY,
    certificate_id  BIGINT NOT NULL REFERENCES pki_certificates(id)
);

-- Counters: 'tsa_serial' (TSA serial numbers, allocated in blocks).
CREATE TABLE pki_counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);

-- External trust anchors and intermediates imported by the administrator
-- (NEAC root, Ban Cơ yếu Chính phủ root, public CAs under them).
CREATE TABLE pki_trust (
    id           INTEGER PRIMARY KEY,
    fingerprint  TEXT NOT NULL UNIQUE,    -- SHA-256 of the DER, lower-case hex
    kind         TEXT NOT NULL,           -- 'root' or 'intermediate'
    label        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    not_after    BIGINT NOT NULL,
    der          BLOB NOT NULL,
    added_at     BIGINT NOT NULL
);

-- +goose Down
DROP TABLE pki_trust;
DROP TABLE pki_counters;
DROP TABLE pki_services;
DROP TABLE pki_crls;
DROP TABLE pki_certificates;
DROP TABLE pki_cas;
DROP TABLE pki_keys;
