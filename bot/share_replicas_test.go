package bot_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/wire"
)

// TestShareDoubleClickOnTwoReplicasPostsOnce: the two envelopes of one
// double click on Share may reach two replicas. Each process's own guard
// let both post in the channel; the claim is now taken in the shared store
// too, so the second is told it was shared a moment ago. A Share that did
// not go out gives its claim back: the next click posts.
func TestShareDoubleClickOnTwoReplicasPostsOnce(t *testing.T) {
	t.Parallel()
	org := atlassiantest.SampleOrg(time.Now())
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "state.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replica := func() *bot.Service {
		d := wire.OpenDurable(ctx, db, wire.DurableOptions{})
		t.Cleanup(func() { d.Close() })
		app, err := wire.Build(wire.Settings{
			AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
			SlackBotToken: slacktest.BotToken, SlackAPIURL: "http://127.0.0.1:1/api/",
			CacheTTL: time.Hour, IdleDays: bot.DefaultIdleDays, Logger: slog.New(slog.DiscardHandler), State: d,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(app.Close)
		return app.Service
	}
	one, two := replica(), replica()
	req := bot.Request{UserID: "U1", ChannelID: "C1"}
	share := func(r bot.Reply) string {
		for _, b := range r.Message.Blocks {
			if a, ok := b.(*slack.ActionBlock); ok {
				for _, e := range a.Elements.ElementSet {
					if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == bot.ActionShare {
						return btn.Value
					}
				}
			}
		}
		t.Fatalf("no Share button in %q", r.Message.Text)
		return ""
	}
	v := share(one.Answer(ctx, bot.Request{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}, nil))

	first, _ := one.Click(ctx, req, bot.ActionShare, v, nil)
	second, _ := two.Click(ctx, req, bot.ActionShare, v, nil)
	if first.Mode != bot.Public {
		t.Fatalf("the first Share was not posted in the channel: %q", first.Message.Text)
	}
	if second.Mode == bot.Public || !strings.Contains(second.Message.Text, "shared") {
		t.Errorf("the double click's second envelope, on the other replica, posted in the channel again (mode %v): %q", second.Mode, second.Message.Text)
	}

	// Another person's Share of the same answer is theirs to make.
	other, _ := two.Click(ctx, bot.Request{UserID: "U2", ChannelID: "C1"}, bot.ActionShare, v, nil)
	if other.Mode != bot.Public {
		t.Errorf("another person's Share was refused: %q", other.Message.Text)
	}

	// A Share Slack never took is given back, on every replica.
	one.UndeliveredAs(first.Audited, req, first.Reply)
	again, _ := two.Click(ctx, req, bot.ActionShare, v, nil)
	if again.Mode != bot.Public {
		t.Errorf("after the first Share was not delivered, the next click did not post: %q", again.Message.Text)
	}
}
