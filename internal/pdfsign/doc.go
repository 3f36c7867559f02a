// Package pdfsign signs PDF documents with PAdES baseline signatures
// (ETSI EN 319 142-1) and validates them with a report in the vocabulary of
// ETSI EN 319 102-1. It is a pure library: no HTTP handlers, no database.
//
// # Signing
//
//	out, res, err := pdfsign.Sign(ctx, in, pdfsign.SignOptions{
//		Signer: key,              // any crypto.Signer: software, PKCS#11 (crypto11), remote
//		Chain:  []*x509.Certificate{signerCert, issuingCA},
//		Level:  pdfsign.LevelBLTA, // B-B, B-T, B-LT or B-LTA
//		TimeStamper: &pdfsign.HTTPTimeStamper{URL: tsaURL},
//		Revocation:  &pdfsign.HTTPRevocationSource{},
//		Appearance:  pdfsign.LeaderAppearance(1, rect, bluePNG), // nil: invisible
//	})
//
// Each signature is an incremental update: earlier bytes, and so earlier
// signatures, are never touched. The signature dictionary has /SubFilter
// /ETSI.CAdES.detached and the claimed time in /M (Vietnam time, +07'00').
// The CMS SignedData is built by this package (cms.go): signed attributes
// are content-type, message-digest and signing-certificate-v2 only — never
// signing-time, which PAdES forbids. ECDSA (P-256/P-384) and RSA
// (PKCS#1 v1.5 or RSASSA-PSS) keys with SHA-256/384/512 are supported.
// /ByteRange is written in a fixed-width slot and patched in place; the
// /Contents placeholder is sized from the chain (plus 12 KiB for a
// time-stamp token) or SignOptions.ContentsSize, and an oversized CMS is an
// error, never a truncated signature. Field names are unique ("ChuKy1",
// "ChuKy2", …, or SignOptions.FieldName, refused if taken).
//
// Levels:
//   - B-B: the CAdES signature alone.
//   - B-T: plus a signature-time-stamp unsigned attribute from an RFC 3161
//     TSA (TimeStamper; HTTPTimeStamper has a hard timeout). If the TSA
//     fails, Sign returns an EUNAVAILABLE error, or with TSAFallback a B-B
//     signature and a warning in SignResult (Level says what was reached).
//   - B-LT: plus, in a later incremental update, a DSS dictionary with the
//     certificates, OCSP responses and CRLs of the signer's chain, the TSA's
//     chain and the OCSP responders (AddValidationData; RevocationSource).
//   - B-LTA: plus a document time-stamp (/Type /DocTimeStamp, /SubFilter
//     /ETSI.RFC3161) in a further update (AddDocumentTimestamp). Calling
//     AddValidationData and AddDocumentTimestamp again later renews it.
//
// Inputs are []byte (the reader needs random access; signing a 10 MB file
// hashes it in place and makes one copy for the output). On any error Sign
// returns no bytes. Errors are *apperr.Error with Vietnamese messages:
// corrupt, truncated or encrypted PDF (EINVALID, wrapping pdf.ErrCorrupt /
// pdf.ErrEncrypted), expired, not yet valid, revoked or non-signing signer
// certificate (EINVALID; revocation is checked when a RevocationSource is
// given), key not matching the certificate (EINVALID), TSA or OCSP/CRL
// unreachable (EUNAVAILABLE), placeholder overflow (EINTERNAL), duplicate
// field name (EINVALID).
//
// Broken existing signatures: if a signature already in the document does
// not verify (its bytes changed), Sign, AddTextStamp, AddValidationData and
// AddDocumentTimestamp refuse with ECONFLICT, because a valid signature on
// top would lend credibility to a tampered file. SignOptions.
// AllowBrokenSignatures overrides this for Sign (with a warning); Verify
// then reports the old signature as TOTAL-FAILED.
//
// # Several signatures and Decree 30/2020 appearances
//
// The usual flow is: the leader signs (LeaderAppearance: the blue signature
// PNG), the clerk stamps the number and date with AddTextStamp (a locked
// /Stamp annotation in an incremental update — an annotation, not a change
// of page content, so the leader's signature stays valid and Verify lists
// it as an allowed change), then the organisation signs with its seal
// (SealAppearance: red seal PNG over the left third of the leader's image,
// agency name and time below; without a PNG a DrawnSeal: a red round seal
// of 40 mm with the agency name set along its ring and a star in the
// centre, after Decree 99/2016/NĐ-CP), and an electronic copy may
// get a further signature (CopyAppearance: text at the top right). All are
// approval signatures; none uses DocMDP, which would forbid later ones.
// Every appearance shows a signing time one way, FormatSigningTime:
// dd/mm/yyyy hh:mm:ss +07:00.
// PNG alpha becomes an SMask; text uses an embedded subset of Liberation
// Serif (Times New Roman metrics, SIL OFL; package pdf/pdffont) as a Type0 /
// CIDFontType2 font with Identity-H and ToUnicode.
//
// # Validation
//
//	rep, err := pdfsign.Verify(ctx, in, pdfsign.VerifyOptions{
//		Trust:      &pdfsign.TrustStore{Roots: roots, Intermediates: subCAs},
//		Revocation: &pdfsign.HTTPRevocationSource{}, // nil: offline
//	})
//	fmt.Print(rep.Text()) // Vietnamese; the web page renders the struct
//
// For each signature and document time-stamp the Report gives an indication
// (TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE) and sub-indication
// (FORMAT_FAILURE, HASH_FAILURE, SIG_CRYPTO_FAILURE, REVOKED,
// REVOKED_NO_POE, NO_CERTIFICATE_CHAIN_FOUND, NO_SIGNING_CERTIFICATE_FOUND,
// OUT_OF_BOUNDS_NO_POE, NOT_YET_VALID, TRY_LATER, CHAIN_CONSTRAINTS_FAILURE,
// SIG_CONSTRAINTS_FAILURE), the PAdES level reached, the signer and chain,
// the best signature time (earliest valid time-stamp over the signature,
// else the validation time), the revocation status of every certificate
// (taken from the DSS first, then from the CMS, then fetched if allowed),
// and whether the signature covers the whole file. Updates made after a
// signature are classified object by object: DSS, document time-stamps, new
// signatures and fields, added annotations, form bookkeeping and metadata
// are allowed; anything else, in particular page content, is not and makes
// the signature INDETERMINATE / SIG_CONSTRAINTS_FAILURE with an explicit
// error. Signatures from other tools (adbe.pkcs7.detached, including
// Adobe's revocation archive attribute) are validated too, with a warning
// that they are not PAdES baseline.
//
// # External proof
//
// The tests check every level on xref-table, object-stream (qpdf), hybrid,
// multi-page and already-signed (github.com/digitorus/pdfsign) inputs with
// poppler's pdfsig (valid and trusted), qpdf --check, openssl cms -verify on
// the ByteRange bytes (and no signingTime) and openssl ts -verify for
// document time-stamps, which poppler 22.12 cannot verify itself.
package pdfsign
