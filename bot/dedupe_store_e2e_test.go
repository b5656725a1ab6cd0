package bot_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
)

// TestStoreDedupeAnswersOnce: with the SQLite store, one envelope delivered
// on both sockets is answered once, the store records it, and a restarted
// process on the same file answers Slack's redelivery of it not at all
// (before, SQLite relied on the in-process memory alone, which a restart
// empties: every envelope redelivered after a restart was answered twice).
// Two processes need PostgreSQL, whose dedupe cmd/lastactive's
// TestEnvelopeAnsweredOnceAcrossReplicas proves.
func TestStoreDedupeAnswersOnce(t *testing.T) {
	for _, apps := range []int{1} {
		t.Run("one process, two sockets", func(t *testing.T) {
			org := atlassiantest.SampleOrg(time.Now())
			atl := atlassiantest.NewServer(org)
			defer atl.Close()
			fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
			defer fake.Close()
			logs := &testlog.Buffer{}
			db := "sqlite:" + filepath.Join(t.TempDir(), "state.db")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			var stores []*wire.Durable
			var stops []func()
			defer func() {
				for _, stop := range stops {
					stop()
				}
				for _, d := range stores {
					d.Close()
				}
			}()
			// start runs one process on db: its store, its App, its stop.
			start := func() {
				d := wire.OpenDurable(ctx, db, wire.DurableOptions{})
				stores = append(stores, d)
				app, err := wire.Build(wire.Settings{
					AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
					SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
					CacheTTL: time.Hour, IdleDays: bot.DefaultIdleDays,
					Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
					Socket: slacksocket.Options{PingInterval: 2 * time.Second},
					Bot:    bot.BotConfig{ShutdownTimeout: 2 * time.Second, Stagger: 10 * time.Millisecond},
					State:  d,
				})
				if err != nil {
					t.Fatal(err)
				}
				runCtx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { defer close(done); _ = app.Run(runCtx) }()
				stops = append(stops, func() { stop(); <-done; app.Close() })
			}
			for range apps {
				start()
			}
			if err := fake.Wait(ctx, func() bool { return fake.Deliverable() == 2*apps }); err != nil {
				t.Fatalf("%d connections did not open: %v", 2*apps, err)
			}

			env, err := fake.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			n, err := fake.ResendAll(ctx, env)
			if err != nil {
				t.Fatal(err)
			}
			if err := fake.Wait(ctx, func() bool { return fake.Acks(env.ID) == n+1 }); err != nil {
				t.Fatalf("acks = %d, want %d: %v", fake.Acks(env.ID), n+1, err)
			}
			if _, err := fake.WaitReplies(ctx, env.ID, 1); err != nil {
				t.Fatal(err)
			}
			// Every delivery but one is recognised; stopping then finishes
			// whatever was acked, so no second answer can still be on its way.
			dupes := func() int {
				c := 0
				for _, l := range strings.Split(logs.String(), "\n") {
					if strings.Contains(l, "duplicate envelope ignored") && strings.Contains(l, env.ID) {
						c++
					}
				}
				return c
			}
			deadline := time.Now().Add(15 * time.Second)
			for dupes() < n && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			for _, stop := range stops {
				stop()
			}
			stops = nil
			if got := len(fake.Replies(env.ID)); got != 1 || dupes() != n {
				t.Errorf("%d deliveries: %d answers and %d recognised as duplicates, want 1 and %d", n+1, got, dupes(), n)
			}
			if first, err := stores[0].Store().FirstDelivery(ctx, env.ID, time.Hour); err != nil || first {
				t.Errorf("SQLite did not record envelope %s (first=%v, err=%v)", env.ID, first, err)
			}
			for _, d := range stores {
				d.Close()
			}
			stores = nil

			// Restarted on the same file: the redelivery is acked, not answered.
			start()
			if err := fake.Wait(ctx, func() bool { return fake.Deliverable() == 2 }); err != nil {
				t.Fatalf("the restarted process did not connect: %v", err)
			}
			acks := fake.Acks(env.ID)
			if err := fake.Resend(ctx, env); err != nil {
				t.Fatal(err)
			}
			if err := fake.Wait(ctx, func() bool { return fake.Acks(env.ID) == acks+1 }); err != nil {
				t.Fatalf("the redelivery after the restart was not acked: %v", err)
			}
			for dupes() < n+1 && time.Now().Before(deadline.Add(15*time.Second)) {
				time.Sleep(10 * time.Millisecond)
			}
			for _, stop := range stops {
				stop()
			}
			stops = nil
			if got := len(fake.Replies(env.ID)); got != 1 || dupes() != n+1 {
				t.Errorf("after the restart: %d answers and %d recognised as duplicates, want 1 and %d", got, dupes(), n+1)
			}
		})
	}
}
