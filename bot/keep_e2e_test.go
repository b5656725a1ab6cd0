package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// buttonValue finds the value of the button actionID in m.
func buttonValue(m slacktest.Message, actionID string) string {
	for _, b := range m.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if el["action_id"] == actionID {
				v, _ := el["value"].(string)
				return v
			}
		}
	}
	return ""
}

// TestKeepOrReleaseEndToEnd: the bot as wire builds it, between the fake
// Slack (Socket Mode clicks, chat.postMessage, chat.update) and the fake
// Atlassian with its release sample, on SQLite: a round DMs the eligible
// people; Keep updates the message and asks nobody; Release reaches both
// approvers; two approvals at once release once, by the group membership,
// read back; Undo restores it; the audit trail tells the story in order.
func TestKeepOrReleaseEndToEnd(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.ReleaseOrg(now)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	people := map[string]string{atlassiantest.ReleaseDirectEmail: "U0FRANCES", atlassiantest.ReleaseGroupEmail: "U0JOHN"}
	for email, id := range people {
		fake.AddUser(slacktest.User{ID: id, Name: id, Email: email})
	}
	logs := &testlog.Buffer{}
	store := wire.OpenDurable(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "state.db"), wire.DurableOptions{})
	defer store.Close()
	app, err := wire.Build(wire.Settings{
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey, AdminWriteKey: atlassiantest.AdminWriteKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: fake.APIURL(),
		CacheTTL: time.Hour, ReportUsers: []string{"U0APP1", "U0APP2"}, IdleDays: bot.DefaultIdleDays, Reports: true,
		SeatPrices: seat.Prices{"confluence": 6.05},
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxWait: time.Second})},
		Socket: slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:    bot.BotConfig{ShutdownTimeout: 2 * time.Second},
		State:  store,
		Nudge: wire.NudgeSettings{Mode: nudge.On, Approvers: []string{"U0APP1", "U0APP2"}, Wait: time.Hour,
			PostEvery: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, stop := runApp(t, app, fake)
	defer stop()

	sum, err := app.Nudge.Round(ctx, "nudge e2e", false)
	if err != nil || len(sum.Asked) != 2 {
		t.Fatalf("round: %d asked, %v", len(sum.Asked), err)
	}
	nudgeOf := func(user string) slacktest.Message {
		t.Helper()
		ms := fake.Messages(user)
		if len(ms) != 1 {
			t.Fatalf("%s got %d nudges, want 1", user, len(ms))
		}
		return ms[0]
	}
	frances, john := nudgeOf("U0FRANCES"), nudgeOf("U0JOHN")
	if raw, _ := json.Marshal(john.Blocks); !strings.Contains(string(raw), "acme.atlassian.net") || !strings.Contains(string(raw), "!date^") {
		t.Errorf("nudge lacks the site or the date token: %s", raw)
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
	// updates counts the messages (by channel) updated to say text.
	updates := func(text string) int {
		channels := map[string]bool{}
		for _, c := range fake.Calls("chat.update") {
			if c.Error == "" && strings.Contains(c.Params.Get("blocks"), text) {
				channels[c.Params.Get("channel")] = true
			}
		}
		return len(channels)
	}

	click("U0FRANCES", bot.ActionNudgeKeep, buttonValue(frances, bot.ActionNudgeKeep))
	if err := fake.Wait(ctx, func() bool { return updates("Kept, thank you") == 1 }); err != nil {
		t.Fatalf("Keep did not update the nudge: %v\n%s", err, logs.String())
	}
	// The top-level text (notifications, screen readers) says the outcome
	// too, not the old question.
	updatedText := func(inBlocks, want, notWant string) {
		t.Helper()
		for _, c := range fake.Calls("chat.update") {
			if txt := c.Params.Get("text"); c.Error == "" && strings.Contains(c.Params.Get("blocks"), inBlocks) &&
				(!strings.Contains(txt, want) || strings.Contains(txt, notWant)) {
				t.Errorf("message updated to say %q has the text %q", inBlocks, txt)
			}
		}
	}
	updatedText("Kept, thank you", "Kept, thank you", "Answer Keep or Release")

	click("U0JOHN", bot.ActionNudgeRelease, buttonValue(john, bot.ActionNudgeRelease))
	if err := fake.Wait(ctx, func() bool { return len(fake.Messages("U0APP1")) == 1 && len(fake.Messages("U0APP2")) == 1 }); err != nil {
		t.Fatalf("approvals did not arrive: %v\n%s", err, logs.String())
	}
	approval := fake.Messages("U0APP1")[0]
	if raw, _ := json.Marshal(approval.Blocks); !strings.Contains(string(raw), "by group confluence-users") || !strings.Contains(string(raw), "USD 6.05") {
		t.Errorf("approval lacks the grant or the saving: %s", raw)
	}
	// Two approvers at once.
	var wg sync.WaitGroup
	for _, ap := range []string{"U0APP1", "U0APP2"} {
		v := buttonValue(fake.Messages(ap)[0], bot.ActionReleaseApprove)
		wg.Go(func() { click(ap, bot.ActionReleaseApprove, v) })
	}
	wg.Wait()
	results := func() []slacktest.Message {
		var out []slacktest.Message
		for _, ap := range []string{"U0APP1", "U0APP2"} {
			for _, m := range fake.Messages(ap) {
				if buttonValue(m, bot.ActionReleaseUndo) != "" {
					out = append(out, m)
				}
			}
		}
		return out
	}
	if err := fake.Wait(ctx, func() bool { return len(results()) == 1 && updates("approved the release") == 2 }); err != nil {
		t.Fatalf("no single release result with both copies closed: %d results, %d closed: %v\n%s", len(results()),
			updates("approved the release"), err, logs.String())
	}
	updatedText("approved the release", "approved the release", "\x00")
	jacc, _ := org.Lookup(atlassiantest.ReleaseGroupEmail)
	if atl.IsMember(atlassiantest.GroupConfluenceUsers, jacc.AccountID) || atl.Holds(jacc.AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("the seat is still held")
	}
	res := results()[0]
	decider := "U0APP1"
	if len(fake.Messages("U0APP2")) == 2 {
		decider = "U0APP2"
	}
	click(decider, bot.ActionReleaseUndo, buttonValue(res, bot.ActionReleaseUndo))
	if err := fake.Wait(ctx, func() bool { return atl.IsMember(atlassiantest.GroupConfluenceUsers, jacc.AccountID) }); err != nil {
		t.Fatalf("undo did not restore the membership: %v\n%s", err, logs.String())
	}
	var story []string
	err = fake.Wait(ctx, func() bool {
		entries, _ := store.Store().Audit(ctx, state.AuditQuery{Target: atlassiantest.ReleaseGroupEmail})
		story = story[:0]
		for i := len(entries) - 1; i >= 0; i-- {
			story = append(story, string(entries[i].Kind))
		}
		return slices.Contains(story, "undo")
	})
	if want := []string{"nudge", "answer", "approval", "release", "undo"}; err != nil || !slices.Equal(story, want) {
		t.Errorf("John's audit story %v, want %v (%v)", story, want, err)
	}
}
