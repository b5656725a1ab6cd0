package bot

import (
	"testing"
)

// TestHelpAsPeopleAskForIt: "?" alone was answered "There is no email
// address in that command; try /lastactive help.", and "help?", "Help!"
// or a phone's "—help" were "not an email address": someone asking how
// the command works was told to ask how it works.
func TestHelpAsPeopleAskForIt(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"?", " ? ", "??", "？", "help?", "Help!", "HELP.", "—help", "–help", "—HELP"} {
		got, err := ParseCommand(text)
		if err != nil || got.Kind != CmdHelp {
			t.Errorf("ParseCommand(%q) = %+v, %v; want help", text, got, err)
		}
	}
	// Still not help: a word that only starts like it.
	for _, text := range []string{"helpdesk@example.com", "helper", "?help", "help?me"} {
		if got, err := ParseCommand(text); err == nil && got.Kind == CmdHelp {
			t.Errorf("ParseCommand(%q) is help", text)
		}
	}
}
