package audit

import (
	"crypto/sha256"
	"strconv"
	"unicode/utf8"
)

// canonicalVersion is the "v" field of the canonical entry bytes. A change of
// the encoding below needs a new version; old entries keep theirs.
const canonicalVersion = 1

// fields are the stored columns of one entry that the leaf hash covers. S is
// string when recording and []byte when streaming rows in Verify, so the hot
// path converts nothing.
type fields[S ~string | ~[]byte] struct {
	At           int64
	ActorKind    S
	ActorAccount int64
	ActorAgency  int64
	ActorIP      S
	ActorSession S
	Action       S
	ObjectType   S
	ObjectID     S
	Before       []byte // 32-byte digest or nil
	After        []byte
	Summary      S
	Outcome      S
	Reason       S
}

// appendCanonical appends the entry's canonical bytes: one line of JSON with
// the keys in this fixed order, integers in decimal, digests in lowercase hex
// (null when absent), strings with only `"`, `\` and control characters
// escaped (as \u00xx) and everything else as raw UTF-8:
//
//	{"v":1,"at":1764037800000000,"actor":{"kind":"official","account":7,"agency":3,"ip":"10.0.0.5","session":"s-1"},
//	 "action":"org.units.import","object":{"type":"unit","id":"42"},"before":null,"after":"9f…",
//	 "summary":"","outcome":"ok","reason":""}
//
// (shown wrapped; the real bytes have no newline or spaces). Anyone can rebuild
// these bytes from the stored columns and check the leaf hash.
func appendCanonical[S ~string | ~[]byte](dst []byte, f *fields[S]) []byte {
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, canonicalVersion, 10)
	dst = append(dst, `,"at":`...)
	dst = strconv.AppendInt(dst, f.At, 10)
	dst = append(dst, `,"actor":{"kind":`...)
	dst = appendJSONString(dst, f.ActorKind)
	dst = append(dst, `,"account":`...)
	dst = strconv.AppendInt(dst, f.ActorAccount, 10)
	dst = append(dst, `,"agency":`...)
	dst = strconv.AppendInt(dst, f.ActorAgency, 10)
	dst = append(dst, `,"ip":`...)
	dst = appendJSONString(dst, f.ActorIP)
	dst = append(dst, `,"session":`...)
	dst = appendJSONString(dst, f.ActorSession)
	dst = append(dst, `},"action":`...)
	dst = appendJSONString(dst, f.Action)
	dst = append(dst, `,"object":{"type":`...)
	dst = appendJSONString(dst, f.ObjectType)
	dst = append(dst, `,"id":`...)
	dst = appendJSONString(dst, f.ObjectID)
	dst = append(dst, `},"before":`...)
	dst = appendDigest(dst, f.Before)
	dst = append(dst, `,"after":`...)
	dst = appendDigest(dst, f.After)
	dst = append(dst, `,"summary":`...)
	dst = appendJSONString(dst, f.Summary)
	dst = append(dst, `,"outcome":`...)
	dst = appendJSONString(dst, f.Outcome)
	dst = append(dst, `,"reason":`...)
	dst = appendJSONString(dst, f.Reason)
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

func appendDigest(dst, d []byte) []byte {
	if d == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	for _, b := range d {
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return append(dst, '"')
}

func appendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// validText reports whether s is valid UTF-8 without NUL (PostgreSQL refuses
// both, and the canonical bytes must be the same on both engines).
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return true
}

// leafHashOf returns the RFC 6962 leaf hash SHA-256(0x00 || canonical) of the
// entry, using buf as scratch space (returned for reuse) so the Verify loop
// does not allocate.
func leafHashOf[S ~string | ~[]byte](buf []byte, f *fields[S]) ([32]byte, []byte) {
	buf = append(buf[:0], 0x00)
	buf = appendCanonical(buf, f)
	return sha256.Sum256(buf), buf
}
