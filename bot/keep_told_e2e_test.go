package bot_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
	"lastactive/nudge"
	"lastactive/seat"
)

// toldClock is a settable clock for the follow-up's waits.
type toldClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *toldClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *toldClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// toldBot is the whole bot between the fake Slack and the release sample,
// with a clock the test moves, after one nudge round.
type toldBot struct {
	fake  *slacktest.Server
	atl   *atlassiantest.Server
	org   *atlassiantest.Org
	app   *wire.App
	clock *toldClock
	logs  *testlog.Buffer
	ctx   context.Context
}

func startToldBot(t *testing.T, writeKey bool) *toldBot {
	t.Helper()
	now := time.Now().UTC()
	b := &toldBot{org: atlassiantest.ReleaseOrg(now), clock: &toldClock{t: now}, logs: &testlog.Buffer{}}
	b.atl = atlassiantest.NewServer(b.org)
	t.Cleanup(b.atl.Close)
	b.fake = slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	t.Cleanup(b.fake.Close)
	for email, id := range map[string]string{atlassiantest.ReleaseDirectEmail: "U0FRANCES", atlassiantest.ReleaseGroupEmail: "U0JOHN"} {
		b.fake.AddUser(slacktest.User{ID: id, Name: id, Email: email})
	}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	t.Cleanup(func() { store.Close() })
	key := ""
	if writeKey {
		key = atlassiantest.AdminWriteKey
	}
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: b.atl.URL(), OrgID: b.org.ID, APIKey: atlassiantest.APIKey, AdminWriteKey: key,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: b.fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{"U0APP1", "U0APP2"}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: seat.Prices{"confluence": 6.05},
		Logger:     slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxWait: time.Second})},
		Socket: slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:    bot.BotConfig{ShutdownTimeout: 2 * time.Second},
		State:  store,
		Nudge: wire.NudgeSettings{Mode: nudge.On, Approvers: []string{"U0APP1", "U0APP2"}, Wait: time.Hour,
			PostEvery: time.Millisecond, Now: b.clock.Now},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	b.app = app
	ctx, stop := runApp(t, app, b.fake)
	t.Cleanup(stop)
	b.ctx = ctx
	if sum, err := app.Nudge.Round(ctx, "nudge told", false); err != nil || len(sum.Asked) != 2 {
		t.Fatalf("round: %d asked, %v", len(sum.Asked), err)
	}
	return b
}

func (b *toldBot) click(t *testing.T, user, actionID, value string) {
	t.Helper()
	if value == "" {
		t.Fatalf("no %s button for %s\n%s", actionID, user, b.logs.String())
	}
	// A socket may be between connections (the fake Slack refreshes them):
	// wait for one, as the other end-to-end helpers do.
	if err := b.fake.WaitConnected(b.ctx); err != nil {
		t.Fatal(err)
	}
	env, err := b.fake.BlockAction(b.ctx, slacktest.Action{UserID: user, ChannelID: "D" + user, ActionID: actionID, Value: value})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.fake.WaitAck(b.ctx, env.ID); err != nil {
		t.Fatal(err)
	}
}

// nudgeButton is the value of actionID on user's nudge.
func (b *toldBot) nudgeButton(t *testing.T, user, actionID string) string {
	t.Helper()
	ms := b.fake.Messages(user)
	if len(ms) == 0 {
		t.Fatalf("%s got no nudge", user)
	}
	return buttonValue(ms[0], actionID)
}

// decide clicks actionID on the newest message U0APP1 got about email.
func (b *toldBot) decide(t *testing.T, email, actionID string) {
	t.Helper()
	var v string
	if err := b.fake.Wait(b.ctx, func() bool {
		for _, m := range b.fake.Messages("U0APP1") {
			if x := buttonValue(m, actionID); x != "" && strings.Contains(m.Text, email) {
				v = x
			}
		}
		return v != ""
	}); err != nil {
		t.Fatalf("no request for U0APP1: %v\n%s", err, b.logs.String())
	}
	b.click(t, "U0APP1", actionID, v)
}

// personSees waits until the newest update of user's own nudge (their DM)
// says want, and returns its blocks.
func (b *toldBot) personSees(t *testing.T, user, want string) string {
	t.Helper()
	var last string
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	err := b.fake.Wait(ctx, func() bool {
		for _, c := range b.fake.Calls("chat.update") {
			if c.Error == "" && c.Params.Get("channel") == user {
				last = c.Params.Get("blocks")
			}
		}
		return strings.Contains(last, want)
	})
	if err != nil {
		t.Fatalf("%s's nudge never said %q; last update: %s\n%s", user, want, last, b.logs.String())
	}
	return last
}

func noNudgeButtons(t *testing.T, blocks string) {
	t.Helper()
	if strings.Contains(blocks, bot.ActionNudgeKeep) || strings.Contains(blocks, bot.ActionNudgeRelease) {
		t.Errorf("the settled product still has Keep or Release: %s", blocks)
	}
}

// TestNudgeSaysTheSeatWasReleasedThenRestored: the person who clicked
// Release sees, on their own nudge, that an approver released the seat,
// and then that an approver restored it (Undo).
func TestNudgeSaysTheSeatWasReleasedThenRestored(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	b.click(t, "U0JOHN", bot.ActionNudgeRelease, b.nudgeButton(t, "U0JOHN", bot.ActionNudgeRelease))
	b.personSees(t, "U0JOHN", "Release requested")
	b.decide(t, atlassiantest.ReleaseGroupEmail, bot.ActionReleaseApprove)
	blocks := b.personSees(t, "U0JOHN", "Released by an approver on")
	if !strings.Contains(blocks, "the seat is free") || !strings.Contains(blocks, "!date^") {
		t.Errorf("release line lacks its date or outcome: %s", blocks)
	}
	noNudgeButtons(t, blocks)
	b.decide(t, atlassiantest.ReleaseGroupEmail, bot.ActionReleaseUndo)
	noNudgeButtons(t, b.personSees(t, "U0JOHN", "Restored by an approver"))
}

// TestNudgeSaysAnApproverKeptIt: a release an approver turns down is told
// on the person's nudge.
func TestNudgeSaysAnApproverKeptIt(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	b.click(t, "U0FRANCES", bot.ActionNudgeRelease, b.nudgeButton(t, "U0FRANCES", bot.ActionNudgeRelease))
	b.decide(t, atlassiantest.ReleaseDirectEmail, bot.ActionReleaseKeep)
	noNudgeButtons(t, b.personSees(t, "U0FRANCES", "An approver kept it"))
}

// TestNudgeSaysKeptWhenUsedAgain: a release dropped because the person used
// the product again, at the approval or at the click, says so.
func TestNudgeSaysKeptWhenUsedAgain(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, true)
	b.click(t, "U0JOHN", bot.ActionNudgeRelease, b.nudgeButton(t, "U0JOHN", bot.ActionNudgeRelease))
	b.personSees(t, "U0JOHN", "Release requested")
	// Frances uses Confluence before she clicks; John before the approval.
	for _, email := range []string{atlassiantest.ReleaseDirectEmail, atlassiantest.ReleaseGroupEmail} {
		u, _ := b.org.Lookup(email)
		for i := range u.Products {
			u.Products[i].LastActive = b.clock.Now().Add(-time.Hour)
		}
		b.atl.SetUser(u)
	}
	b.decide(t, atlassiantest.ReleaseGroupEmail, bot.ActionReleaseApprove)
	noNudgeButtons(t, b.personSees(t, "U0JOHN", "Kept: you used it again"))
	b.click(t, "U0FRANCES", bot.ActionNudgeRelease, b.nudgeButton(t, "U0FRANCES", bot.ActionNudgeRelease))
	blocks := b.personSees(t, "U0FRANCES", "Kept: you used it again")
	if strings.Contains(blocks, "Release requested") {
		t.Errorf("a release nobody will decide still reads as requested: %s", blocks)
	}
}

// TestNudgeSaysTheApproversDecideAfterEscalation: after silence and a
// reminder, the nudge's buttons give way to saying the approvers decide;
// without a write key, the seat reads as released once the check a day
// later finds the access gone.
func TestNudgeSaysTheApproversDecideAfterEscalation(t *testing.T) {
	t.Parallel()
	b := startToldBot(t, false)
	for range 2 {
		b.clock.Add(time.Hour)
		if err := b.app.Nudge.FollowUp(b.ctx); err != nil {
			t.Fatal(err)
		}
	}
	noNudgeButtons(t, b.personSees(t, "U0FRANCES", "the approvers decide"))
	b.decide(t, atlassiantest.ReleaseDirectEmail, bot.ActionReleaseApprove)
	noNudgeButtons(t, b.personSees(t, "U0FRANCES", "Release approved by an approver"))
	// The admin removes the access by hand; the check a day later sees it.
	u, _ := b.org.Lookup(atlassiantest.ReleaseDirectEmail)
	u.Products = u.Products[1:]
	b.atl.SetUser(u)
	b.clock.Add(25 * time.Hour)
	if err := b.app.Nudge.FollowUp(b.ctx); err != nil {
		t.Fatal(err)
	}
	noNudgeButtons(t, b.personSees(t, "U0FRANCES", "Released by an approver on"))
}
