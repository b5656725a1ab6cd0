package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestOtherWorkspacesAreNotServed: with LASTACTIVE_OWN_WORKSPACE_ONLY=true,
// a command or a click from a workspace other than the bot token's
// (auth.test's team_id), as Slack Connect's shared channels can bring, is
// refused as "not allowed" and nothing is looked up, even with
// LASTACTIVE_ALLOWED_USERS empty (everyone). Before, anyone whose envelope
// reached the socket was served.
func TestOtherWorkspacesAreNotServed(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_OWN_WORKSPACE_ONLY=true"))
	defer stop(t, cmd, logs)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	eventually(t, "the bot token checked", func() bool { return metric(base, `lastactive_credential_ok{api="slack"} 1`) })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ask := func(c slacktest.Command) slacktest.Reply { return lastReply(ctx, t, f, c) }
	searches := len(f.atl.Requests())
	if r := ask(slacktest.Command{UserID: "U0EXT1", ChannelID: "C1", TeamID: "T0OTHERCO", Text: "ada@example.com"}); !strings.Contains(r.Text, "not allowed") {
		t.Errorf("a command from another workspace was answered: %q", r.Text)
	}
	if n := len(f.atl.Requests()); n != searches {
		t.Errorf("a command from another workspace made %d Atlassian calls", n-searches)
	}
	own := ask(slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if !strings.Contains(own.Text, "Last active dates") {
		t.Fatalf("a command from the bot's own workspace was not answered: %q", own.Text)
	}
	refresh := buttonValue(own.Blocks, bot.ActionRefresh)
	if refresh == "" {
		t.Fatalf("no Refresh button: %s", own.Blocks)
	}
	env, err := f.slack.BlockAction(ctx, slacktest.Action{UserID: "U0EXT1", TeamID: "T0OTHERCO", ChannelID: "C1", ActionID: bot.ActionRefresh, Value: refresh})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := r[len(r)-1].Text; !strings.Contains(got, "not allowed") {
		t.Errorf("a Refresh clicked from another workspace was answered: %q", got)
	}
}

// TestOtherWorkspaceRefusedWhenTheFirstAuthTestFailed: Slack answering the
// start's auth.test with a 503 left the bot's workspace unknown until the
// next credential check, five minutes later, and meanwhile a command from
// another company's workspace was answered. A request that names a
// workspace while the bot's is unknown now asks auth.test first.
func TestOtherWorkspaceRefusedWhenTheFirstAuthTestFailed(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	f.slack.FailMethod("auth.test", 1, 503, "")
	cmd, base, logs := serveProcess(t, f.env("LASTACTIVE_OWN_WORKSPACE_ONLY=true"))
	defer stop(t, cmd, logs)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	eventually(t, "auth.test tried", func() bool { return len(f.slack.Calls("auth.test")) > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := lastReply(ctx, t, f, slacktest.Command{UserID: "U0EXT1", ChannelID: "C1", TeamID: "T0OTHERCO", Text: "ada@example.com"})
	if !strings.Contains(r.Text, "not allowed") {
		t.Errorf("a command from another workspace, before the bot knew its own, was answered: %q", r.Text)
	}
}

// lastReply sends the slash command c and returns the last reply to it
// once there is one.
func lastReply(ctx context.Context, t *testing.T, f *fakes, c slacktest.Command) slacktest.Reply {
	t.Helper()
	env, err := f.slack.SlashCommandConnected(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r[len(r)-1]
}

// TestOtherWorkspacesServedByDefault: without LASTACTIVE_OWN_WORKSPACE_ONLY,
// a command naming another workspace than auth.test's is served, as before
// the check existed (a fake Slack or a proxy may well give the two
// different teams, and refusing would refuse everyone), and the log says
// so once per workspace, naming the setting that refuses it.
func TestOtherWorkspacesServedByDefault(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	cmd, base, logs := serveProcess(t, f.env())
	defer stop(t, cmd, logs)
	eventually(t, "/readyz 200", func() bool { c, _ := get(base + "/readyz"); return c == 200 })
	eventually(t, "the bot token checked", func() bool { return metric(base, `lastactive_credential_ok{api="slack"} 1`) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 {
		r := lastReply(ctx, t, f, slacktest.Command{UserID: "U0EXT1", ChannelID: "C1", TeamID: "T0OTHERCO", Text: "ada@example.com"})
		if !strings.Contains(r.Text, "Last active dates") {
			t.Fatalf("a command naming another workspace was not answered by default: %q", r.Text)
		}
	}
	if n := strings.Count(logs.String(), "request from another workspace served"); n != 1 {
		t.Errorf("%d log lines about the other workspace, want 1:\n%s", n, logs.String())
	}
}
