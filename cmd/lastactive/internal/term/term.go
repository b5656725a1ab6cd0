// Package term holds the few text helpers the terminal subcommands of
// lastactive share: upstream text made safe for a terminal and a table,
// and a status (progress) line that log lines pass above.
package term

import "strings"

// Clean keeps upstream text from moving the terminal cursor or breaking
// a table: control characters and tabs become spaces.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
