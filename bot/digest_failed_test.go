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

// TestFullListInTheDigestChannel: the bot posts the digest, with its Full
// list button, to LASTACTIVE_DIGEST_CHANNEL, which need not be one of
// LASTACTIVE_ALLOWED_CHANNELS (those are where people may ask; a managers'
// channel gets the digest). A report user's click there must send the CSV
// to their DMs, as the button promises. Before, it was refused with "only
// for the people your admins chose", which they are. A click in a channel
// that is neither stays refused.
func TestFullListInTheDigestChannel(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"U0BOSS001"}, AllowedChannels: []string{"C0SUPPORT"},
		PerUserEvery: time.Hour, PerUserBurst: 5}, reports: true, digestChannel: "C0DIGEST"})
	got := h.click(slacktest.Action{UserID: "U0BOSS001", ChannelID: "C0DIGEST", ActionID: bot.ActionDigestFullList, Value: "csv"})
	if len(got) != 1 || !strings.Contains(text(got[0]), "direct messages") {
		t.Fatalf("Full list by a report user in the digest channel answered %v, want the CSV sent to their DMs", got)
	}
	got = h.click(slacktest.Action{UserID: "U0BOSS001", ChannelID: "C0ELSEWHERE", ActionID: bot.ActionDigestFullList, Value: "csv"})
	if len(got) != 1 || strings.Contains(text(got[0]), "direct messages") {
		t.Fatalf("Full list in a channel neither allowed nor the digest's answered %v, want a refusal", got)
	}
}
