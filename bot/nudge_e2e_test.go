package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/state"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
	"lastactive/nudge"
	"lastactive/seat"
)

// nudgeApp builds the bot as wire does, between the fake Slack and the
// fake Atlassian, on SQLite, with keep or release in mode; confluence and
// the products priced (at 1.00) are covered.
func nudgeApp(t *testing.T, org *atlassiantest.Org, atl *atlassiantest.Server, fake *slacktest.Server, mode nudge.Mode, priced ...string) (*wire.App, *testlog.Buffer) {
	t.Helper()
	prices := seat.Prices{"confluence": 6.05}
	for _, k := range priced {
		prices[k] = 1
	}
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	t.Cleanup(func() { _ = store.Close() })
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{reportUser}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: prices,
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxWait: time.Second})},
		Socket: slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:    bot.BotConfig{ShutdownTimeout: 2 * time.Second},
		State:  store,
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

// TestHomeShowsKeepOrRelease: under LASTACTIVE_NUDGE=dry-run, after a dry
// round through the engine wire builds, a report user's App Home (opened
// over Socket Mode) shows whom the round would ask about what and whom it
// skipped and why, and what waits for an answer and for an approver, all
// from the store: opening it calls Atlassian not once. Anyone else still
// gets the usage.
func TestHomeShowsKeepOrRelease(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.ReleaseOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	for email, id := range map[string]string{atlassiantest.ReleaseDirectEmail: "U0FRANCES", atlassiantest.ReleaseGroupEmail: "U0JOHN",
		atlassiantest.ReleaseOrgAdminEmail: "U0LESLIE", atlassiantest.ReleaseSyncedEmail: "U0SOPHIE"} {
		// Leslie and Sophie are in Slack, so that their account is read and
		// skipped as an org admin and as synced.
		fake.AddUser(slacktest.User{ID: id, Name: id, Email: email})
	}
	app, logs := nudgeApp(t, org, atl, fake, nudge.DryRun)
	ctx, stop := runApp(t, app, fake)
	defer stop()

	sum, err := app.Nudge.Round(ctx, "nudge dry e2e", true)
	if err != nil || len(sum.Asked) != 2 {
		t.Fatalf("dry round: %d would be asked, %v\n%s", len(sum.Asked), err, logs.String())
	}
	if n := len(fake.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("a dry run posted %d messages", n)
	}
	// Something waiting for an answer and an approver, as a real round and a
	// Release click leave them.
	st := app.State.Store()
	john := org.Users[slicesIndex(org.Users, atlassiantest.ReleaseGroupEmail)]
	n, _, err := st.PutNudge(ctx, state.Nudge{Round: "nudge earlier", AccountID: john.AccountID, Email: john.Email,
		Product: atlassiantest.ConfluenceMain, ProductKey: "confluence", SlackUser: "U0JOHN", Asked: now.AddDate(0, 0, -3)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetNudgeMessage(ctx, n.ID, "DU0JOHN", "1700000000.000001"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.PutRequest(ctx, state.ReleaseRequest{NudgeID: "nudge-of-frances", AccountID: "acc-frances", Email: atlassiantest.ReleaseDirectEmail,
		Product: atlassiantest.ConfluenceMain, ProductKey: "confluence", Requester: "U0FRANCES"}); err != nil {
		t.Fatal(err)
	}

	before := len(atl.Requests())
	if _, err := fake.AppHomeOpened(ctx, reportUser); err != nil {
		t.Fatal(err)
	}
	if err := fake.Wait(ctx, func() bool { return len(fake.HomeViews(reportUser)) == 1 }); err != nil {
		t.Fatalf("no Home tab published: %v\n%s", err, logs.String())
	}
	raw, _ := json.Marshal(fake.HomeViews(reportUser)[0].Blocks)
	home := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(raw))
	for _, want := range []string{`"block_id":"home_dry_run"`, "Would ask *2 people*", "<@U0JOHN> (john@example.com)", "<@U0FRANCES>",
		"org admin", "managed by an identity provider (synced)", "no Slack user with that email",
		`"block_id":"home_nudges"`, "Waiting for an answer (1)", "on " + atlassiantest.HostMain,
		"Waiting for an approver (1)", "requested by <@U0FRANCES>"} {
		if !strings.Contains(home, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, home)
		}
	}
	if n := len(atl.Requests()) - before; n != 0 {
		t.Errorf("opening App Home made %d Atlassian requests, want 0", n)
	}

	if _, err := fake.AppHomeOpened(ctx, "UOTHER01"); err != nil {
		t.Fatal(err)
	}
	if err := fake.Wait(ctx, func() bool { return len(fake.HomeViews("UOTHER01")) == 1 }); err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(fake.HomeViews("UOTHER01")[0].Blocks); strings.Contains(string(raw), "home_dry_run") ||
		!strings.Contains(string(raw), "home_usage") {
		t.Errorf("someone else's Home tab: %s", raw)
	}
}

func slicesIndex(users []atlassiantest.User, email string) int {
	return slices.IndexFunc(users, func(u atlassiantest.User) bool { return u.Email == email })
}
