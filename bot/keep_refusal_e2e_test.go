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

// TestRefusedKeepOrReleaseClicksAreAudited: a Keep clicked by someone the
// nudge was not for, a value edited by hand and an Approve clicked by
// someone who is no approver are each refused privately, and each refusal
// is in the stored audit trail with who clicked: the contract puts every
// refusal there, as it does for Share and Refresh.
func TestRefusedKeepOrReleaseClicksAreAudited(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.ReleaseOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	fake.AddUser(slacktest.User{ID: "U0FRANCES", Name: "frances", Email: atlassiantest.ReleaseDirectEmail})
	fake.AddUser(slacktest.User{ID: "U0JOHN", Name: "john", Email: atlassiantest.ReleaseGroupEmail})
	app, _ := nudgeApp(t, org, atl, fake, nudge.On)
	store := app.State
	ctx, stop := runApp(t, app, fake)
	defer stop()

	if sum, err := app.Nudge.Round(ctx, "refusals", false); err != nil || len(sum.Asked) != 2 {
		t.Fatalf("round: %d asked, %v", len(sum.Asked), err)
	}
	john := fake.Messages("U0JOHN")[0]
	// click clicks and returns the private reply, which must be a refusal.
	click := func(user, actionID, value string) string {
		t.Helper()
		env, err := fake.BlockAction(ctx, slacktest.Action{UserID: user, ChannelID: "D" + user, ActionID: actionID, Value: value})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := fake.WaitReplies(ctx, env.ID, 1)
		if err != nil {
			t.Fatalf("%s by %s: no reply: %v", actionID, user, err)
		}
		if rs[0].ResponseType == "in_channel" {
			t.Errorf("%s by %s: refusal posted in the channel", actionID, user)
		}
		return text(rs[0])
	}
	refusals := func(actor string) int {
		entries, err := store.Store().Audit(context.Background(), state.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Actor == actor && (e.Kind == state.KindRefusal || e.Outcome == state.OutcomeRefused) {
				n++
			}
		}
		return n
	}
	expect := func(actor string, want int, what string) {
		t.Helper()
		// The trail is written in the background: wait for it, a while.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := fake.Wait(wctx, func() bool { return refusals(actor) >= want }); err != nil {
			t.Errorf("%s: %d refusals of %s in the audit trail, want %d", what, refusals(actor), actor, want)
		}
	}

	click("U0MALLORY", bot.ActionNudgeKeep, buttonValue(john, bot.ActionNudgeKeep))
	expect("U0MALLORY", 1, "Keep clicked by someone else")
	edited := buttonValue(john, bot.ActionNudgeRelease)
	click("U0JOHN", bot.ActionNudgeRelease, "x"+edited)
	expect("U0JOHN", 1, "a value edited by hand")

	// John's own Release goes through (it has no reply of its own).
	if _, err := fake.BlockAction(ctx, slacktest.Action{UserID: "U0JOHN", ChannelID: "DU0JOHN", ActionID: bot.ActionNudgeRelease,
		Value: buttonValue(john, bot.ActionNudgeRelease)}); err != nil {
		t.Fatal(err)
	}
	if err := fake.Wait(ctx, func() bool { return len(fake.Messages(reportUser)) == 1 }); err != nil {
		t.Fatalf("no approval request: %v", err)
	}
	approve := buttonValue(fake.Messages(reportUser)[0], bot.ActionReleaseApprove)
	click("U0MALLORY", bot.ActionReleaseApprove, approve)
	expect("U0MALLORY", 2, "Approve clicked by someone who is no approver")

	// Both of Mallory's clicks were on John's seat: John's trail
	// shows them, so that an auditor asking about him sees who tried.
	// They named nobody, and were only in the trail of everyone.
	mine, err := store.Store().AuditPerson(context.Background(), state.AuditQuery{Target: atlassiantest.ReleaseGroupEmail})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range mine {
		if e.Actor == "U0MALLORY" {
			n++
		}
	}
	if n != 2 {
		all, _ := store.Store().Audit(context.Background(), state.AuditQuery{})
		t.Errorf("%d of U0MALLORY's refused clicks on John's seat are in John's trail, want 2; the whole trail:\n%+v", n, all)
	}
}
