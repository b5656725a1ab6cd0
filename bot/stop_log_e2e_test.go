package bot_test

import (
	"strings"
	"testing"
)

// TestStopLogGivesAReadableTimeout: the line a stop starts with gave its
// budget as bare nanoseconds ("timeout":7500000000), which slog's JSON
// writes for a time.Duration; the other lines give a Go duration ("2s").
func TestStopLogGivesAReadableTimeout(t *testing.T) {
	t.Parallel()
	var h *harness
	// Registered first, so it runs after the harness has stopped the bot.
	t.Cleanup(func() {
		var line string
		for l := range strings.SplitSeq(h.logs.String(), "\n") {
			if strings.Contains(l, "stopping: no new commands") {
				line = l
			}
		}
		if !strings.Contains(line, `"timeout":"2s"`) {
			t.Errorf("the stop's line does not give its timeout as \"2s\": %q", line)
		}
	})
	h = startBot(t, harnessOpts{})
	h.ask("U1", "C1", "help")
}
