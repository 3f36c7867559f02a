package onestop

import (
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// clipRunes cuts s to at most n bytes on a rune boundary, marking the cut.
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func nfc(s string) string { return locale.NFC(s) }
