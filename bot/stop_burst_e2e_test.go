package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
)

// TestStopInBurstAnswersEveryAck: every envelope the bot acked gets its one
// reply (the answer, or the "restarting" notice), even when the stop comes
// in the middle of a burst. The socket acks as it reads, so an envelope it
// acked and then dropped at the stop, or one left in its events channel,
// was lost for good: Slack does not send an acked envelope again. A post
// the bot sent but whose answer it never got counts as its try: the bot
// does not post it again, lest it show twice.
func TestStopInBurstAnswersEveryAck(t *testing.T) {
	for round := 0; round < 3; round++ {
		logs := &testlog.Buffer{}
		now := time.Now().UTC()
		org := atlassiantest.SampleOrg(now)
		atl := atlassiantest.NewServer(org)
		sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
		app, err := wire.Build(wire.Settings{
			JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
			AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
			SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
			CacheTTL: time.Hour,
			Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
			Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
			// A stop abandons the burst's work after 3 s, so restarting
			// notices are posted too; their posts get a minute, not the
			// default 1 s. On a loaded machine (the race detector, other
			// jobs) a post took over 10 s, and the stop then cut posts the
			// bot had made in time: lost by the stop's deadline, as meant,
			// not dropped, which is what this test is about.
			Bot: bot.BotConfig{ShutdownTimeout: 3 * time.Second, PostGrace: time.Minute},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		returned := make(chan error, 1)
		go func() { returned <- app.Run(ctx) }()
		wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer wcancel()
		if err := sl.Wait(wctx, func() bool { return sl.Deliverable() == 2 }); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var envs []*slacktest.Envelope
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Go(func() {
				for i := 0; i < 100; i++ {
					env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
					if err != nil {
						return
					}
					mu.Lock()
					envs = append(envs, env)
					n := len(envs)
					mu.Unlock()
					if n == 200 {
						stop() // SIGTERM in the middle of the burst
					}
				}
			})
		}
		wg.Wait()
		stop()
		<-returned
		lost, acked, twice := 0, 0, 0
		var posts strings.Builder // every post to a URL answered twice
		for _, env := range envs {
			if sl.Acks(env.ID) == 0 {
				continue
			}
			acked++
			switch n := len(sl.Replies(env.ID)); {
			case n == 0:
				lost++
			case n > 1:
				twice++
				for _, a := range sl.ResponseAttempts(env.ID) {
					fmt.Fprintf(&posts, "%s: %d %s %.40q\n", env.ID, a.Status, a.Error, a.Text)
				}
			}
		}
		// The bot's warnings and errors say why (the stop's steps, failed
		// posts); its audit lines, one a command, would hide them.
		var warnings strings.Builder
		unconfirmed := 0 // posts sent whose answer never came: not posted again, maybe shown
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
				fmt.Fprintf(&warnings, "%.300s\n", l)
			}
			if strings.Contains(l, "reply sent, but Slack's answer was lost") {
				unconfirmed++
			}
		}
		if twice > 0 {
			t.Errorf("round %d: %d envelopes answered more than once:\n%.3000s\nlog:\n%.3000s", round, twice, posts.String(), warnings.String())
		}
		t.Logf("round %d: %d sent, %d acked, %d acked but never answered, %d posts unconfirmed", round, len(envs), acked, lost, unconfirmed)
		// A post written whole whose answer did not come in its 10 s (the
		// fake starved on a loaded machine) is not posted again, and may
		// so be lost; the bot says so, one warning a post. Only a loss
		// beyond those is an envelope dropped.
		if lost > unconfirmed {
			t.Errorf("round %d: %d acked envelopes got no reply at all, %d posts unconfirmed; log:\n%.3000s", round, lost, unconfirmed, warnings.String())
		}
		wcancel()
		app.Close()
		sl.Close()
		atl.Close()
	}
}
