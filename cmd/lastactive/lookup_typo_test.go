package main

import (
	"strings"
	"testing"
)

// TestLookupOfASubcommandTypoSpeaksTerminal: the slash command names the
// subcommand a mistyped word was meant to be ("idel": Did you mean
// “idle”?); `lastactive lookup idel` reads its arguments as emails, where
// that hint and its pointer to /lastactive help mean nothing.
func TestLookupOfASubcommandTypoSpeaksTerminal(t *testing.T) {
	for _, arg := range []string{"idel", "report", "lookup"} {
		r := runBinary(t, []string{}, "", "lookup", arg)
		if r.code != 2 || !strings.Contains(r.stderr, "is not an email address") || strings.Contains(r.stderr, "/lastactive") || strings.Contains(r.stderr, "Did you mean") {
			t.Errorf("lookup %s: exit %d, stderr %q; want 2 and the terminal's words", arg, r.code, r.stderr)
		}
	}
}
