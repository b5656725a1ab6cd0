// Package term holds the few text helpers the terminal subcommands of
// lastactive share: upstream text made safe for a terminal and a table,
// and a status (progress) line that log lines pass above.
package term

import (
	"strings"
	"unicode"
)

// Clean keeps upstream text from moving the terminal cursor, reordering a
// line or breaking a table: control characters and tabs become spaces, and
// invisible format characters (Unicode Cf: bidi overrides and isolates,
// zero-width spaces and joiners, the BOM) go, as they do from replies.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return ' '
		case r >= 0x80 && unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}
