package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestSlackMessagesKeepOnlySlacksWords: of response_metadata.messages,
// the error (and so the log) keeps what has the shape of Slack's words and
// block pointers, never a message that echoes the request or the token.
func TestSlackMessagesKeepOnlySlacksWords(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.FailMethodDetail("chat.postEphemeral", 1, "invalid_arguments", map[string]any{
		"response_metadata": map[string]any{"messages": []string{
			"[ERROR] missing required field: user [json-pointer:/user]",
			"token=" + slacktest.BotToken,
			slacktest.BotToken,
		}},
	})
	_, err := bot.SlackEphemeral{API: api.SlackAPI}.PostEphemeralContext(context.Background(), "C1", "U1", slack.MsgOptionText("hi", false))
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "[json-pointer:/user]") {
		t.Errorf("error %q lacks Slack's message", err)
	}
	if strings.Contains(err.Error(), slacktest.BotToken) {
		t.Errorf("error %q repeats the token", err)
	}
}
