package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
)

// TestScanNowThatFailsSaysSo: a report user presses Scan now on App Home
// while the Admin API refuses the scan. The Home tab they get back must say
// the scan failed. Before, it was published again as if nothing had
// happened (the old summary, or "no scan stored yet, press Scan now"): the
// failure went only to the log, and the click looked ignored.
func TestScanNowThatFailsSaysSo(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/users/search", Status: 503})
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	t.Cleanup(func() { _ = store.Close() })
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{reportUser}, IdleDays: bot.DefaultIdleDays, Reports: true,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1, BaseDelay: time.Millisecond,
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

	if _, err := fake.BlockAction(ctx, slacktest.Action{UserID: reportUser, ActionID: bot.ActionScanNow, Value: "scan"}); err != nil {
		t.Fatal(err)
	}
	// The click is audited once its last Home tab is published.
	audited := func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"kind":"digest"`) && strings.Contains(l, `"outcome":"failed"`) {
				return true
			}
		}
		return false
	}
	if err := fake.Wait(ctx, audited); err != nil {
		t.Fatalf("the failed Scan now was not audited: %v\n%s", err, logs.String())
	}
	views := fake.HomeViews(reportUser)
	if len(views) == 0 {
		t.Fatal("no Home tab published after Scan now")
	}
	raw, _ := json.Marshal(views[len(views)-1].Blocks)
	if !strings.Contains(string(raw), "Scan now failed") {
		t.Errorf("the Home tab after a failed Scan now does not say it failed: %s", raw)
	}
	if strings.Contains(string(raw), atlassiantest.APIKey) {
		t.Errorf("the Home tab shows the API key: %s", raw)
	}
}
