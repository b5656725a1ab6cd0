package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
	"lastactive/nudge"
	"lastactive/seat"
)

// nudgeApp builds the bot as wire does, between the fake Slack and the
// fake Atlassian, on SQLite, with keep or release in mode.
func nudgeApp(t *testing.T, org *atlassiantest.Org, atl *atlassiantest.Server, fake *slacktest.Server, mode nudge.Mode) (*wire.App, *testlog.Buffer) {
	t.Helper()
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	t.Cleanup(func() { _ = store.Close() })
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{reportUser}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: seat.Prices{"confluence": 6.05},
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxWait: time.Second})},
		SocketOptions: []socketmode.Option{socketmode.OptionPingInterval(2 * time.Second)},
		Bot:           bot.BotConfig{ShutdownTimeout: 2 * time.Second},
		State:         store,
		Nudge: wire.NudgeSettings{Mode: mode, Approvers: []string{reportUser}, Max: 10000, Wait: time.Hour,
			PostEvery: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app, logs
}

// TestRoundReadsSlackUsersOncePaged: a round that reaches N people in
// Slack costs ⌈members/200⌉ users.list calls, once for the round, and no
// users.lookupByEmail; people whose Slack user is deleted or a bot are
// skipped as having none.
func TestRoundReadsSlackUsersOncePaged(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	const idle = 430
	for i := range idle {
		org.Users = append(org.Users, atlassiantest.User{AccountID: fmt.Sprintf("712020:idle-%04d", i), DisplayName: fmt.Sprintf("Idle %d", i),
			Email: fmt.Sprintf("idle%d@example.com", i), AddedToOrg: now.AddDate(-2, 0, 0),
			Products: []atlassiantest.Product{{Key: "confluence", SiteID: atlassiantest.SiteMain, LastActive: now.AddDate(0, 0, -150)}}})
	}
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer()
	defer fake.Close()
	for i := range idle {
		fake.AddUser(slacktest.User{ID: fmt.Sprintf("U%05d", i), Name: fmt.Sprint(i), Email: fmt.Sprintf("IDLE%d@example.com", i),
			Deleted: i == 0, IsBot: i == 1})
	}
	for i := range 20 { // members the round has no question for
		fake.AddUser(slacktest.User{ID: fmt.Sprintf("UOTHER%02d", i), Name: "other", Email: fmt.Sprintf("other%d@example.com", i)})
	}
	members := idle + 20
	app, logs := nudgeApp(t, org, atl, fake, nudge.DryRun)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	sum, err := app.Nudge.Round(ctx, "nudge cost", true)
	if err != nil {
		t.Fatalf("round: %v\n%s", err, logs.String())
	}
	asked := map[string]bool{}
	for _, p := range sum.Asked {
		asked[p.Person.Email] = true
	}
	for i := range idle {
		if want := i > 1; asked[fmt.Sprintf("idle%d@example.com", i)] != want {
			t.Errorf("idle%d asked %v, want %v (deleted and bot users are no one to ask)", i, !want, want)
		}
	}
	noSlack := 0
	for _, s := range sum.Skipped {
		if s.Reason == nudge.SkipNoSlack && (s.Person.Email == "idle0@example.com" || s.Person.Email == "idle1@example.com") {
			noSlack++
		}
	}
	if noSlack != 2 {
		t.Errorf("%d of the deleted and bot users skipped as without a Slack user, want 2", noSlack)
	}
	if n, want := len(fake.Calls("users.list")), (members+199)/200; n != want {
		t.Errorf("%d users.list calls for %d members, want %d", n, members, want)
	}
	if n := len(fake.Calls("users.lookupByEmail")); n != 0 {
		t.Errorf("%d users.lookupByEmail calls, want 0", n)
	}
}
