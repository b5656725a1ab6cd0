package bot_test

import (
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
)

// TestPrivateDigestThatFailsSaysDigest: a report user's /lastactive digest
// while the Admin API is down is told that the digest could not be made,
// and why. Before, the answer was "The idle seats report could not be
// made", about a command they had not run.
func TestPrivateDigestThatFailsSaysDigest(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"U0BOSS001"}, PerUserEvery: time.Hour, PerUserBurst: 5},
		reports: true})
	h.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Status: 503})
	r := h.ask("U0BOSS001", "C1", "digest")
	got := text(r)
	if !strings.Contains(got, "seat digest could not be made") || strings.Contains(got, "idle seats report") {
		t.Errorf("a failed /lastactive digest answers:\n%s\nwant that the seat digest could not be made", got)
	}
	if !strings.Contains(got, "Atlassian") {
		t.Errorf("a failed /lastactive digest does not say why:\n%s", got)
	}
}
