package bot_test

import (
	"context"
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

// TestSecondShareAfterAnUnconfirmedOneIsNotToldItWasShared: a Share whose
// post Slack did not confirm (sent whole, its answer lost) keeps its claim,
// so a second click does not post it twice. That second click was told
// "This answer was shared in this channel a moment ago", and its entry
// said "already shared in this channel a moment ago": neither the bot nor
// the trail knows that. It is told that Slack did not confirm the first.
func TestSecondShareAfterAnUnconfirmedOneIsNotToldItWasShared(t *testing.T) {
	h := startBot(t, harnessOpts{})
	share := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: share}
	h.slack.DropResponseURLAnswers(1)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	env, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// The Share, then the note that its post is unconfirmed: the claim's
	// state is settled before the note is sent.
	if _, err := h.slack.WaitReplies(ctx, env.ID, 2); err != nil {
		t.Fatalf("the sharer was not told the Share is unconfirmed: %v\n%s", err, h.logs.String())
	}
	again := h.click(a)
	got := text(again[0])
	if again[0].ResponseType == "in_channel" {
		t.Fatalf("the second click posted the Share in the channel again:\n%s", got)
	}
	if strings.Contains(got, "This answer was shared") || !strings.Contains(got, "did not confirm") {
		t.Errorf("the second click, after a Share Slack did not confirm, reads:\n%s", got)
	}
	// The entry's detail: TestSecondShareEntrySaysWhatBecameOfTheFirst.
}

// TestSecondShareWhileTheFirstIsBeingPostedIsNotToldItWasShared: the claim
// of a Share is taken before its lookup and its post, so a double click's
// second envelope, handled while the first is still on its way to Slack,
// was told it "was shared in this channel a moment ago", and its entry
// said so, while that post could still fail (and then the claim is given
// back, the channel having seen nothing). It is told the first is being
// shared.
func TestSecondShareWhileTheFirstIsBeingPostedIsNotToldItWasShared(t *testing.T) {
	h := startBot(t, harnessOpts{})
	share := buttons(t, h.ask("U1", "C1", "ada@example.com"))[bot.ActionShare]["value"].(string)
	a := slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionShare, Value: share}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	release := h.slack.HoldResponseURL()
	defer release()
	first, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Wait(ctx, func() bool { return h.slack.HeldPosts() >= 1 }); err != nil {
		t.Fatalf("the first Share was never posted: %v", err)
	}
	second, err := h.slack.BlockAction(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// The second click's answer is decided, and posted (held too), while
	// the first's post is held.
	if err := h.slack.Wait(ctx, func() bool { return h.slack.HeldPosts() >= 2 }); err != nil {
		t.Fatalf("the second click was never answered: %v", err)
	}
	release()
	if _, err := h.slack.WaitReplies(ctx, first.ID, 1); err != nil {
		t.Fatal(err)
	}
	r, err := h.slack.WaitReplies(ctx, second.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := text(r[0])
	if r[0].ResponseType == "in_channel" {
		t.Fatalf("the second click posted the Share in the channel again:\n%s", got)
	}
	if strings.Contains(got, "This answer was shared") || !strings.Contains(got, "being shared") {
		t.Errorf("the second click, while the first Share was being posted, reads:\n%s", got)
	}
}

// TestFinishedAnswerIsNotReplacedAtAStop: whether a command was cut by a
// stop was read after its answer was made, from whether the stop had
// begun by then. An answer finished whole (its people looked up, here
// while the sites' names were still being read, which a stop only ends
// the wait for) was thrown away for the "restarting… run the command
// again" notice, and the trail kept its "ok" entry: an answer audited as
// given that nobody saw. A finished answer is posted as it is.
func TestFinishedAnswerIsNotReplacedAtAStop(t *testing.T) {
	org := atlassiantest.SampleOrg(time.Now().UTC())
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer sl.Close()
	sitesAsked := make(chan struct{}, 1)
	unblock := make(chan struct{})
	defer close(unblock)
	atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if !strings.Contains(r.URL.Path, "workspaces") {
			return atlassiantest.Failure{}, false
		}
		select {
		case sitesAsked <- struct{}{}:
		default:
		}
		select { // the sites' names are read until the test ends
		case <-unblock:
		case <-r.Context().Done():
		}
		return atlassiantest.Failure{}, false
	})
	var logs testlog.Buffer
	app, err := wire.Build(wire.Settings{
		JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
		CacheTTL: time.Hour,
		Logger:   slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:      bot.BotConfig{ShutdownTimeout: 300 * time.Millisecond, PostGrace: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
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
	case <-sitesAsked:
	case <-wctx.Done():
		t.Fatal("the sites' names were never read")
	}
	// Ada's activity has been read (the client logs each request once its
	// answer is in): her answer waits only for the sites' names.
	if err := sl.Wait(wctx, func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"msg":"atlassian request"`) && strings.Contains(l, "last-active") && strings.Contains(l, `"status":200`) {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("Ada's activity was never read: %v", err)
	}
	stop()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	r := sl.Replies(env.ID)
	if len(r) != 1 {
		t.Fatalf("%d replies, want the answer:\n%s", len(r), logs.String())
	}
	if got := text(r[0]); strings.Contains(got, "restarting") || !strings.Contains(got, "Jira") {
		t.Errorf("a finished answer was replaced at the stop; the asker read:\n%s", got)
	}
	var ok, undelivered bool
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"action":"lookup"`) {
			ok = ok || strings.Contains(l, `"outcome":"ok"`)
			undelivered = undelivered || strings.Contains(l, `"outcome":"undelivered"`)
		}
	}
	if !ok || undelivered {
		t.Errorf("the trail of an answer posted whole: ok %v, undelivered %v; want ok only:\n%s", ok, undelivered, logs.String())
	}
}

// TestRestartingNoticeLeavesAPartAnswerUndelivered: a command the stop cut
// part-way (one person read, the other not) is answered with the
// "restarting" notice, and its entry says "partial", Ada "ok". When that
// notice was posted fine, nothing more was written: the trail said Ada's
// answer was given, and nobody saw it. The answer gets its second entry,
// "undelivered", whatever became of the notice.
func TestRestartingNoticeLeavesAPartAnswerUndelivered(t *testing.T) {
	org := atlassiantest.SampleOrg(time.Now().UTC())
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	sl := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer sl.Close()
	graceAsked := make(chan struct{}, 1)
	atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if !strings.Contains(r.URL.Path, "last-active") || !strings.Contains(r.URL.Path, "00000006ace1") {
			return atlassiantest.Failure{}, false
		}
		select {
		case graceAsked <- struct{}{}:
		default:
		}
		return atlassiantest.Failure{Delay: time.Hour}, true // Grace's hangs until the stop
	})
	var logs testlog.Buffer
	app, err := wire.Build(wire.Settings{
		JiraBaseURL: atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminAPIURL: atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: sl.APIURL(),
		CacheTTL: time.Hour,
		Logger:   slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Socket:   slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:      bot.BotConfig{ShutdownTimeout: 100 * time.Millisecond, PostGrace: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	returned := make(chan error, 1)
	go func() { returned <- app.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := sl.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	env, err := sl.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com grace@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-graceAsked:
	case <-wctx.Done():
		t.Fatal("Grace's activity was never asked for")
	}
	if err := sl.Wait(wctx, func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"msg":"atlassian request"`) && strings.Contains(l, "ada1/last-active") && strings.Contains(l, `"status":200`) {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("Ada's activity was never read: %v", err)
	}
	stop()
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	if r := sl.Replies(env.ID); len(r) != 1 || !strings.Contains(r[0].Text, "restarting") {
		t.Fatalf("the cut command's replies: %+v, want the restarting notice", r)
	}
	var partial, undelivered bool
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"action":"lookup"`) {
			partial = partial || strings.Contains(l, `"outcome":"partial"`)
			undelivered = undelivered || strings.Contains(l, `"outcome":"undelivered"`)
		}
	}
	if !partial || !undelivered {
		t.Errorf("an answer part-made, its restarting notice posted in its place: audited partial %v, undelivered %v; want both:\n%s",
			partial, undelivered, logs.String())
	}
}

// TestReplyAnsweredOKWithItsBodyCutIsDelivered: a response_url post Slack
// answered 200 whose body was then cut short. Slack refuses a reply with a
// 4xx or 5xx status (expired_url, invalid_blocks…), so its 200 says it took
// the reply: it counts as delivered and is not posted again, as before.
// But the failed read of the answer was dropped without a word; the
// operator is now told, in a warning of its own.
func TestReplyAnsweredOKWithItsBodyCutIsDelivered(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.CutResponseURLAnswers(1)
	env := h.send("U1", "C1", "ada@example.com")
	if got := text(h.reply(env)); !strings.Contains(got, "Jira") {
		t.Fatalf("the reply:\n%s", got)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	warned := func() bool {
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if strings.Contains(l, `"level":"WARN"`) && strings.Contains(l, "answered 200") && strings.Contains(l, "counted as delivered") {
				return true
			}
		}
		return false
	}
	if err := h.slack.Wait(ctx, warned); err != nil {
		t.Errorf("no warning that Slack's answer could not be read: %v\n%s", err, h.logs.String())
	}
	if n := len(h.slack.ResponseAttempts(env.ID)); n != 1 {
		t.Errorf("%d posts of one reply Slack answered 200, want 1", n)
	}
	if l := h.auditLinesWith(`"action":"lookup"`, `"outcome":"ok"`); len(l) != 1 {
		t.Errorf("%d ok lookup entries, want 1:\n%s", len(l), h.logs.String())
	}
	for _, o := range []string{"undelivered", "unconfirmed"} {
		if l := h.auditLinesWith(`"outcome":"` + o + `"`); len(l) > 0 {
			t.Errorf("a reply Slack answered 200 is audited %s:\n%s", o, strings.Join(l, "\n"))
		}
	}
}
