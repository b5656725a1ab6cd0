package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
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

// auditLinesWith returns the "audit" log lines holding every one of want.
func (h *harness) auditLinesWith(want ...string) (lines []string) {
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if !strings.Contains(l, `"msg":"audit"`) {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			lines = append(lines, l)
		}
	}
	return lines
}

// waitAuditLine waits (20 s at most) for an audit line holding every one
// of want.
func (h *harness) waitAuditLine(want ...string) []string {
	deadline := time.Now().Add(20 * time.Second)
	for len(h.auditLinesWith(want...)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return h.auditLinesWith(want...)
}

// TestUnconfirmedReplyIsAuditedAsUnconfirmed: a lookup whose reply was sent
// whole but whose answer from Slack was lost (ErrReplyUnconfirmed) may
// have been seen. Its second entry said "undelivered", "the reply could
// not be posted to Slack": untrue when Slack showed it. It is
// "unconfirmed", and says the answer was lost.
func TestUnconfirmedReplyIsAuditedAsUnconfirmed(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.DropResponseURLAnswers(1)
	env := h.send("U1", "C1", "ada@example.com")
	h.reply(env)
	lines := h.waitAuditLine(`"outcome":"unconfirmed"`, `"action":"lookup"`, "ada@example.com")
	if len(lines) != 1 {
		t.Fatalf("%d unconfirmed audit lines for the lookup, want 1:\n%s", len(lines), h.logs.String())
	}
	if u := h.auditLinesWith(`"outcome":"undelivered"`); len(u) > 0 {
		t.Errorf("a reply Slack may have shown is audited as undelivered:\n%s", strings.Join(u, "\n"))
	}
}

// TestUnconfirmedShareKeepsItsClaim: a Share whose post to the channel was
// sent whole but whose answer was lost may be in the channel. It gave its
// claim back as a failed one does, so the next click posted the same
// summary publicly a second time. The claim is kept (the next click within
// the minute is told that Slack did not confirm the first, not that it was
// shared: TestSecondShareAfterAnUnconfirmedOneIsNotToldItWasShared), and
// the sharer is told privately that the bot cannot tell whether it was
// posted.
func TestUnconfirmedShareKeepsItsClaim(t *testing.T) {
	h := startBot(t, harnessOpts{})
	first := h.ask("U1", "C1", "ada@example.com")
	share := buttons(t, first)[bot.ActionShare]["value"].(string)
	h.slack.DropResponseURLAnswers(1)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: share}
	ctx := t.Context()
	env, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	replies, err := h.slack.WaitReplies(wctx, env.ID, 2)
	if err != nil {
		t.Fatalf("the sharer was not told that the Share's post is unconfirmed: %v\n%s", err, h.logs.String())
	}
	if replies[0].ResponseType != "in_channel" {
		t.Fatalf("the Share was not posted in the channel: %+v", replies[0])
	}
	note := replies[1]
	if note.ResponseType == "in_channel" || note.ReplaceOriginal || !strings.Contains(note.Text, "Slack's answer was lost") {
		t.Errorf("the note to the sharer (%s, replace %v) reads:\n%s", note.ResponseType, note.ReplaceOriginal, note.Text)
	}
	if lines := h.waitAuditLine(`"outcome":"unconfirmed"`, `"action":"share"`); len(lines) != 1 {
		t.Errorf("%d unconfirmed share lines, want 1:\n%s", len(lines), h.logs.String())
	}
	again := h.click(a)
	for _, r := range again {
		if r.ResponseType == "in_channel" {
			raw, _ := json.Marshal(r)
			t.Fatalf("a second click posted the Share in the channel again:\n%s", raw)
		}
	}
	if !strings.Contains(text(again[0]), "did not confirm") {
		t.Errorf("the second click reads:\n%s", text(again[0]))
	}
}

// TestUnconfirmedRestartingNoticeLeavesTheAnswerUndelivered: a command
// abandoned at a stop is answered with the "restarting" notice, not its
// answer. When that notice's post is the one whose answer from Slack was
// lost, the answer itself was never sent: its second entry is
// "undelivered", not "unconfirmed" (which says the asker may have seen it).
func TestUnconfirmedRestartingNoticeLeavesTheAnswerUndelivered(t *testing.T) {
	org := atlassiantest.SampleOrg(time.Now().UTC())
	arrived := make(chan struct{}, 1)
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer sl.Close()
	atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if !strings.Contains(r.URL.Path, "last-active") {
			return atlassiantest.Failure{}, false
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		return atlassiantest.Failure{Delay: time.Hour}, true // hangs until the stop
	})
	var logs testlog.Buffer
	app, err := wire.Build(wire.Settings{
		JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
		CacheTTL: time.Hour,
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
		Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:      bot.BotConfig{ShutdownTimeout: 100 * time.Millisecond, PostGrace: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, stop := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- app.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := sl.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-wctx.Done():
		t.Fatal("the lookup never reached Atlassian")
	}
	sl.DropResponseURLAnswers(1)
	stop()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	if r, _ := sl.WaitReplies(wctx, env.ID, 1); len(r) != 1 || !strings.Contains(r[0].Text, "restarting") {
		t.Fatalf("the abandoned command's reply: %+v, want the restarting notice", r)
	}
	var undelivered, unconfirmed bool
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"action":"lookup"`) {
			undelivered = undelivered || strings.Contains(l, `"outcome":"undelivered"`)
			unconfirmed = unconfirmed || strings.Contains(l, `"outcome":"unconfirmed"`)
		}
	}
	if !undelivered || unconfirmed {
		t.Errorf("an answer never sent (its restarting notice's answer lost): audited undelivered %v, unconfirmed %v; want undelivered only:\n%s",
			undelivered, unconfirmed, logs.String())
	}
}

// TestShareWhoseAnswerIsLostIsNotSharedAgain: a Share whose response_url
// post reached Slack whole but whose answer was lost (ErrReplyUnconfirmed:
// Slack most likely showed it in the channel) was handled as a reply that
// could not be posted: its claim was given back, so a second click within
// the minute posted the answer in the channel again, and the trail said
// "the reply could not be posted to Slack" for a share the channel most
// likely saw (TestUnconfirmedReplyIsAuditedAsMaybeShown). The second click
// is told it was shared already.
func TestShareWhoseAnswerIsLostIsNotSharedAgain(t *testing.T) {
	h := startBot(t, harnessOpts{})
	v := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: v}
	h.slack.DropResponseURLAnswers(1)
	if r1 := h.click(a)[0]; r1.ResponseType != "in_channel" {
		t.Fatalf("the first Share was not posted in the channel: %+v", r1)
	}
	// The warning is logged when the post has ended, just before what the
	// click does about it (the trail, the claim); the second click's round
	// trip over the socket comes after.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.slack.Wait(ctx, func() bool {
		return strings.Contains(h.logs.String(), "reply sent, but Slack's answer was lost")
	}); err != nil {
		t.Fatalf("no warning that the Share's answer was lost: %v\n%s", err, h.logs.String())
	}
	r2 := h.click(a)[0]
	if r2.ResponseType == "in_channel" || r2.ReplaceOriginal {
		t.Errorf("a Share Slack took (its answer lost) was posted in the channel again (second: %q, replace %v)", r2.ResponseType, r2.ReplaceOriginal)
	}
	if !strings.Contains(text(r2), "shared") {
		t.Errorf("the second click is not told the answer was shared already: %q", text(r2))
	}
}
