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
	env := startScanNowApp(t, scanNowSettings{cacheTTL: 0, attempts: 2, prices: seat.Prices{"confluence": 6.05}})
	org, atl, fake, logs, app, ctx := env.org, env.atl, env.fake, env.logs, env.app, env.ctx

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

// scanNowSettings are what the Scan now tests vary in the bot as wire
// builds it.
type scanNowSettings struct {
	cacheTTL   time.Duration
	attempts   int // Atlassian attempts per call
	prices     seat.Prices
	failSearch bool // the Admin API's users search answers 503
}

// scanNowEnv is a running bot, as wire builds it, over the fake Slack, the
// fake Atlassian (the sample org) and SQLite, with reportUser a report
// user; the logs are JSON at debug level.
type scanNowEnv struct {
	org  *atlassiantest.Org
	atl  *atlassiantest.Server
	fake *slacktest.Server
	logs *testlog.Buffer
	app  *wire.App
	ctx  context.Context
}

func startScanNowApp(t *testing.T, o scanNowSettings) scanNowEnv {
	t.Helper()
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	atl := atlassiantest.NewServer(org)
	t.Cleanup(atl.Close)
	if o.failSearch {
		atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Status: 503})
	}
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	t.Cleanup(fake.Close)
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	t.Cleanup(func() { _ = store.Close() })
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: o.cacheTTL, ReportUsers: []string{reportUser}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: o.prices,
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: o.attempts, BaseDelay: time.Millisecond,
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
	t.Cleanup(stop)
	return scanNowEnv{org: org, atl: atl, fake: fake, logs: logs, app: app, ctx: ctx}
}
