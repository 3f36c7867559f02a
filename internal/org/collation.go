package org

import (
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Lists that people read are sorted with Vietnamese collation (a < ă < â < b
// … d < đ, tones after the base letter). A collator is not safe for concurrent
// use, so each sort makes its own.
func newCollator() *collate.Collator { return collate.New(language.Vietnamese) }

// sortByName sorts items by the Vietnamese collation of the strings of
// keys(item), compared in turn, then by tie(item) so the order is total and
// the same on both engines.
func sortByName[T any](items []T, keys func(T) []string, tie func(T) int64) {
	c := newCollator()
	slices.SortStableFunc(items, func(a, b T) int {
		ka, kb := keys(a), keys(b)
		for i := 0; i < len(ka) && i < len(kb); i++ {
			if r := c.CompareString(ka[i], kb[i]); r != 0 {
				return r
			}
		}
		ta, tb := tie(a), tie(b)
		switch {
		case ta < tb:
			return -1
		case ta > tb:
			return 1
		}
		return 0
	})
}

// personKeys orders people's names the Vietnamese way: by given name (the
// last word), then by the whole name — "Nguyễn Văn An" before "Lê Thị Bình".
func personKeys(full string) []string {
	f := strings.Fields(full)
	if len(f) == 0 {
		return []string{"", full}
	}
	return []string{f[len(f)-1], full}
}
