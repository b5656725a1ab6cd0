package state

import "strings"

// LowerASCII lower-cases the ASCII letters of an email address and leaves
// every other rune as it is, the one rule the bot and the nudge round read
// addresses by: Unicode folds a Kelvin sign to k, and a look-alike address
// must stay unlike the one it imitates (refused when typed, not matched to
// that person's Slack user).
func LowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
