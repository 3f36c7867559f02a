package pki

import "errors"

// Sentinel causes carried (wrapped) by the *apperr.Error values this package
// returns. The apperr code is the API class; these give callers and tests a
// stable, finer identity: errors.Is(err, pki.ErrAlreadyRevoked).
var (
	ErrNotInitialized     = errors.New("pki: certificate authority not initialised")
	ErrAlreadyInitialized = errors.New("pki: certificate authority already initialised")
	ErrUnknownCA          = errors.New("pki: unknown certificate authority")
	ErrCARevoked          = errors.New("pki: certificate authority revoked")
	ErrCAExpired          = errors.New("pki: certificate authority expired or not yet valid")
	ErrUnknownProfile     = errors.New("pki: unknown certificate profile")
	ErrBadSubject         = errors.New("pki: invalid certificate subject")
	ErrBadCSR             = errors.New("pki: invalid certificate signing request")
	ErrBadKey             = errors.New("pki: unusable or unsupported key")
	ErrBadPassphrase      = errors.New("pki: wrong passphrase for private key")
	ErrNotFound           = errors.New("pki: certificate not found")
	ErrAlreadyRevoked     = errors.New("pki: certificate already revoked")
	ErrBadReason          = errors.New("pki: revocation reason not allowed")
	ErrBadCertificate     = errors.New("pki: invalid certificate data")
	ErrUnsupportedHash    = errors.New("pki: unsupported hash algorithm")
	ErrBadRequest         = errors.New("pki: malformed protocol request")
	ErrKeyStore           = errors.New("pki: key store failure")
)
