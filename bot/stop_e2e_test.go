package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
)

// TestStopWhileReplyHangs: a stop while a reply POST to response_url hangs
// ends within the contract's 10 s: every post made during the stop is bounded
// by what is left of it. The fake holds the post until that budget has
// passed, so Run returning while the post is still held is the proof,
// by ordering.
func TestStopWhileReplyHangs(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer sl.Close()

	app, err := wire.Build(wire.Settings{
		JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
		CacheTTL: time.Hour,
		Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:      bot.BotConfig{ShutdownTimeout: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, stop := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- app.Run(ctx) }()

	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := sl.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	release := sl.HoldResponseURL()
	defer release()
	env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sl.Wait(wctx, func() bool { return sl.HeldPosts() > 0 }); err != nil {
		t.Fatalf("the reply was never posted: %v", err)
	}

	// SIGTERM, as serve sees it; the fake holds the post for the whole
	// budget the contract gives a stop.
	stop()
	budget := time.NewTimer(10 * time.Second)
	defer budget.Stop()
	select {
	case err := <-returned:
		if err != nil {
			t.Errorf("Run returned %v, want nil (exit 0)", err)
		}
	case <-budget.C:
		release()
		<-returned
		t.Fatalf("Run was still waiting on the held reply when the 10 s stop budget ran out")
	}
	if n := len(sl.Replies(env.ID)); n != 0 {
		t.Errorf("%d replies delivered while the fake held every post", n)
	}
}

// TestRefreshOfOneSocketLosesNothing: Slack refreshes one connection at a
// time (a disconnect with refresh_requested); with two per process, a
// command sent at that moment still finds an open one and is answered.
// Drops of one socket cost nothing either.
func TestRefreshOfOneSocketLosesNothing(t *testing.T) {
	h := startBot(t, harnessOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 6 {
		if err := h.slack.Wait(ctx, func() bool { return h.slack.Deliverable() == 2 }); err != nil {
			t.Fatalf("round %d: two connections not open: %v", i, err)
		}
		if i%2 == 0 {
			h.slack.DisconnectOne("refresh_requested")
		} else {
			h.slack.DropOne()
		}
		env, err := h.slack.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
		if err != nil {
			t.Fatalf("round %d: command not delivered while one socket was refreshed: %v", i, err)
		}
		if _, err := h.slack.WaitReplies(ctx, env.ID, 1); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}

// TestReplyCutByTheStopIsAuditedUnconfirmed: a lookup answered, or a Share
// made, just before a stop, whose post hangs until the stop cuts it, may
// have reached nobody: the trail says so with a second entry, as it does
// for a post that failed while running. Before, the stop left only "ok":
// the trail said the person had their answer, or the channel the share.
// The post was sent whole and only Slack's answer to it was cut
// (ErrReplyUnconfirmed): Slack may have shown it, so that entry is
// "unconfirmed", not "undelivered" (which said it could not be posted).
func TestReplyCutByTheStopIsAuditedUnconfirmed(t *testing.T) {
	for _, c := range []struct{ name, action string }{{"command", "lookup"}, {"share", "share"}} {
		t.Run(c.name, func(t *testing.T) {
			org := atlassiantest.SampleOrg(time.Now().UTC())
			atl := atlassiantest.NewServer(org)
			defer atl.Close()
			sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
			defer sl.Close()
			var logs testlog.Buffer
			app, err := wire.Build(wire.Settings{
				JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
				AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
				SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
				CacheTTL: time.Hour,
				Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
				Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
				Bot:      bot.BotConfig{ShutdownTimeout: 100 * time.Millisecond, PostGrace: 100 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			ctx, stop := context.WithCancel(context.Background())
			returned := make(chan error, 1)
			go func() { returned <- app.Run(ctx) }()

			wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer wcancel()
			if err := sl.WaitConnected(wctx); err != nil {
				t.Fatal(err)
			}
			ask := slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"}
			if c.name == "share" {
				env, err := sl.SlashCommand(wctx, ask)
				if err != nil {
					t.Fatal(err)
				}
				first, err := sl.WaitReplies(wctx, env.ID, 1)
				if err != nil {
					t.Fatal(err)
				}
				release := sl.HoldResponseURL()
				defer release()
				value := buttons(t, first[0])[bot.ActionShare]["value"].(string)
				if _, err := sl.BlockAction(wctx, slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: value}); err != nil {
					t.Fatal(err)
				}
			} else {
				release := sl.HoldResponseURL()
				defer release()
				if _, err := sl.SlashCommand(wctx, ask); err != nil {
					t.Fatal(err)
				}
			}
			if err := sl.Wait(wctx, func() bool { return sl.HeldPosts() > 0 }); err != nil {
				t.Fatalf("the reply was never posted: %v", err)
			}
			stop()
			if err := <-returned; err != nil {
				t.Fatal(err)
			}
			var ok, undelivered, unconfirmed bool
			for _, l := range strings.Split(logs.String(), "\n") {
				if !strings.Contains(l, `"msg":"audit"`) || !strings.Contains(l, `"action":"`+c.action+`"`) {
					continue
				}
				ok = ok || strings.Contains(l, `"outcome":"ok"`)
				undelivered = undelivered || strings.Contains(l, `"outcome":"undelivered"`)
				unconfirmed = unconfirmed || strings.Contains(l, `"outcome":"unconfirmed"`)
			}
			if !ok {
				t.Fatalf("no audit line for the %s:\n%s", c.action, logs.String())
			}
			if !unconfirmed || undelivered {
				t.Errorf("the post the stop cut was sent whole: audited unconfirmed %v, undelivered %v; want unconfirmed only:\n%s",
					unconfirmed, undelivered, logs.String())
			}
		})
	}
}

// TestStopLeavesNoLookupUpstream: a command abandoned at a stop while
// Atlassian hangs leaves nothing behind once Run has returned and the App
// is closed. Before, the shared lookup it had started ran on, detached,
// for its own 30 s deadline: a request to Atlassian still open (and its
// goroutines) after the bot said it had stopped.
func TestStopLeavesNoLookupUpstream(t *testing.T) {
	org := atlassiantest.SampleOrg(time.Now().UTC())
	arrived := make(chan struct{}, 1)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer sl.Close()
	before := goleak.IgnoreCurrent()
	atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if !strings.Contains(r.URL.Path, "last-active") {
			return atlassiantest.Failure{}, false
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		return atlassiantest.Failure{Delay: time.Hour}, true // hangs until the client gives up
	})
	app, err := wire.Build(wire.Settings{
		JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
		CacheTTL: time.Hour,
		Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:      bot.BotConfig{ShutdownTimeout: 100 * time.Millisecond, PostGrace: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- app.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := sl.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-wctx.Done():
		t.Fatal("the lookup never reached Atlassian")
	}
	stop()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	app.Close()
	if r, _ := sl.WaitReplies(wctx, env.ID, 1); len(r) != 1 || !strings.Contains(r[0].Text, "restarting") {
		t.Errorf("the abandoned command's reply: %+v, want the restarting notice", r)
	}
	if err := goleak.Find(before); err != nil {
		t.Errorf("left running after the stop: %v", err)
	}
}
