package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestMissingScopeNamesTheScope: Slack's missing_scope answer says which
// scope the method needed ("needed") and which the token has
// ("provided"); the asker's reply and the log name the one to add, so the
// admin need not guess among the app's scopes.
func TestMissingScopeNamesTheScope(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	api.fake.FailMethodDetail("users.info", 1, "missing_scope", map[string]any{
		"needed": "users:read.email", "provided": "chat:write,commands,users:read",
	})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})
	r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
	got := messageText(t, r.Message)
	if !strings.Contains(got, "users:read.email") {
		t.Errorf("the reply does not name the scope to add:\n%s", got)
	}
	if len(r.People) != 1 || r.People[0].Err == nil || !strings.Contains(r.People[0].Err.Error(), "users:read.email") {
		t.Errorf("the error, which the log prints, does not name the scope: %+v", r.People)
	}
}

// TestMissingScopeIgnoresWhatIsNoScope: a "needed" that is not a list of
// scope names (a proxy echoing the token) is
// never repeated; the reply still says a scope is missing.
func TestMissingScopeIgnoresWhatIsNoScope(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.fake.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	api.fake.FailMethodDetail("users.info", 1, "missing_scope", map[string]any{
		"needed": slacktest.BotToken,
	})
	svc := mentionService(bot.SlackUsers{API: api.SlackAPI})
	r := svc.Answer(context.Background(), bot.Request{UserID: "U1", ChannelID: "C1", Text: "<@U0ADA>"}, nil)
	got := messageText(t, r.Message)
	if !strings.Contains(got, "scope") {
		t.Errorf("the reply does not say a scope is missing:\n%s", got)
	}
	if strings.Contains(got, slacktest.BotToken) || (len(r.People) == 1 && r.People[0].Err != nil && strings.Contains(r.People[0].Err.Error(), slacktest.BotToken)) {
		t.Errorf("the token reached the reply or the error")
	}
}

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
