package bot_test

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/state"
	"lastactive/nudge"
)

// TestReportClicksAreInTheTrail: the digest's Full list button (the whole
// idle list, as a CSV in the clicker's DMs) and App Home's Scan now (an org
// scan) are org-wide reports, and a report user's click on either is in the
// stored audit trail, as /lastactive idle is; so is the Scan now of someone
// who is no report user, as a refusal. Before, the Full list was only
// logged (its reply kind mapped to no stored action) and Scan now left no
// trace at all.
func TestReportClicksAreInTheTrail(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	app, _ := nudgeApp(t, org, atl, fake, nudge.Off)
	ctx, stop := runApp(t, app, fake)
	defer stop()

	env, err := fake.BlockAction(ctx, slacktest.Action{UserID: reportUser, ChannelID: "C0DIGEST", ActionID: bot.ActionDigestFullList, Value: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitReplies(ctx, env.ID, 1); err != nil {
		t.Fatalf("no reply to Full list: %v", err)
	}
	for _, user := range []string{reportUser, "U0MALLORY"} {
		if _, err := fake.BlockAction(ctx, slacktest.Action{UserID: user, ActionID: bot.ActionScanNow, Value: "scan"}); err != nil {
			t.Fatal(err)
		}
		if err := fake.Wait(ctx, func() bool { return len(fake.HomeViews(user)) > 0 }); err != nil {
			t.Fatalf("Scan now by %s: no Home tab published: %v", user, err)
		}
	}

	count := func(actor string, kind state.Kind) int {
		entries, err := app.State.Store().Audit(context.Background(), state.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Actor == actor && e.Kind == kind {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		actor string
		kind  state.Kind
		want  int
		what  string
	}{
		{reportUser, state.KindReport, 2, "Full list and Scan now by a report user"},
		{"U0MALLORY", state.KindRefusal, 1, "Scan now by someone who is no report user"},
	} {
		// The trail is written in the background: wait for it, as long as
		// the test's own deadline allows (it comes at once when right; 5 s
		// was short of what a stalled SQLite commit on a loaded CI machine
		// may take).
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := fake.Wait(wctx, func() bool { return count(c.actor, c.kind) >= c.want }); err != nil {
			t.Errorf("%s: %d %s entries by %s in the audit trail, want %d", c.what, count(c.actor, c.kind), c.kind, c.actor, c.want)
		}
		cancel()
	}
}
