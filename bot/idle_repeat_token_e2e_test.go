package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
)

// TestIdleRepeatTakesNoToken: a repeat of /lastactive idle while the
// requester's report runs is told it is running, and takes no token of
// their rate limit, as a repeat of the digest, Full list and Scan now
// take none. The repeats spent the tokens first, so the next real report
// (or a lookup) was refused as rate limited.
func TestIdleRepeatTakesNoToken(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{ReportUsers: []string{"UBOSS"}, PerUserBurst: 2, PerUserEvery: time.Hour}, reports: true})
	free, started := holdOrgScan(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	first := h.send("UBOSS", "C1", "idle")
	<-started
	for i := range 3 {
		if got := text(h.reply(h.send("UBOSS", "C1", "idle"))); !strings.Contains(got, "already running") {
			t.Errorf("repeat %d while the report runs: not told it is running:\n%s", i+1, got)
		}
	}
	free()
	if err := h.slack.Wait(ctx, func() bool {
		rs := h.slack.Replies(first.ID)
		return len(rs) > 0 && strings.Contains(text(rs[len(rs)-1]), "Idle seats: not used for")
	}); err != nil {
		t.Fatalf("no result: %v", err)
	}
	next := h.send("UBOSS", "C1", "idle")
	if err := h.slack.Wait(ctx, func() bool {
		rs := h.slack.Replies(next.ID)
		return len(rs) > 0 && !strings.Contains(text(rs[len(rs)-1]), "Report running")
	}); err != nil {
		t.Fatalf("no answer to the second report: %v", err)
	}
	rs := h.slack.Replies(next.ID)
	if got := text(rs[len(rs)-1]); !strings.Contains(got, "Idle seats: not used for") {
		t.Errorf("the second report, with a token left, was not made:\n%s", got)
	}
}
