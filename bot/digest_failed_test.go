package bot_test

import (
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
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

// TestFullListOutsideTheAllowedChannels: a click passes the command's
// authorisation (the contract), so Full list in a digest channel that is
// not one of LASTACTIVE_ALLOWED_CHANNELS is refused, as the command would
// be there; serve warns at start about such a setting. The refusal names
// the rule that refused it: before, a report user was told the full list
// was only for report users.
func TestFullListOutsideTheAllowedChannels(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"U0BOSS001"}, AllowedChannels: []string{"C0SUPPORT"},
		PerUserEvery: time.Hour, PerUserBurst: 5}, reports: true, digestChannel: "C0DIGEST"})
	got := h.click(slacktest.Action{UserID: "U0BOSS001", ChannelID: "C0DIGEST", ActionID: bot.ActionDigestFullList, Value: "csv"})
	if len(got) != 1 || strings.Contains(text(got[0]), "direct messages") || !strings.Contains(text(got[0]), "not allowed to use /lastactive here") {
		t.Fatalf("Full list by a report user in a channel not allowed answered %v, want the channel refusal", got)
	}
	got = h.click(slacktest.Action{UserID: "U0BOSS001", ChannelID: "C0SUPPORT", ActionID: bot.ActionDigestFullList, Value: "csv"})
	if len(got) != 1 || !strings.Contains(text(got[0]), "direct messages") {
		t.Fatalf("Full list by a report user in an allowed channel answered %v, want the CSV sent to their DMs", got)
	}
}
