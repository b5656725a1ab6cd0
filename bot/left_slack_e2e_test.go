package bot_test

import (
	"strings"
	"testing"

	"lastactive/bot/slacktest"
)

// TestAuthorWhoLeftSlackIsSaidToHaveLeft: the shortcut used on a message
// of someone who has left the workspace (users.info: deleted, often with
// no email), or a mention of them, was answered "This Slack user has no
// email address the bot can read (a bot, a deactivated account, or a
// profile without an email)": a list of guesses, the first of them wrong.
// The reply says what is true: they have left the Slack workspace, and
// their email address can be looked up instead. One whose email Slack
// still holds is looked up (TestAuthorWhoLeftSlackIsLookedUp).
func TestAuthorWhoLeftSlackIsSaidToHaveLeft(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0GONE001", Name: "gone", Deleted: true})
	h.slack.AddUser(slacktest.User{ID: "U0NOMAIL1", Name: "nomail"})
	for _, c := range []struct {
		name string
		get  func() slacktest.Reply
		left bool
	}{
		{"shortcut, no email", func() slacktest.Reply {
			return h.probeShortcut(slacktest.Shortcut{UserID: "U0ALICE01", ChannelID: "C1", MessageUserID: "U0GONE001", MessageText: "hi"})
		}, true},
		{"mention", func() slacktest.Reply { return h.ask("U0ALICE01", "C1", "<@U0GONE001|gone>") }, true},
		{"member without email", func() slacktest.Reply {
			return h.probeShortcut(slacktest.Shortcut{UserID: "U0ALICE01", ChannelID: "C1", MessageUserID: "U0NOMAIL1", MessageText: "hi"})
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := text(c.get())
			if said := strings.Contains(got, "left the Slack workspace"); said != c.left {
				t.Errorf("says they left: %v, want %v:\n%s", said, c.left, got)
			}
			if c.left && (strings.Contains(got, "no email address") || !strings.Contains(got, "email address")) {
				t.Errorf("want no guess about their email, and the advice to look up their email address:\n%s", got)
			}
		})
	}
}

// TestAuthorWhoLeftSlackIsLookedUp: someone who has left the Slack
// workspace but whose email Slack still holds is looked up, by the
// shortcut on their old message or a mention: whether they still hold an
// Atlassian seat is the question a manager reclaiming seats asks of
// exactly them. Before, the reply said they had left and looked nothing
// up.
func TestAuthorWhoLeftSlackIsLookedUp(t *testing.T) {
	h := startBot(t, harnessOpts{})
	grace := h.user("grace@example.com")
	h.slack.AddUser(slacktest.User{ID: "U0GONE002", Name: "gone2", Email: "grace@example.com", Deleted: true})
	for name, get := range map[string]func() slacktest.Reply{
		"shortcut": func() slacktest.Reply {
			return h.probeShortcut(slacktest.Shortcut{UserID: "U0ALICE01", ChannelID: "C1", MessageUserID: "U0GONE002", MessageText: "hi"})
		},
		"mention": func() slacktest.Reply { return h.ask("U0ALICE01", "C1", "<@U0GONE002|gone2>") },
	} {
		t.Run(name, func(t *testing.T) {
			got := text(get())
			if !strings.Contains(got, grace.DisplayName) || strings.Contains(got, "left the Slack workspace") {
				t.Errorf("want %s looked up:\n%s", grace.DisplayName, got)
			}
		})
	}
}
