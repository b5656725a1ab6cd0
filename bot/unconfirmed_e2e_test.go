package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestShareWhoseAnswerIsLostIsNotSharedAgain: a Share whose response_url
// post reached Slack whole but whose answer was lost (ErrReplyUnconfirmed:
// Slack most likely showed it in the channel) was handled as a reply that
// could not be posted: its claim was given back, so a second click within
// the minute posted the answer in the channel again, and the trail said
// "the reply could not be posted to Slack" for a share the channel most
// likely saw (TestUnconfirmedReplyIsAuditedAsMaybeShown). The second click
// is told it was shared already.
func TestShareWhoseAnswerIsLostIsNotSharedAgain(t *testing.T) {
	h := startBot(t, harnessOpts{})
	v := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: v}
	h.slack.DropResponseURLAnswers(1)
	if r1 := h.click(a)[0]; r1.ResponseType != "in_channel" {
		t.Fatalf("the first Share was not posted in the channel: %+v", r1)
	}
	// The warning is logged when the post has ended, just before what the
	// click does about it (the trail, the claim); the second click's round
	// trip over the socket comes after.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.slack.Wait(ctx, func() bool {
		return strings.Contains(h.logs.String(), "reply sent, but Slack's answer was lost")
	}); err != nil {
		t.Fatalf("no warning that the Share's answer was lost: %v\n%s", err, h.logs.String())
	}
	r2 := h.click(a)[0]
	if r2.ResponseType == "in_channel" || r2.ReplaceOriginal {
		t.Errorf("a Share Slack took (its answer lost) was posted in the channel again (second: %q, replace %v)", r2.ResponseType, r2.ReplaceOriginal)
	}
	if !strings.Contains(text(r2), "shared") {
		t.Errorf("the second click is not told the answer was shared already: %q", text(r2))
	}
}
