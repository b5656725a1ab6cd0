package bot_test

import (
	"strings"
	"testing"
)

// TestPastedTableNamesItsSkippedLines: two columns copied from a
// spreadsheet, a header row and a name cell before each address, were
// refused whole ("“Name” is not an email address"). Each address is now
// looked up, and the reply names the lines it looked nobody up for, so the
// header (or a name without its address) is never dropped unsaid.
func TestPastedTableNamesItsSkippedLines(t *testing.T) {
	h := startBot(t, harnessOpts{})
	paste := "Name\tEmail\r\nAda Lovelace\tada@example.com\r\nGrace Hopper\t<mailto:grace@example.com|grace@example.com>\r\nCharles Babbage\t\r\n"
	got := text(h.ask("U1", "C1", paste))
	for _, want := range []string{"Ada Lovelace", "grace@example.com", "Skipped", "line 1 “Name Email”", "line 4 “Charles Babbage”"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "is not an email address") {
		t.Errorf("the paste was refused:\n%s", got)
	}
}
