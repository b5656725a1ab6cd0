package slacktest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/bot/slacktest"
)

// TestChatUpdate: a posted message can be updated in its channel; an
// unknown message or channel is message_not_found, invalid blocks are
// refused, and every update is recorded.
func TestChatUpdate(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	api := webClient(s, slacktest.BotToken)
	ctx := context.Background()
	ch, ts, err := api.PostMessageContext(ctx, "U0ADA", slack.MsgOptionText("Do you still need Confluence?", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("Kept, thank you", false)); err != nil {
		t.Fatalf("update: %v", err)
	}
	for _, tc := range []struct{ channel, ts, want string }{
		{ch, "999.1", "message_not_found"},
		{"D0OTHER", ts, "message_not_found"},
		{"", ts, "channel_not_found"},
	} {
		if _, _, _, err := api.UpdateMessageContext(ctx, tc.channel, tc.ts, slack.MsgOptionText("x", false)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("update %s/%s: %v, want %s", tc.channel, tc.ts, err, tc.want)
		}
	}
	calls := s.Calls("chat.update")
	if len(calls) != 4 || calls[0].Params.Get("text") != "Kept, thank you" || calls[0].Error != "" {
		t.Errorf("recorded %+v", calls)
	}
}
