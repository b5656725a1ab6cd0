package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestFullListByNoReportUserIsRefused: the digest's Full list and App
// Home's Scan now are org-wide reports. Someone who is no report user
// clicking Full list in the digest channel (or sending its click, no button
// needed) gets a private refusal, and nothing is read or sent: no Admin API
// call, no DM opened, no file uploaded; the refusal is audited with who
// clicked. Their Scan now, sent without the button (their Home tab has
// none), scans nothing either: their Home tab is the usage.
func TestFullListByNoReportUserIsRefused(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"U0BOSS001"}, PerUserEvery: time.Hour, PerUserBurst: 5},
		reports: true, digestChannel: "C0DIGEST"})
	before := h.adminCalls()
	got := h.click(slacktest.Action{UserID: "U0PLAIN01", ChannelID: "C0DIGEST", ActionID: bot.ActionDigestFullList, Value: "csv"})
	if len(got) != 1 || got[0].ResponseType == "in_channel" || !strings.Contains(text(got[0]), "not allowed") {
		t.Fatalf("Full list by no report user answered %+v, want one private refusal", got)
	}
	if n := h.adminCalls() - before; n != 0 {
		t.Errorf("Full list by no report user made %d Admin API calls, want none", n)
	}
	for _, m := range []string{"conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal", "chat.postMessage"} {
		if n := len(h.slack.Calls(m)); n != 0 {
			t.Errorf("Full list by no report user made %d %s calls, want none", n, m)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.slack.BlockAction(ctx, slacktest.Action{UserID: "U0PLAIN01", ActionID: bot.ActionScanNow, Value: "scan"}); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Wait(ctx, func() bool { return len(h.slack.HomeViews("U0PLAIN01")) > 0 }); err != nil {
		t.Fatalf("Scan now by no report user: no Home tab published: %v", err)
	}
	if n := h.adminCalls() - before; n != 0 {
		t.Errorf("Scan now by no report user made %d Admin API calls, want none", n)
	}
	for _, v := range h.slack.HomeViews("U0PLAIN01") {
		if strings.Contains(string(v.View), bot.ActionScanNow) {
			t.Errorf("the Home tab of no report user offers Scan now: %s", v.View)
		}
	}
	audited := func() bool {
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"requester":"U0PLAIN01"`) && strings.Contains(l, `"outcome":"refused"`) {
				return true
			}
		}
		return false
	}
	if err := waitFor(ctx, audited); err != nil {
		t.Errorf("the refused Full list is not audited with who clicked:\n%s", h.logs.String())
	}
}
