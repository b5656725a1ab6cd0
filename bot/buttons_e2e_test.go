package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// buttons returns the buttons of a reply by action ID.
func buttons(t *testing.T, r slacktest.Reply) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	var blocks []map[string]any
	if err := json.Unmarshal(r.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "button" {
				if id, ok := x["action_id"].(string); ok {
					out[id] = x
				}
			}
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	for _, b := range blocks {
		walk(b)
	}
	return out
}

func (h *harness) click(a slacktest.Action) []slacktest.Reply {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.slack.WaitConnected(ctx); err != nil {
		h.t.Fatal(err)
	}
	env, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(ctx, env.ID); err != nil {
		h.t.Fatalf("click not acked: %v", err)
	}
	if a.URL != "" {
		return nil
	}
	replies, err := h.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		h.t.Fatalf("no reply to the click: %v", err)
	}
	return replies
}

func TestButtons(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{AllowedUsers: []string{"U0ALICE01", "U0BOB0002"}}})
	first := h.ask("U0ALICE01", "C1", "ada@example.com")
	btn := buttons(t, first)
	share, refresh, admin := btn[bot.ActionShare], btn[bot.ActionRefresh], btn[bot.ActionAdmin]
	if share == nil || refresh == nil || admin == nil {
		t.Fatalf("reply lacks a button: %v", btn)
	}
	if url, _ := admin["url"].(string); !strings.HasPrefix(url, "https://admin.atlassian.com/o/"+h.org.ID+"/users/") {
		t.Errorf("admin link = %q", url)
	}
	for _, b := range []map[string]any{share, refresh} {
		for _, secret := range []string{slacktest.BotToken, slacktest.AppToken} {
			if strings.Contains(b["value"].(string), secret) {
				t.Errorf("a button value carries a token")
			}
		}
	}

	t.Run("share posts in channel naming the sharer", func(t *testing.T) {
		replies := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionShare, Value: share["value"].(string)})
		r := replies[0]
		if r.ResponseType != "in_channel" {
			t.Errorf("response_type = %q, want in_channel", r.ResponseType)
		}
		got := text(r)
		if !strings.Contains(got, "<@U0ALICE01>") || !strings.Contains(got, h.user("ada@example.com").DisplayName) {
			t.Errorf("shared message does not name the sharer and the person:\n%s", got)
		}
		if b := buttons(t, r); b[bot.ActionShare] != nil || b[bot.ActionRefresh] != nil {
			t.Errorf("shared message still has the private buttons")
		}
	})

	t.Run("refresh makes one new chain and replaces the reply", func(t *testing.T) {
		jira, admin := h.jiraCalls(), h.adminCalls()
		replies := h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)})
		if !replies[0].ReplaceOriginal || replies[0].ResponseType != "ephemeral" {
			t.Errorf("refresh reply: replace_original=%v response_type=%q", replies[0].ReplaceOriginal, replies[0].ResponseType)
		}
		pages := (len(h.user("ada@example.com").Products) + 1) / 2
		if got := h.adminCalls() - admin; got != pages {
			t.Errorf("refresh made %d Admin calls, want one chain of %d", got, pages)
		}
		if got := h.jiraCalls() - jira; got != 1 {
			t.Errorf("refresh made %d Jira calls, want 1", got)
		}
	})

	t.Run("link button is acked and costs nothing", func(t *testing.T) {
		before := h.jiraCalls() + h.adminCalls()
		h.click(slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionAdmin, URL: admin["url"].(string)})
		// A later command's reply shows the click was handled before it.
		h.ask("U0ALICE01", "C1", "help")
		if got := h.jiraCalls() + h.adminCalls() - before; got != 0 {
			t.Errorf("link click caused %d upstream calls", got)
		}
	})

	refusals := []struct {
		name  string
		a     slacktest.Action
		wants string
	}{
		{"user not allowed", slacktest.Action{UserID: "U0EVE0009", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh["value"].(string)}, "not allowed"},
		{"tampered value", slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionRefresh,
			Value: strings.Replace(refresh["value"].(string), "ada@", "grace@", 1)}, "could not be checked"},
		{"forged value", slacktest.Action{UserID: "U0ALICE01", ChannelID: "C1", ActionID: bot.ActionShare, Value: "grace@example.com"}, "could not be checked"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			before := h.jiraCalls() + h.adminCalls()
			r := h.click(c.a)[0]
			if r.ResponseType == "in_channel" {
				t.Errorf("a refusal was posted in channel")
			}
			if got := text(r); !strings.Contains(got, c.wants) {
				t.Errorf("reply lacks %q:\n%s", c.wants, got)
			}
			if got := h.jiraCalls() + h.adminCalls() - before; got != 0 {
				t.Errorf("refused click caused %d upstream calls", got)
			}
		})
	}
}

func TestMessageShortcut(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{AllowedUsers: []string{"U0ALICE01"}}})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, c := range []struct{ name, user, want string }{
		{"author looked up", "U0ALICE01", h.user("grace@example.com").DisplayName},
		{"user not allowed", "U0EVE0009", "not allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.jiraCalls() + h.adminCalls()
			env, err := h.slack.MessageShortcut(ctx, slacktest.Shortcut{UserID: c.user, ChannelID: "C1",
				CallbackID: bot.ShortcutAuthor, MessageUserID: "U0GRACE", MessageText: "hello"})
			if err != nil {
				t.Fatal(err)
			}
			replies, err := h.slack.WaitReplies(ctx, env.ID, 1)
			if err != nil {
				t.Fatalf("no reply: %v", err)
			}
			if replies[0].ResponseType == "in_channel" {
				t.Errorf("shortcut answer is not private")
			}
			if got := text(replies[0]); !strings.Contains(got, c.want) {
				t.Errorf("reply lacks %q:\n%s", c.want, got)
			}
			if c.user == "U0EVE0009" && h.jiraCalls()+h.adminCalls() != before {
				t.Errorf("refused shortcut caused upstream calls")
			}
		})
	}
}

// TestRefreshRateLimitedKeepsTheAnswer: a Refresh refused by the clicker's
// rate limit says so in a new private message; the answer it was clicked
// under, with its data and buttons, stays. Before, the notice replaced it,
// so the clicker lost the answer and its Share and Refresh buttons for the
// hour their bucket took to refill.
func TestRefreshRateLimitedKeepsTheAnswer(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{PerUserBurst: 2, PerUserEvery: time.Hour}})
	first := h.ask("U1", "C1", "ada@example.com")
	h.ask("U1", "C1", "grace@example.com") // the bucket is empty now
	refresh := buttons(t, first)[bot.ActionRefresh]["value"].(string)
	before := h.jiraCalls() + h.adminCalls()
	r := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh})[0]
	if got := text(r); !strings.Contains(got, "Try again") {
		t.Fatalf("the refused Refresh does not say to try again:\n%s", got)
	}
	if r.ReplaceOriginal || r.ResponseType == "in_channel" {
		t.Errorf("the rate-limit notice: replace_original=%v response_type=%q; want a new private message, the answer kept", r.ReplaceOriginal, r.ResponseType)
	}
	if got := h.jiraCalls() + h.adminCalls() - before; got != 0 {
		t.Errorf("a rate-limited Refresh made %d upstream calls", got)
	}
}

// TestShareClickedTwicePostsOnce: a double click on Share (two envelopes,
// a moment apart) posted the answer in the channel twice. The second click
// of one button in one channel within a minute is told privately that it
// was shared already; a Share whose post failed stays retryable.
func TestShareClickedTwicePostsOnce(t *testing.T) {
	h := startBot(t, harnessOpts{})
	v := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: v}
	r1, r2 := h.click(a)[0], h.click(a)[0]
	if r1.ResponseType != "in_channel" {
		t.Fatalf("the first Share was not posted in the channel: %+v", r1)
	}
	if r2.ResponseType == "in_channel" || r2.ReplaceOriginal {
		t.Errorf("one Share button posted in the channel twice (second: %q, replace %v)", r2.ResponseType, r2.ReplaceOriginal)
	}
	if !strings.Contains(text(r2), "shared") {
		t.Errorf("the second click is not told the answer was shared already: %q", text(r2))
	}
}

// TestChosenAccountShareClickedTwicePostsOnce: the Share under an account
// chosen among several ("This one") is a Share too: a double click on it
// (two envelopes) posted the answer in the channel twice, as Share did
// before its guard.
func TestChosenAccountShareClickedTwicePostsOnce(t *testing.T) {
	h := startBot(t, harnessOpts{})
	var pick slacktest.Action
	for id, b := range buttons(t, h.ask("U1", "C1", "sam@example.com")) {
		if bot.IsChooseAction(id) && id != bot.ActionChooseShare && id != bot.ActionChooseRefresh {
			pick = slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: id, Value: b["value"].(string)}
		}
	}
	if pick.ActionID == "" {
		t.Fatal("no This one button for sam@example.com")
	}
	share := buttons(t, h.click(pick)[0])[bot.ActionChooseShare]
	if share == nil {
		t.Fatal("no Share under the chosen account")
	}
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionChooseShare, Value: share["value"].(string)}
	r1, r2 := h.click(a)[0], h.click(a)[0]
	if r1.ResponseType != "in_channel" {
		t.Fatalf("the first Share was not posted in the channel: %+v", r1)
	}
	if r2.ResponseType == "in_channel" || r2.ReplaceOriginal {
		t.Errorf("one Share button posted in the channel twice (second: %q, replace %v)", r2.ResponseType, r2.ReplaceOriginal)
	}
	if !strings.Contains(text(r2), "shared") {
		t.Errorf("the second click is not told the answer was shared already: %q", text(r2))
	}
}
