package bot

import (
	"errors"
	"strings"
	"testing"
)

// TestMistypedCommandIsNamed: at 9 on a Monday, "idel", "adit
// ada@example.com", "hlep", "digets", "exmept list" were each answered
// "“idel” is not an email address; try /lastactive help", and the CLI's
// verbs typed after the slash command ("lookup ada@…", "report") the
// same: nothing said which command was meant. The reply names it. A text
// that parses (a paste whose first cell is a name) is not second-guessed.
func TestMistypedCommandIsNamed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, want string }{
		{"idel", "“idle”"},
		{"Idel 30", "“idle”"},
		{"ilde confluence", "“idle”"},
		{"adit ada@example.com", "“audit”"},
		{"audti ada@example.com", "“audit”"},
		{"hlep", "“help”"},
		{"digets", "“digest”"},
		{"exmept list", "“exempt”"},
		{"exampt ada@example.com confluence on leave", "“exempt”"},
		{"report", "/lastactive idle"},
		{"report 30", "/lastactive idle"},
		{"lookup ada@example.com", "/lastactive ada@example.com"},
		{"LOOKUP ada@example.com grace@example.com", "/lastactive ada@example.com"},
	} {
		_, err := ParseCommand(c.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", c.text, err)
			continue
		}
		if !strings.Contains(ue.Reason, c.want) || !ue.Slash {
			t.Errorf("%q: %q (slash's own words: %v), want it to name %s", c.text, ue.Reason, ue.Slash, c.want)
		}
	}
	// Texts that parse are read as they were.
	for _, text := range []string{"Held\tada@example.com\nHelp\tgrace@example.com", "idle", "audit ada@example.com"} {
		if _, err := ParseCommand(text); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
	// A word that is no near miss keeps the plain refusal.
	if _, err := ParseCommand("ada"); err == nil || strings.Contains(err.Error(), "Did you mean") {
		t.Errorf("ada: %v", err)
	}
}
