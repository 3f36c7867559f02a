package edxml

import (
	"errors"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Reason is the stable sub-reason of a refusal: the exchange layer records
// it and puts the error's message into a status 02 Description. Values never
// change meaning.
type Reason string

func (r Reason) Error() string { return string(r) }

// The reasons a package is refused.
const (
	ReasonTooLarge    Reason = "edxml.too_large"    // a size, count or depth limit
	ReasonDTD         Reason = "edxml.dtd"          // DOCTYPE or entity declarations
	ReasonMalformed   Reason = "edxml.malformed"    // not well-formed XML or MIME
	ReasonStructure   Reason = "edxml.structure"    // not an edXML envelope
	ReasonField       Reason = "edxml.field"        // a required field missing or wrong
	ReasonDuplicateTo Reason = "edxml.duplicate_to" // the same OrganId twice in To
	ReasonAttachment  Reason = "edxml.attachment"   // manifest and attachments disagree
	ReasonUnsigned    Reason = "edxml.unsigned"     // no signature
	ReasonSignature   Reason = "edxml.signature"    // the signature does not verify
	ReasonUntrusted   Reason = "edxml.untrusted"    // the signer's chain does not reach a trusted root
	ReasonSigner      Reason = "edxml.signer"       // no usable signing key or certificate
)

// fail returns an EINVALID error whose message is "edxml: " + the Vietnamese
// text and whose cause carries r.
func fail(r Reason, format string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Message: "edxml: " + fmt.Sprintf(format, args...), Err: r}
}

// failWrap is fail keeping cause for the log.
func failWrap(cause error, r Reason, format string, args ...any) *apperr.Error {
	e := fail(r, format, args...)
	e.Err = fmt.Errorf("%w: %v", r, cause)
	return e
}

// ReasonOf returns the Reason in err's chain, or "" when there is none.
func ReasonOf(err error) Reason {
	var r Reason
	if errors.As(err, &r) {
		return r
	}
	return ""
}
