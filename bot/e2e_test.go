package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/slacksocket"
	"lastactive/internal/testlog"
	"lastactive/internal/wire"
	"lastactive/seat"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is the real bot, with the real slack-go client, between a fake
// Slack and a fake Atlassian, all on loopback.
type harness struct {
	t     *testing.T
	slack *slacktest.Server
	atl   *atlassiantest.Server
	org   *atlassiantest.Org
	logs  *testlog.Buffer
	now   time.Time
	app   *wire.App
}

type harnessOpts struct {
	gate        bot.GateConfig
	ttl         time.Duration
	badAppToken bool
	// reports turns on idle reports, over the bot's own Atlassian client,
	// with the CSV sent through its Slack client.
	reports bool
	prices  seat.Prices
	// currency is LASTACTIVE_CURRENCY; "" is the default.
	currency string
	// progressEvery is the least time between report progress updates.
	progressEvery time.Duration
	// org, when set, changes the sample organisation before the fakes start.
	org func(*atlassiantest.Org)
	// noJira leaves JIRA_* unset: people are found by the Admin API alone.
	noJira bool
	// digestChannel is LASTACTIVE_DIGEST_CHANNEL.
	digestChannel string
	// ownWorkspaceOnly is LASTACTIVE_OWN_WORKSPACE_ONLY.
	ownWorkspaceOnly bool
	// metrics, when set, counts what the bot does (wire.Settings.Metrics).
	metrics *bot.Metrics
	// maxInFlight is bot.BotConfig.MaxInFlight; 0 is the default.
	maxInFlight int
}

func startBot(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	if o.org != nil {
		o.org(org)
	}
	h := &harness{t: t, org: org, now: now, logs: &testlog.Buffer{}}
	h.atl = atlassiantest.NewServer(org)
	h.slack = slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	if o.badAppToken {
		h.slack.SetAppTokenValid(false)
	}
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ttl := o.ttl
	if ttl == 0 {
		ttl = time.Hour
	}
	// The bot as the binary builds it (internal/wire), with quicker retries
	// and pings. This is why these tests are in package bot_test: wire
	// imports bot.
	jiraURL, jiraEmail, jiraToken := h.atl.URL(), atlassiantest.JiraEmail, atlassiantest.JiraAPIToken
	if o.noJira {
		jiraURL, jiraEmail, jiraToken = "", "", ""
	}
	app, err := wire.Build(wire.Settings{
		JiraBaseURL: jiraURL, JiraEmail: jiraEmail, JiraAPIToken: jiraToken,
		AdminAPIURL: h.atl.URL(), OrgID: org.ID, APIKey: atlassiantest.APIKey,
		SlackAppToken: slacktest.AppToken, SlackBotToken: slacktest.BotToken, SlackAPIURL: h.slack.APIURL(),
		CacheTTL: ttl, AllowedUsers: o.gate.AllowedUsers, AllowedChannels: o.gate.AllowedChannels, ReportUsers: o.gate.ReportUsers,
		PerUserEvery: o.gate.PerUserEvery, PerUserBurst: o.gate.PerUserBurst,
		IdleDays: bot.DefaultIdleDays, SeatPrices: o.prices, Currency: o.currency, Reports: o.reports,
		ReportProgressEvery: o.progressEvery, DigestChannel: o.digestChannel, OwnWorkspaceOnly: o.ownWorkspaceOnly,
		Logger: log, Metrics: o.metrics,
		AtlassianOptions: []atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{
			MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxWait: 5 * time.Second,
		})},
		Socket: slacksocket.Options{PingInterval: 2 * time.Second},
		Bot:    bot.BotConfig{ShutdownTimeout: 2 * time.Second, MaxInFlight: o.maxInFlight},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	h.app = app
	b := app
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		h.slack.Close()
		h.atl.Close()
		for _, secret := range []string{atlassiantest.JiraAPIToken, atlassiantest.APIKey, slacktest.BotToken, slacktest.AppToken} {
			if strings.Contains(h.logs.String(), secret) {
				t.Errorf("a secret reached the logs")
			}
		}
	})
	if !o.badAppToken {
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		if err := h.slack.WaitConnected(wctx); err != nil {
			t.Fatalf("bot did not connect: %v", err)
		}
	}
	return h
}

// ask sends a slash command and returns its one reply.
func (h *harness) ask(user, channel, text string) slacktest.Reply {
	h.t.Helper()
	env := h.send(user, channel, text)
	return h.reply(env)
}

func (h *harness) send(user, channel, text string) *slacktest.Envelope {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A reconnect may be under way (tests cause them): wait for a socket.
	if err := h.slack.WaitConnected(ctx); err != nil {
		h.t.Fatalf("no connection: %v", err)
	}
	env, err := h.slack.SlashCommand(ctx, slacktest.Command{UserID: user, ChannelID: channel, Text: text})
	if err != nil {
		h.t.Fatalf("send command: %v", err)
	}
	return env
}

func (h *harness) reply(env *slacktest.Envelope) slacktest.Reply {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := h.slack.WaitAck(ctx, env.ID); err != nil {
		h.t.Fatalf("no ack: %v", err)
	}
	replies, err := h.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		h.t.Fatalf("no reply: %v", err)
	}
	return replies[0]
}

// text is everything a person can read in a reply: the fallback and every
// text in the blocks.
func text(r slacktest.Reply) string {
	var b strings.Builder
	b.WriteString(r.Text)
	b.WriteString("\n")
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				if s, ok := vv.(string); ok && (k == "text" || k == "url") {
					b.WriteString(s)
					b.WriteString("\n")
				}
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	var blocks any
	_ = json.Unmarshal(r.Blocks, &blocks)
	walk(blocks)
	return b.String()
}

func (h *harness) user(email string) atlassiantest.User {
	for _, u := range h.org.Users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	h.t.Fatalf("no sample user %s", email)
	return atlassiantest.User{}
}

// adminCalls counts the Admin requests of lookups; the workspaces read
// (site names, once an hour for the whole process) is counted apart.
func (h *harness) adminCalls() int {
	return h.atl.Count("admin", "") - h.atl.CountEndpoint(atlassiantest.EndpointWorkspaces)
}
func (h *harness) jiraCalls() int { return h.atl.Count("jira", "") }

func TestLookupAcrossPages(t *testing.T) {
	h := startBot(t, harnessOpts{})
	// The sample user with the most products spans several pages.
	var many atlassiantest.User
	for _, u := range h.org.Users {
		if len(u.Products) > len(many.Products) && u.Email != "" && !u.HideEmail {
			many = u
		}
	}
	if len(many.Products) < 5 {
		t.Fatalf("sample org has nobody spanning 3+ pages")
	}
	r := h.ask("U1", "C1", many.Email)
	if r.ResponseType != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", r.ResponseType)
	}
	got := text(r)
	for _, p := range many.Products {
		if p.LastActive.IsZero() {
			continue
		}
		if d := p.LastActive.UTC().Format(time.DateOnly); !strings.Contains(got, d) {
			t.Errorf("reply lacks %s date %s:\n%s", p.Key, d, got)
		}
	}
	if !many.AddedToOrg.IsZero() && !strings.Contains(got, many.AddedToOrg.UTC().Format(time.DateOnly)) {
		t.Errorf("reply lacks the join date")
	}
	if h.atl.Count("admin", "") < 3 {
		t.Errorf("admin calls = %d, want the 3+ pages", h.adminCalls())
	}
}

func TestCacheFreshAndCoalescing(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.ask("U1", "C1", "ada@example.com")
	admin := h.adminCalls()
	if admin == 0 {
		t.Fatal("no Admin call for the first lookup")
	}
	h.ask("U1", "C1", "ada@example.com")
	if got := h.adminCalls(); got != admin {
		t.Errorf("second lookup cost %d Admin calls, want 0", got-admin)
	}
	h.ask("U1", "C1", "ada@example.com --fresh")
	if got := h.adminCalls(); got != 2*admin {
		t.Errorf("--fresh cost %d Admin calls, want %d", got-admin, admin)
	}

	// 20 concurrent commands about one new person: one Jira search, one chain.
	target := h.user("grace@example.com")
	jira0, admin0 := h.jiraCalls(), h.adminCalls()
	envs := make([]*slacktest.Envelope, 20)
	for i := range envs {
		envs[i] = h.send(fmt.Sprintf("U%d", i+10), "C1", target.Email)
	}
	for _, e := range envs {
		if got := text(h.reply(e)); !strings.Contains(got, target.DisplayName) {
			t.Errorf("reply does not name %s", target.DisplayName)
		}
	}
	if got := h.jiraCalls() - jira0; got != 1 {
		t.Errorf("Jira searches = %d, want 1", got)
	}
	pages := max(1, (len(target.Products)+1)/2) // default page size 2
	if got := h.adminCalls() - admin0; got != pages {
		t.Errorf("Admin calls = %d, want %d (one chain)", got, pages)
	}
}

func TestCommandForms(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	ada := h.user("ada@example.com")
	cases := []struct {
		name, text string
		want       []string
		upstream   bool
	}{
		{"mention", "<@U0ADA>", []string{ada.DisplayName}, true},
		{"mention with name", "<@U0ADA|ada>", []string{ada.DisplayName}, true},
		{"mailto", "<mailto:ada@example.com|ada@example.com>", []string{ada.DisplayName}, true},
		{"two people", "ada@example.com grace@example.com", []string{ada.DisplayName, h.user("grace@example.com").DisplayName}, true},
		{"help", "help", []string{"/lastactive"}, false},
		{"empty", "", []string{"/lastactive"}, false},
		{"bad email", "not-an-email", []string{"email"}, false},
		{"long text", strings.Repeat("a", 12000), []string{"long"}, false},
		{"channel special", "<!channel>", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := h.jiraCalls() + h.adminCalls()
			txt := c.text
			if c.upstream {
				txt += " --fresh" // so the cache cannot hide the upstream call
			}
			r := h.ask("U1", "C1", txt)
			got := text(r)
			for _, w := range c.want {
				if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
					t.Errorf("reply lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "<!channel>") || strings.Contains(string(r.Blocks), "<!channel>") {
				t.Errorf("reply echoes <!channel> raw")
			}
			calls := h.jiraCalls() + h.adminCalls() - before
			if c.upstream && calls == 0 {
				t.Errorf("no upstream call")
			}
			if !c.upstream && calls != 0 {
				t.Errorf("%d upstream calls for an invalid command", calls)
			}
		})
	}
}

func TestFailuresGetTheirOwnReply(t *testing.T) {
	h := startBot(t, harnessOpts{ttl: -1})
	cases := []struct {
		name    string
		text    string
		failure *atlassiantest.Failure
		want    string
	}{
		{"not found", "nobody@example.com", nil, "not found"},
		{"admin 401", "ada@example.com", &atlassiantest.Failure{API: "admin", Status: 401}, "key"},
		{"429 then success", "ada@example.com", &atlassiantest.Failure{API: "admin", Status: 429, RetryAfter: "1", Times: 1}, h.user("ada@example.com").DisplayName},
		{"persistent 500", "ada@example.com", &atlassiantest.Failure{API: "admin", Status: 500}, "unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.failure != nil {
				remove := h.atl.Fail(*c.failure)
				defer remove()
			}
			got := text(h.ask("U1", "C1", c.text))
			if !strings.Contains(strings.ToLower(got), strings.ToLower(c.want)) {
				t.Errorf("reply lacks %q:\n%s", c.want, got)
			}
		})
	}
	// And the bot goes on serving.
	if got := text(h.ask("U1", "C1", "ada@example.com")); !strings.Contains(got, h.user("ada@example.com").DisplayName) {
		t.Errorf("the next command failed:\n%s", got)
	}
}

func TestReconnectsAndDuplicates(t *testing.T) {
	h := startBot(t, harnessOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opens := h.slack.Opens()
	h.slack.Disconnect("refresh_requested")
	if err := h.slack.Wait(ctx, func() bool { return h.slack.Opens() > opens }); err != nil {
		t.Fatalf("no reconnect after disconnect: %v", err)
	}
	h.ask("U1", "C1", "help")

	opens = h.slack.Opens()
	h.slack.DropConnections()
	if err := h.slack.Wait(ctx, func() bool { return h.slack.Opens() > opens }); err != nil {
		t.Fatalf("no reconnect after a dropped socket: %v", err)
	}
	env := h.send("U1", "C1", "ada@example.com")
	h.reply(env)
	if err := h.slack.Resend(ctx, env); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Wait(ctx, func() bool { return h.slack.Acks(env.ID) >= 2 }); err != nil {
		t.Fatalf("the redelivered envelope was not acked: %v", err)
	}
	// A later command's reply proves the duplicate was handled before it.
	h.ask("U1", "C1", "help")
	if n := len(h.slack.Replies(env.ID)); n != 1 {
		t.Errorf("duplicate envelope answered %d times, want 1", n)
	}
}

func TestFatalAuthIsRetried(t *testing.T) {
	h := startBot(t, harnessOpts{badAppToken: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.slack.Wait(ctx, func() bool { return strings.Contains(h.logs.String(), "invalid_auth") }); err != nil {
		t.Fatalf("invalid_auth was not logged: %v\n%s", err, h.logs.String())
	}
	h.slack.SetAppTokenValid(true)
	if err := h.slack.WaitConnected(ctx); err != nil {
		t.Fatalf("the bot did not retry after invalid_auth: %v", err)
	}
	h.ask("U1", "C1", "help")
}

func TestRefusalsCostNoUpstreamCall(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{
		AllowedUsers: []string{"UOK"}, AllowedChannels: []string{"COK"}, PerUserEvery: time.Hour, PerUserBurst: 2,
	}})
	cases := []struct{ name, user, channel, text, want string }{
		{"user not allowed", "UNO", "COK", "ada@example.com", "not allowed"},
		{"channel not allowed", "UOK", "CNO", "ada@example.com", "not allowed"},
		{"rate limited", "UOK", "COK", "a@example.com b@example.com c@example.com", "try again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := h.jiraCalls() + h.adminCalls()
			got := text(h.ask(c.user, c.channel, c.text))
			if !strings.Contains(strings.ToLower(got), c.want) {
				t.Errorf("reply lacks %q:\n%s", c.want, got)
			}
			if calls := h.jiraCalls() + h.adminCalls() - before; calls != 0 {
				t.Errorf("%d upstream calls for a refused command", calls)
			}
		})
	}
	if !strings.Contains(h.logs.String(), `"outcome":"refused"`) {
		t.Errorf("no audit line for the refusal")
	}
}

// TestRefusalSaysWhichListRefused: an agent outside LASTACTIVE_ALLOWED_USERS
// was told "You are not allowed to use /lastactive here", as someone in a
// channel outside LASTACTIVE_ALLOWED_CHANNELS is: they went on to try it in
// other channels and in a direct message, refused each time. A refusal for
// the person says it is about them wherever they ask; one for the channel
// says it is this channel.
func TestRefusalSaysWhichListRefused(t *testing.T) {
	h := startBot(t, harnessOpts{gate: bot.GateConfig{AllowedUsers: []string{"UOK"}, AllowedChannels: []string{"COK"}}})
	user := text(h.ask("UNO", "COK", "ada@example.com"))
	if strings.Contains(user, " here") || !strings.Contains(user, "not allowed to use /lastactive") || !strings.Contains(user, "in any channel") {
		t.Errorf("a person outside the allowed users is not told the refusal is about them, wherever they ask:\n%s", user)
	}
	channel := text(h.ask("UOK", "CNO", "ada@example.com"))
	if !strings.Contains(channel, "not allowed to use /lastactive here") || !strings.Contains(channel, "channel") {
		t.Errorf("a person in a channel outside the allowed channels is not told it is the channel:\n%s", channel)
	}
}

func TestReplyRetriedOnSlackFailure(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.FailResponseURL(1, 500)
	env := h.send("U1", "C1", "help")
	r := h.reply(env)
	if !strings.Contains(text(r), "/lastactive") {
		t.Errorf("retried reply is not the help:\n%s", text(r))
	}
	if n := len(h.slack.ResponseAttempts(env.ID)); n != 2 {
		t.Errorf("response_url attempts = %d, want 2 (one 500, one success)", n)
	}
}

// TestReplyWhoseAnswerIsLostIsNotPostedTwice: Slack took the reply but its
// answer never came back (the connection dropped). The asker sees the reply
// once: it is not posted again. The operator is told it apart from a reply
// that could not be posted: its own warning and
// lastactive_reply_unconfirmed_total, not lastactive_reply_failures_total.
func TestReplyWhoseAnswerIsLostIsNotPostedTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := startBot(t, harnessOpts{metrics: bot.NewMetrics(reg)})
	h.slack.DropResponseURLAnswers(1)
	env := h.send("U1", "C1", "help")
	h.reply(env)
	// The warning is logged when the post has ended (after the metric).
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(h.logs.String(), "reply sent, but Slack's answer was lost; not posted again") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(h.logs.String(), "reply sent, but Slack's answer was lost; not posted again") {
		t.Errorf("no warning that the reply's answer was lost:\n%s", h.logs.String())
	}
	if n := len(h.slack.ResponseAttempts(env.ID)); n != 1 {
		t.Errorf("response_url posts = %d, want 1 (the asker sees each one Slack took)", n)
	}
	want := `
# HELP lastactive_reply_failures_total Replies that could not be posted to Slack.
# TYPE lastactive_reply_failures_total counter
lastactive_reply_failures_total 0
# HELP lastactive_reply_unconfirmed_total Replies sent whole whose answer from Slack was lost: not posted again, so shown once or not at all.
# TYPE lastactive_reply_unconfirmed_total counter
lastactive_reply_unconfirmed_total 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lastactive_reply_failures_total", "lastactive_reply_unconfirmed_total"); err != nil {
		t.Error(err)
	}
}

// runApp runs app until stop is called and waits until it is connected to
// fake. ctx bounds the whole test (60 s). stop stops the app and waits for
// Run to return; defer it after anything the app uses (and after
// app.Close), so that it runs first.
func runApp(t *testing.T, app *wire.App, fake *slacktest.Server) (ctx context.Context, stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = app.Run(runCtx) }()
	stop = func() { stopRun(); <-done; cancel() }
	if err := fake.WaitConnected(ctx); err != nil {
		stop()
		t.Fatal(err)
	}
	return ctx, stop
}

// TestUndeliveredReplyIsAudited: a lookup whose reply Slack never took (every
// response_url attempt failed) is in the trail a second time as
// undelivered: its "ok" line alone said the person had their answer.
func TestUndeliveredReplyIsAudited(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.FailResponseURL(10, 500)
	h.send("U1", "C1", "ada@example.com")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(h.logs.String(), `"outcome":"undelivered"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var line string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"outcome":"undelivered"`) {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, "ada@example.com") || !strings.Contains(line, `"kind":"lookup"`) {
		t.Fatalf("no undelivered audit line for the lookup:\n%s", h.logs.String())
	}
}

// TestUndeliveredClickIsAudited: a Share or Refresh whose reply Slack never
// took is in the trail a second time as undelivered, under its own action
// (before, only commands were: a Share that never reached the channel read
// as shared).
func TestUndeliveredClickIsAudited(t *testing.T) {
	h := startBot(t, harnessOpts{})
	first := h.ask("U1", "C1", "ada@example.com")
	btn := buttons(t, first)
	for _, c := range []struct{ action, audit string }{
		{bot.ActionShare, "share"},
		{bot.ActionRefresh, "refresh"},
	} {
		h.slack.FailResponseURL(10, 500)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		env, err := h.slack.BlockAction(ctx, slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: c.action, Value: btn[c.action]["value"].(string)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		want := `"action":"` + c.audit + `"`
		deadline := time.Now().Add(20 * time.Second)
		found := func() bool {
			for _, l := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"outcome":"undelivered"`) && strings.Contains(l, want) {
					return true
				}
			}
			return false
		}
		for !found() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !found() {
			t.Errorf("%s (envelope %s): no undelivered audit line with %s:\n%s", c.action, env.ID, want, h.logs.String())
		}
	}
}

// TestUndeliveredShortcutIsAudited: an author shortcut whose answer Slack
// never took is in the trail a second time as undelivered under its own
// action, shortcut. Before, that entry said "lookup": the trail held a
// shortcut answered "ok" and an undelivered lookup nobody had asked for.
func TestUndeliveredShortcutIsAudited(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0GRACE", Name: "grace", Email: "grace@example.com"})
	h.slack.FailResponseURL(10, 500)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := h.slack.MessageShortcut(ctx, slacktest.Shortcut{UserID: "U1", ChannelID: "C1",
		CallbackID: bot.ShortcutAuthor, MessageUserID: "U0GRACE", MessageText: "hello"}); err != nil {
		t.Fatal(err)
	}
	undelivered := func() (lines []string) {
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if strings.Contains(l, `"msg":"audit"`) && strings.Contains(l, `"outcome":"undelivered"`) {
				lines = append(lines, l)
			}
		}
		return lines
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(undelivered()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	lines := undelivered()
	if len(lines) != 1 {
		t.Fatalf("%d undelivered audit lines, want 1:\n%s", len(lines), h.logs.String())
	}
	if !strings.Contains(lines[0], `"action":"shortcut"`) || !strings.Contains(lines[0], "grace@example.com") {
		t.Errorf("the undelivered shortcut is not audited as a shortcut about its author:\n%s", lines[0])
	}
}
