package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestSecondShareAfterAnUnconfirmedOneIsNotToldItWasShared: a Share whose
// post Slack did not confirm (sent whole, its answer lost) keeps its claim,
// so a second click does not post it twice. That second click was told
// "This answer was shared in this channel a moment ago", and its entry
// said "already shared in this channel a moment ago": neither the bot nor
// the trail knows that. It is told that Slack did not confirm the first.
func TestSecondShareAfterAnUnconfirmedOneIsNotToldItWasShared(t *testing.T) {
	h := startBot(t, harnessOpts{})
	share := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: share}
	h.slack.DropResponseURLAnswers(1)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	env, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// The Share, then the note that its post is unconfirmed: the claim's
	// state is settled before the note is sent.
	if _, err := h.slack.WaitReplies(ctx, env.ID, 2); err != nil {
		t.Fatalf("the sharer was not told the Share is unconfirmed: %v\n%s", err, h.logs.String())
	}
	again := h.click(a)
	got := text(again[0])
	if again[0].ResponseType == "in_channel" {
		t.Fatalf("the second click posted the Share in the channel again:\n%s", got)
	}
	if strings.Contains(got, "This answer was shared") || !strings.Contains(got, "did not confirm") {
		t.Errorf("the second click, after a Share Slack did not confirm, reads:\n%s", got)
	}
	// The entry's detail: TestSecondShareEntrySaysWhatBecameOfTheFirst.
}

// TestSecondShareWhileTheFirstIsBeingPostedIsNotToldItWasShared: the claim
// of a Share is taken before its lookup and its post, so a double click's
// second envelope, handled while the first is still on its way to Slack,
// was told it "was shared in this channel a moment ago", and its entry
// said so, while that post could still fail (and then the claim is given
// back, the channel having seen nothing). It is told the first is being
// shared.
func TestSecondShareWhileTheFirstIsBeingPostedIsNotToldItWasShared(t *testing.T) {
	h := startBot(t, harnessOpts{})
	share := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: share}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	release := h.slack.HoldResponseURL()
	defer release()
	first, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Wait(ctx, func() bool { return h.slack.HeldPosts() >= 1 }); err != nil {
		t.Fatalf("the first Share was never posted: %v", err)
	}
	second, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// The second click's answer is decided, and posted (held too), while
	// the first's post is held.
	if err := h.slack.Wait(ctx, func() bool { return h.slack.HeldPosts() >= 2 }); err != nil {
		t.Fatalf("the second click was never answered: %v", err)
	}
	release()
	if _, err := h.slack.WaitReplies(ctx, first.ID, 1); err != nil {
		t.Fatal(err)
	}
	r, err := h.slack.WaitReplies(ctx, second.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := text(r[0])
	if r[0].ResponseType == "in_channel" {
		t.Fatalf("the second click posted the Share in the channel again:\n%s", got)
	}
	if strings.Contains(got, "This answer was shared") || !strings.Contains(got, "being shared") {
		t.Errorf("the second click, while the first Share was being posted, reads:\n%s", got)
	}
}
