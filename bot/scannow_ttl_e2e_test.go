package bot_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
	"lastactive/seat"
)

// TestScanNowScansOnceWithoutACache: App Home's Scan now reads the
// organisation once. With LASTACTIVE_CACHE_TTL=0 (nothing reused) it read
// it twice, back to back: the scan it asked for, then the digest it records
// asked for a report of its own and, finding no scan young enough, started
// another; over 50,000 people that is 1,000 requests and six minutes of the
// organisation's Admin API budget for one click.
func TestScanNowScansOnceWithoutACache(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	t.Cleanup(func() { _ = store.Close() })
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: 0, ReportUsers: []string{reportUser}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: seat.Prices{"confluence": 6.05},
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxWait: time.Second})},
		Socket: slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:    bot.BotConfig{ShutdownTimeout: 2 * time.Second},
		State:  store,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	ctx, stop := runApp(t, app, fake)
	defer stop()

	pages := 0
	for _, u := range org.Users {
		if !u.NotMember {
			pages++
		}
	}
	pages = (pages + 99) / 100
	before := atl.CountEndpoint(atlassiantest.EndpointUsersSearch)
	if _, err := fake.BlockAction(ctx, slacktest.Action{UserID: reportUser, ActionID: bot.ActionScanNow, Value: "scan"}); err != nil {
		t.Fatal(err)
	}
	// Scan now records the digest's snapshot once its report is made.
	if err := fake.Wait(ctx, func() bool {
		snaps, _ := app.State.Store().Snapshots(ctx, time.Time{}, 10)
		return len(snaps) > 0
	}); err != nil {
		t.Fatalf("no snapshot after Scan now: %v\n%s", err, logs.String())
	}
	if n := atl.CountEndpoint(atlassiantest.EndpointUsersSearch) - before; n != pages {
		t.Errorf("one Scan now cost %d users-search pages, want one scan of %d", n, pages)
	}
}
