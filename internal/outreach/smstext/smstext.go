// Package smstext measures SMS texts as the network bills them (3GPP TS
// 23.038, the GSM 03.38 default alphabet and its extension table; UCS-2
// otherwise) and folds Vietnamese text to its plain form without
// diacritics, which fits the GSM alphabet and so costs less than half.
//
// A single part holds 160 GSM 7-bit units or 70 UCS-2 units; a
// concatenated message loses 6 octets per part to its user data header
// (3GPP TS 23.040 §9.2.3.24.1), leaving 153 and 67. An extension character
// (^ { } \ [ ~ ] | € and form feed) is an escape plus a character, 2 units,
// never split across parts; a character outside the Basic Multilingual Plane
// is a UTF-16 surrogate pair, 2 units, never split either.
package smstext

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Encoding is an SMS data coding.
type Encoding string

// The codings a sender picks from.
const (
	GSM7 Encoding = "GSM7"
	UCS2 Encoding = "UCS2"
)

// Part sizes in encoding units.
const (
	GSMSingle  = 160
	GSMMulti   = 153
	UCS2Single = 70
	UCS2Multi  = 67
)

// Count is a text's size: Characters in encoding units (a GSM extension
// character counts 2, UCS-2 counts UTF-16 code units) and the parts it is
// sent in. An empty text is one (empty) part.
type Count struct {
	Encoding   Encoding
	Segments   int
	Characters int
}

// gsmBasic is the GSM 03.38 default alphabet in code order (0x1B, the
// escape to the extension table, is not a character of its own).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension holds the characters of the extension table a phone shows
// (escape + code): form feed, ^ { } \ [ ~ ] | €.
const gsmExtension = "\f^{}\\[~]|€"

var basic, extension = func() (map[rune]bool, map[rune]bool) {
	b, e := map[rune]bool{}, map[rune]bool{}
	for _, r := range gsmBasic {
		if r != 0x1b {
			b[r] = true
		}
	}
	for _, r := range gsmExtension {
		e[r] = true
	}
	return b, e
}()

// GSMUnits returns the 7-bit units r takes (1 basic, 2 extension) or 0 when
// r is not in the GSM alphabet.
func GSMUnits(r rune) int {
	switch {
	case basic[r]:
		return 1
	case extension[r]:
		return 2
	}
	return 0
}

// IsGSM reports whether every character of text is in the GSM alphabet.
func IsGSM(text string) bool {
	for _, r := range text {
		if GSMUnits(r) == 0 {
			return false
		}
	}
	return true
}

// Measure counts text's parts: GSM7 when every character is in the default
// alphabet or its extension, else UCS2.
func Measure(text string) Count {
	if IsGSM(text) {
		return MeasureAs(text, GSM7)
	}
	return MeasureAs(text, UCS2)
}

// MeasureAs counts text's parts in the given coding; a character GSM7
// cannot carry counts 1 (the gateway replaces it with '?').
func MeasureAs(text string, enc Encoding) Count {
	single, multi := GSMSingle, GSMMulti
	if enc != GSM7 {
		enc, single, multi = UCS2, UCS2Single, UCS2Multi
	}
	total := 0
	parts, used := 1, 0 // parts of multi units, filled as if concatenated
	for _, r := range text {
		n := 1
		if enc == GSM7 {
			n = max(GSMUnits(r), 1)
		} else if utf16.RuneLen(r) == 2 {
			n = 2
		}
		total += n
		if used+n > multi {
			parts++
			used = 0
		}
		used += n
	}
	if total <= single {
		parts = 1
	}
	return Count{Encoding: enc, Segments: parts, Characters: total}
}

// punctuation maps typographic characters a word processor puts in a text
// to their GSM equivalents.
var punctuation = strings.NewReplacer(
	"đ", "d", "Đ", "D",
	"\u2018", "'", "\u2019", "'", "\u201c", "\"", "\u201d", "\"",
	"\u2013", "-", "\u2014", "-", "\u2026", "...", "\u00a0", " ",
)

// latinMarks are the combining diacritical marks (U+0300–U+036F): every
// Vietnamese tone and vowel mark decomposes into them, while the vowel
// signs of scripts such as Khmer or Thai, also nonspacing marks, stay.
var latinMarks = &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0x0300, Hi: 0x036f, Stride: 1}}}

// Plain returns text in NFC without Vietnamese diacritics (đ→d, Đ→D), case
// and spacing kept, typographic quotes and dashes made plain: the form an
// author may choose to send in one GSM part.
func Plain(text string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(latinMarks)), norm.NFC)
	out, _, err := transform.String(t, norm.NFC.String(text))
	if err != nil {
		out = norm.NFC.String(text)
	}
	return punctuation.Replace(out)
}
