package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// TestStopWhileAReleaseReadsBack: SIGTERM while an approved release reads
// its change back and Atlassian holds the read. The release outlives its
// abandonment (its read-back has readBackTimeout more, then its save, its
// audit entry and its messages), and Run waited for it without a bound:
// the stop took longer than the contract's 10 s. Run must return within
// them with the default budgets, and the release's read-back must give up
// soon enough that its save (what it removed, for Undo) is made before.
func TestStopWhileAReleaseReadsBack(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	org := atlassiantest.ReleaseOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	fake.AddUser(slacktest.User{ID: "U0JOHN", Name: "U0JOHN", Email: atlassiantest.ReleaseGroupEmail})
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	defer store.Close()
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey, AdminWriteKey: atlassiantest.AdminWriteKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{"U0APP1"}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: seat.Prices{"confluence": 6.05},
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxWait: time.Second})},
		Socket: slacksocket.Options{PingInterval: 2 * time.Second},
		// The default stop budgets, as serve runs them.
		State: store,
		Nudge: wire.NudgeSettings{Mode: nudge.On, Approvers: []string{"U0APP1"}, Wait: time.Hour, PostEvery: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	returned := make(chan error, 1)
	go func() { returned <- app.Run(runCtx) }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := fake.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}

	sum, err := app.Nudge.Round(ctx, "nudge stop", false)
	if err != nil || len(sum.Asked) != 1 {
		t.Fatalf("round: %d asked, %v\n%s", len(sum.Asked), err, logs.String())
	}
	click := func(user, actionID, value string) {
		t.Helper()
		if value == "" {
			t.Fatalf("no %s button", actionID)
		}
		env, err := fake.BlockAction(ctx, slacktest.Action{UserID: user, ChannelID: "D" + user, ActionID: actionID, Value: value})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fake.WaitAck(ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	}
	click("U0JOHN", bot.ActionNudgeRelease, buttonValue(fake.Messages("U0JOHN")[0], bot.ActionNudgeRelease))
	if err := fake.Wait(ctx, func() bool { return len(fake.Messages("U0APP1")) == 1 }); err != nil {
		t.Fatalf("the approval did not arrive: %v\n%s", err, logs.String())
	}
	pending, err := store.Store().PendingRequests(ctx)
	if err != nil || len(pending) != 1 {
		t.Fatalf("%d pending requests, %v; want the one", len(pending), err)
	}

	// Once the release has written, its read-back of the seat is held
	// until the client gives up on it.
	var wrote atomic.Bool
	held := make(chan struct{})
	var once sync.Once
	atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/memberships/") {
			wrote.Store(true) // John leaves the group that gives him the seat
			return atlassiantest.Failure{}, false
		}
		if wrote.Load() && strings.Contains(r.URL.Path, "role-assignments") {
			once.Do(func() { close(held) })
			return atlassiantest.Failure{API: "admin", Delay: time.Minute}, true
		}
		return atlassiantest.Failure{}, false
	})
	click("U0APP1", bot.ActionReleaseApprove, buttonValue(fake.Messages("U0APP1")[0], bot.ActionReleaseApprove))
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatalf("the release never read its change back\n%s", logs.String())
	}

	// SIGTERM, as serve sees it.
	stop()
	budget := time.NewTimer(10 * time.Second)
	defer budget.Stop()
	select {
	case err := <-returned:
		if err != nil {
			t.Errorf("Run returned %v, want nil (exit 0)", err)
		}
	case <-budget.C:
		<-returned
		t.Errorf("Run was still waiting on the abandoned release when the 10 s stop budget ran out")
	}

	// Its read-back gives up soon enough after the abandonment for the
	// release to be saved before Run returns: what it removed is kept for
	// Undo, not left "running" for the follow-up an hour later.
	if rel, err := store.Store().GetRelease(ctx, pending[0].ID); err != nil || rel.State == state.ReleaseRunning || len(rel.Steps) == 0 {
		t.Errorf("when Run returned, the release was %q with %d steps saved (%v); want it settled with the group step kept\n%s",
			rel.State, len(rel.Steps), err, logs.String())
	}

	// Whatever was left behind ends on its own bounds: wait for it, so
	// that no goroutine of it outlives the test.
	if err := waitFor(ctx, func() bool {
		rel, err := store.Store().GetRelease(ctx, pending[0].ID)
		return err == nil && rel.State != state.ReleaseRunning
	}); err != nil {
		t.Fatalf("the abandoned release never ended: %v\n%s", err, logs.String())
	}
}

func waitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
