package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

func (h *harness) probeShortcut(s slacktest.Shortcut) slacktest.Reply {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.slack.WaitConnected(ctx); err != nil {
		h.t.Fatal(err)
	}
	s.CallbackID = bot.ShortcutAuthor
	env, err := h.slack.MessageShortcut(ctx, s)
	if err != nil {
		h.t.Fatal(err)
	}
	replies, err := h.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		h.t.Fatalf("no reply: %v", err)
	}
	return replies[0]
}

func TestRefreshAndShareOfSeveralPeople(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{AllowedChannels: []string{"C1"}}})
	first := h.ask("U0ALICE01", "C1", "email\nada@example.com\ngrace@example.com\nnobody@example.com")
	t.Logf("first:\n%s", text(first))
	btn := buttons(t, first)
	share, refresh := btn[bot.ActionShare], btn[bot.ActionRefresh]
	if share == nil || refresh == nil {
		t.Fatalf("buttons: %v", btn)
	}
	t.Run("refresh", func(t *testing.T) {
		admin := h.adminCalls()
		r := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)})[0]
		got := text(r)
		if !r.ReplaceOriginal || r.ResponseType == "in_channel" {
			t.Errorf("replace=%v type=%q", r.ReplaceOriginal, r.ResponseType)
		}
		if h.adminCalls() == admin {
			t.Errorf("refresh made no Admin call")
		}
		for _, w := range []string{"Ada Lovelace", "Grace Hopper", "nobody@example.com", "Skipped"} {
			if !strings.Contains(got, w) {
				t.Errorf("refresh lacks %q:\n%s", w, got)
			}
		}
		if strings.Contains(got, "Alan Turing") {
			t.Errorf("refresh named someone else")
		}
	})
	t.Run("share", func(t *testing.T) {
		admin := h.adminCalls()
		r := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionShare, Value: share["value"].(string)})[0]
		got := text(r)
		t.Logf("shared:\n%s", got)
		if r.ResponseType != "in_channel" || !strings.Contains(got, "Shared by") {
			t.Errorf("type=%q:\n%s", r.ResponseType, got)
		}
		if strings.Contains(got, "nobody@example.com") {
			t.Errorf("failure shared in channel")
		}
		if h.adminCalls() != admin {
			t.Errorf("share made %d admin calls", h.adminCalls()-admin)
		}
	})
	t.Run("channel not allowed", func(t *testing.T) {
		for _, a := range []string{bot.ActionShare, bot.ActionRefresh} {
			before := h.adminCalls() + h.jiraCalls()
			r := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C2", ActionID: a, Value: btn[a]["value"].(string)})[0]
			if r.ResponseType == "in_channel" || !strings.Contains(text(r), "not allowed") {
				t.Errorf("%s in C2: %q %s", a, r.ResponseType, text(r))
			}
			if h.adminCalls()+h.jiraCalls() != before {
				t.Errorf("refused click made calls")
			}
		}
	})
}

func TestShortcutOnEveryKindOfAuthor(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0BOTUSER", Name: "bot", IsBot: true})
	h.slack.AddUser(slacktest.User{ID: "U0GONE001", Name: "gone", Email: "grace@example.com", Deleted: true})
	h.slack.AddUser(slacktest.User{ID: "U0NOMAIL1", Name: "nomail"})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	for _, c := range []struct{ name, author, channel string }{
		{"no user", "", "C1"},
		{"bot user", "U0BOTUSER", "C1"},
		{"deleted", "U0GONE001", "C1"},
		{"no email", "U0NOMAIL1", "C1"},
		{"dm", "U0GRACE", "D0123456"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.probeShortcut(slacktest.Shortcut{UserID: "U0ALICE01", ChannelID: c.channel, MessageUserID: c.author, MessageText: "hi"})
			t.Logf("%s: type=%q replace=%v\n%s", c.name, r.ResponseType, r.ReplaceOriginal, text(r))
			if r.ResponseType == "in_channel" {
				t.Errorf("not private")
			}
		})
	}
}

// TestButtonsFromAnotherWorkspaceLookNothingUp: with LASTACTIVE_OWN_WORKSPACE_ONLY,
// a sealed Share or Refresh clicked by someone of another workspace (a
// Slack Connect channel) is refused and costs no upstream call.
func TestButtonsFromAnotherWorkspaceLookNothingUp(t *testing.T) {
	h := startBot(t, harnessOpts{ownWorkspaceOnly: true})
	btn := buttons(t, h.ask("U0ALICE01", "C1", "ada@example.com"))
	for _, a := range []string{bot.ActionShare, bot.ActionRefresh} {
		before := h.adminCalls() + h.jiraCalls()
		r := h.click(slacktest.Action{UserID: "U0EXT0001", TeamID: "T0OTHER01", ChannelID: "C1", ActionID: a, Value: btn[a]["value"].(string)})[0]
		if r.ResponseType == "in_channel" || !strings.Contains(text(r), "not allowed") {
			t.Errorf("%s from another workspace: %q\n%s", a, r.ResponseType, text(r))
		}
		if h.adminCalls()+h.jiraCalls() != before {
			t.Errorf("%s from another workspace made upstream calls", a)
		}
	}
}
