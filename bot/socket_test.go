package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/backoff"
)

// fakeSocket is a Socket without a WebSocket: the test puts events on it
// (acked already, as slacksocket hands them on) and reads back, in order
// with the replies, when the Bot took each (log). Its channel has no
// buffer, so a put returns only once the Bot's loop took the event.
type fakeSocket struct {
	events chan socketmode.Event
	log    *eventLog
	name   string
	runs   atomic.Int64
	// run, when set, replaces the default RunContext, which says
	// "connected" and blocks until ctx is done.
	run func(ctx context.Context, events chan<- socketmode.Event) error
}

func newFakeSocket(name string, log *eventLog) *fakeSocket {
	return &fakeSocket{events: make(chan socketmode.Event), log: log, name: name}
}

func (f *fakeSocket) RunContext(ctx context.Context) error {
	f.runs.Add(1)
	if f.run != nil {
		return f.run(ctx, f.events)
	}
	select {
	case f.events <- socketmode.Event{Type: socketmode.EventTypeConnected}:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-ctx.Done()
	return ctx.Err()
}

// put hands evt to the Bot and logs that it was taken.
func (f *fakeSocket) put(evt socketmode.Event) {
	f.events <- evt
	f.log.add("taken " + f.name + " " + evt.Request.EnvelopeID)
}

func (f *fakeSocket) Events() <-chan socketmode.Event { return f.events }

// eventLog records acks and replies in the order they happened.
type eventLog struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *eventLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *eventLog) count(prefix string) int { return countLines(l.snapshot(), prefix) }

func countLines(lines []string, prefix string) int {
	n := 0
	for _, s := range lines {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// waitFor waits until cond holds on the log (cond runs under the log's
// lock: it must only read the lines it is given), or fails the test after 10 s
// (a safety net, not a measurement).
func (l *eventLog) waitFor(t *testing.T, what string, cond func([]string) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		l.mu.Lock()
		ok, ch := cond(l.lines), l.changed
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("waiting for %s; log: %q", what, l.snapshot())
		}
	}
}

// replySink is a response_url on loopback: it checks each post is a JSON
// message and logs "reply <path> <response_type> <replace> <text>".
func replySink(t *testing.T, log *eventLog) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ResponseType    string `json:"response_type"`
			Text            string `json:"text"`
			ReplaceOriginal bool   `json:"replace_original"`
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if r.Method != http.MethodPost || ct != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil || body.Text == "" {
			t.Errorf("bad reply post: %s %s", r.Method, ct)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		log.add(strings.Join([]string{"reply", r.URL.Path, body.ResponseType, boolWord(body.ReplaceOriginal), body.Text}, " "))
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func boolWord(b bool) string {
	if b {
		return "replace"
	}
	return "new"
}

// unit is a Bot over fake sockets, with a real Service over the Atlassian
// fake, replying to a loopback sink.
type unit struct {
	t       *testing.T
	log     *eventLog
	sockets []*fakeSocket
	atl     *atlassiantest.Server
	sink    *httptest.Server
	bot     *Bot
	svc     *Service
	stop    func()
}

func startUnit(t *testing.T, nSockets int, cfg BotConfig, scfg ServiceConfig) *unit {
	t.Helper()
	u := &unit{t: t, log: newEventLog()}
	u.atl = atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()))
	t.Cleanup(u.atl.Close)
	u.sink = replySink(t, u.log)
	client, err := atlassian.New(atlassian.Config{
		JiraBaseURL: u.atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminBaseURL: u.atl.URL(), OrgID: atlassiantest.OrgID, APIKey: atlassiantest.APIKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	scfg.Lookups = NewLookups(client, LookupOptions{TTL: time.Hour})
	if scfg.Gate == nil {
		scfg.Gate = NewGate(GateConfig{PerUserBurst: 1000})
	}
	scfg.OrgID = atlassiantest.OrgID
	u.svc = NewService(scfg)
	tr := Transport{Responder: NewResponder(u.sink.Client(), u.sink.URL)}
	for i := range nSockets {
		s := newFakeSocket(string(rune('a'+i)), u.log)
		u.sockets = append(u.sockets, s)
		tr.Sockets = append(tr.Sockets, s)
	}
	u.bot = NewBot(tr, u.svc, cfg, nil, scfg.Metrics)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.bot.Run(ctx) }()
	var once sync.Once
	u.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(u.stop)
	return u
}

// hang holds every Admin API request whose path contains part until the
// returned release is called (the Cleanup calls it too).
func (u *unit) hang(part string) (release func()) {
	ch := make(chan struct{})
	u.atl.SetChaos(func(r *http.Request) (atlassiantest.Failure, bool) {
		if strings.Contains(r.URL.Path, part) {
			select {
			case <-ch:
			case <-r.Context().Done():
			}
		}
		return atlassiantest.Failure{}, false
	})
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	u.t.Cleanup(release)
	return release
}

func (u *unit) command(socket int, envelopeID, user, text string) {
	u.sockets[socket].put(socketmode.Event{
		Type:    socketmode.EventTypeSlashCommand,
		Data:    slack.SlashCommand{UserID: user, ChannelID: "C1", Text: text, ResponseURL: u.sink.URL + "/" + envelopeID},
		Request: &socketmode.Request{EnvelopeID: envelopeID, Type: "slash_commands"},
	})
}

func (u *unit) click(envelopeID, actionID, value string) {
	u.sockets[0].put(socketmode.Event{
		Type: socketmode.EventTypeInteractive,
		Data: slack.InteractionCallback{
			Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U1"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
			ResponseURL:    u.sink.URL + "/" + envelopeID,
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, Value: value}}},
		},
		Request: &socketmode.Request{EnvelopeID: envelopeID, Type: "interactive"},
	})
}

func hasLine(prefix string) func([]string) bool {
	return func(lines []string) bool {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		return false
	}
}

// TestBotTakesBeforeWork: the Bot's loop takes the next envelope while a
// lookup is still waiting on Atlassian, and the reply follows.
func TestBotTakesBeforeWork(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{StillLooking: -1})
	release := u.hang(atlassiantest.AdaAccountID)
	u.command(0, "E1", "U1", "ada@example.com")
	u.command(0, "E2", "U1", "help")
	u.log.waitFor(t, "E2's reply", hasLine("reply /E2 "))
	if n := u.log.count("reply /E1"); n != 0 {
		t.Fatalf("%d replies to E1 before Atlassian answered", n)
	}
	release()
	u.log.waitFor(t, "the reply", hasLine("reply /E1 ephemeral new"))
	if l := u.log.snapshot(); l[0] != "taken a E1" {
		t.Errorf("first event %q, want E1 taken", l[0])
	}
}

// TestBotDedupeAcrossSockets: Slack redelivers an envelope on the other
// connection; each delivery is taken from the socket it came on, and the
// command is answered once.
func TestBotDedupeAcrossSockets(t *testing.T) {
	u := startUnit(t, 2, BotConfig{}, ServiceConfig{})
	u.command(0, "E1", "U1", "help")
	u.command(1, "E1", "U1", "help")
	u.command(1, "E2", "U1", "help") // a later command on the second socket
	u.log.waitFor(t, "both deliveries and E2's reply", func(l []string) bool {
		return hasLine("taken a E1")(l) && hasLine("taken b E1")(l) && hasLine("reply /E2")(l)
	})
	u.stop() // everything acked is answered before Run returns
	if n := u.log.count("reply /E1"); n != 1 {
		t.Errorf("E1 answered %d times, want 1", n)
	}
}

// TestBotBusy: beyond MaxInFlight a command is told the bot is busy,
// without waiting for the work ahead of it.
func TestBotBusy(t *testing.T) {
	u := startUnit(t, 1, BotConfig{MaxInFlight: 1}, ServiceConfig{StillLooking: -1})
	release := u.hang(atlassiantest.AdaAccountID)
	u.command(0, "E1", "U1", "ada@example.com")
	u.log.waitFor(t, "E1 taken", hasLine("taken a E1"))
	u.command(0, "E2", "U2", "help")
	u.log.waitFor(t, "E2's busy reply", hasLine("reply /E2 ephemeral new The bot is very busy"))
	if n := u.log.count("reply /E1"); n != 0 {
		t.Errorf("E1 answered before Atlassian did")
	}
	release()
	u.log.waitFor(t, "E1's answer", hasLine("reply /E1"))
}

// TestBotHelpDoesNotWaitForSlowLookups: help and a healthy lookup are
// answered while many commands wait on one slow person.
func TestBotHelpDoesNotWaitForSlowLookups(t *testing.T) {
	u := startUnit(t, 1, BotConfig{MaxInFlight: 200}, ServiceConfig{StillLooking: -1})
	release := u.hang(atlassiantest.AdaAccountID)
	for i := range 80 {
		u.command(0, "S"+string(rune('A'+i/26))+string(rune('a'+i%26)), "U1", "ada@example.com")
	}
	u.command(0, "H", "U2", "help")
	u.command(0, "G", "U3", "grace@example.com")
	u.log.waitFor(t, "help and grace", func(l []string) bool { return hasLine("reply /H ")(l) && hasLine("reply /G ")(l) })
	if n := u.log.count("reply /S"); n != 0 {
		t.Fatalf("%d slow lookups answered before help and grace", n)
	}
	release()
	u.log.waitFor(t, "the 80", func(l []string) bool { return countLines(l, "reply /S") == 80 })
}

// TestBotUnreadableMessage: a frame the socket could not parse (it acked
// it by its envelope_id) is answered by nobody and holds up nothing.
func TestBotUnreadableMessage(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{})
	u.sockets[0].events <- socketmode.Event{Type: socketmode.EventTypeErrorBadMessage,
		Data: &socketmode.ErrorBadMessage{Cause: errors.New("bad"), Message: json.RawMessage(`{"envelope_id":"BAD","type":"slash_commands","payload":7}`)}}
	u.command(0, "E1", "U1", "help") // events are handled in order
	u.log.waitFor(t, "E1's reply", hasLine("reply /E1"))
	if n := u.log.count("reply /BAD"); n != 0 {
		t.Errorf("unreadable envelope answered")
	}
}

// TestBotReadyWhileOneSocketOpen: readiness is "at least one connection
// open"; a refresh of one of two sockets keeps the bot ready.
func TestBotReadyWhileOneSocketOpen(t *testing.T) {
	u := startUnit(t, 2, BotConfig{}, ServiceConfig{})
	waitUntil(t, "both sockets open", func() bool { return u.bot.openCount() == 2 })
	u.sockets[0].events <- socketmode.Event{Type: socketmode.EventTypeDisconnect}
	u.command(1, "E1", "U1", "help") // handled after the disconnect on a
	u.log.waitFor(t, "E1's reply", hasLine("reply /E1"))
	waitUntil(t, "socket a closed", func() bool { return !u.bot.open[0].Load() })
	if !u.bot.Ready() {
		t.Errorf("not ready with socket b open")
	}
	u.sockets[1].events <- socketmode.Event{Type: socketmode.EventTypeConnecting}
	waitUntil(t, "not ready with no socket open", func() bool { return !u.bot.Ready() })
	u.sockets[0].events <- socketmode.Event{Type: socketmode.EventTypeConnected}
	waitUntil(t, "ready again", u.bot.Ready)
}

// TestBotReconnectsWithBackoff: when slack-go gives up (an auth error ends
// RunContext), the socket is run again, after a backoff.Policy delay.
func TestBotReconnectsWithBackoff(t *testing.T) {
	log := newEventLog()
	s := newFakeSocket("a", log)
	s.run = func(ctx context.Context, _ chan<- socketmode.Event) error { return errors.New("invalid_auth") }
	b := NewBot(Transport{Sockets: []Socket{s}}, NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{})}),
		BotConfig{Reconnect: backoff.Policy{Base: time.Millisecond, Max: 4 * time.Millisecond}}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx) }()
	waitUntil(t, "5 attempts", func() bool { return s.runs.Load() >= 5 })
	if b.Ready() {
		t.Errorf("ready with a refused token")
	}
	cancel()
	<-done
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBotClicks: clicks go through Service.Click; refusals are private and
// cost no upstream call; Share posts in the channel, Refresh replaces.
func TestBotClicks(t *testing.T) {
	signer := NewButtonSigner("k", time.Hour, nil)
	other := NewButtonSigner("other", time.Hour, nil)
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{Buttons: signer})
	cases := []struct {
		id, action, value, want string
		upstream                bool
	}{
		{"F", ActionShare, other.Sign("ada@example.com"), "reply /F ephemeral new This button could not be checked", false},
		{"P", ActionRefresh, "ada@example.com", "reply /P ephemeral new This button could not be checked", false},
		{"S", ActionShare, signer.Sign("ada@example.com"), "reply /S in_channel new ", true},
		{"R", ActionRefresh, signer.Sign("ada@example.com"), "reply /R ephemeral replace ", true},
	}
	for _, c := range cases {
		before := u.atl.Count("", "")
		u.click(c.id, c.action, c.value)
		u.log.waitFor(t, c.id, hasLine(c.want))
		if called := u.atl.Count("", "") > before; called && !c.upstream {
			t.Errorf("%s: a refused click called Atlassian", c.id)
		}
	}
	u.click("A", ActionAdmin, "")
	u.command(0, "E", "U1", "help") // handled after the Admin click
	u.log.waitFor(t, "E's reply", hasLine("reply /E"))
	if n := u.log.count("reply /A"); n != 0 {
		t.Errorf("the Admin link click was answered")
	}
}

// TestStillLookingThenAnswer: an asker whose person is still pending after
// StillLooking is told Atlassian is slow, and the answer then replaces
// that message.
func TestStillLookingThenAnswer(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{StillLooking: 20 * time.Millisecond})
	release := u.hang(atlassiantest.AdaAccountID)
	u.command(0, "E1", "U1", "ada@example.com")
	u.log.waitFor(t, "the interim reply", hasLine("reply /E1 ephemeral new Still looking: Atlassian is slow"))
	release()
	u.log.waitFor(t, "the answer", hasLine("reply /E1 ephemeral replace Last active dates from Atlassian"))
	if n := u.log.count("reply /E1"); n != 2 {
		t.Errorf("%d replies, want the interim and the answer", n)
	}
}

// slowProfiles is a UserDirectory whose profiles are read only once
// release is closed, as when Slack's users.info hangs.
type slowProfiles struct{ release chan struct{} }

func (s slowProfiles) EmailOf(ctx context.Context, userID string) (string, error) {
	select {
	case <-s.release:
		return "ada@example.com", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TestStillLookingNamesSlack: a mention whose Slack profile is slow to read
// is still looking because of Slack, not Atlassian (which has not been
// asked yet). Before, the interim said "Atlassian is slow" whatever was
// slow, sending the operator to the wrong status page.
func TestStillLookingNamesSlack(t *testing.T) {
	users := slowProfiles{release: make(chan struct{})}
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{StillLooking: 20 * time.Millisecond, Users: users})
	u.command(0, "E1", "U1", "<@U2ADA>")
	u.log.waitFor(t, "the interim reply", hasLine("reply /E1 ephemeral new Still looking: Slack is slow"))
	close(users.release)
	u.log.waitFor(t, "the answer", hasLine("reply /E1 ephemeral replace Last active dates from Atlassian"))
	if n := u.atl.Count("", ""); n == 0 {
		t.Errorf("Atlassian was not asked once Slack answered")
	}
	// Slack answered at once, Atlassian hangs: that is what is slow.
	release := u.hang(atlassiantest.AdaAccountID)
	u.command(0, "E2", "U1", "<@U2ADA> --fresh")
	u.log.waitFor(t, "the second interim", hasLine("reply /E2 ephemeral new Still looking: Atlassian is slow"))
	release()
	u.log.waitFor(t, "the second answer", hasLine("reply /E2 ephemeral replace Last active dates from Atlassian"))
}

// TestStillLookingOnRefreshReplaces: a Refresh that Atlassian is slow with
// says so in place of the reply clicked, and the answer then replaces that.
// Posted as a new message, the interim ("The answer will replace this
// message") would stay under the refreshed reply for good, since a click's
// response_url replaces the message that holds the button.
func TestStillLookingOnRefreshReplaces(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{StillLooking: 20 * time.Millisecond})
	release := u.hang(atlassiantest.AdaAccountID)
	u.click("R1", ActionRefresh, u.svc.cfg.Buttons.Sign("ada@example.com"))
	u.log.waitFor(t, "the interim reply", hasLine("reply /R1 ephemeral "))
	release()
	u.log.waitFor(t, "the answer", hasLine("reply /R1 ephemeral replace Last active dates from Atlassian"))
	if n := u.log.count("reply /R1 ephemeral replace Still looking"); n != 1 {
		t.Errorf("the interim reply did not replace the reply clicked:\n%s", strings.Join(u.log.snapshot(), "\n"))
	}
}

// TestOneDeadlinePerCommand: a command about several people whose Admin
// API hangs ends at one deadline for the whole command: the people still
// waiting for a turn then are not started (today's code waited 30 s per
// batch of 4), and each is reported as too slow.
func TestOneDeadlinePerCommand(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{StillLooking: -1, LookupDeadline: 300 * time.Millisecond})
	release := u.hang("last-active-dates")
	emails := []string{"ada@example.com", "alan@example.com", "grace@example.com", "margaret@example.com",
		"dennis@example.com", "katherine@example.com"}
	r := u.svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: strings.Join(emails, " ")}, nil)
	if r.Outcome != "failed" || len(r.People) != len(emails) {
		t.Fatalf("outcome %q with %d people, want failed with %d", r.Outcome, len(r.People), len(emails))
	}
	for _, p := range r.People {
		if !errors.Is(p.Err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want the command's deadline", p.Query, p.Err)
		}
	}
	if !strings.Contains(r.Message.Text, "took too long") {
		t.Errorf("reply does not say Atlassian was too slow: %q", r.Message.Text)
	}
	started := map[string]bool{}
	for _, q := range u.atl.Requests() {
		if strings.Contains(q.Path, "last-active-dates") {
			started[q.Path] = true
		}
	}
	if len(started) > maxParallelLookups {
		t.Errorf("%d people's activity was asked for, want at most the %d started before the deadline", len(started), maxParallelLookups)
	}
	// The started lookups run on, detached, for whoever asks next: join
	// each of them (or look again) so that none outlives the fakes.
	release()
	for _, e := range emails {
		u.svc.cfg.Lookups.Lookup(context.Background(), e, false)
	}
}

// blockingDeduper answers FirstDelivery only when released, as a database
// under load would; every envelope is a first delivery.
type blockingDeduper struct{ release chan struct{} }

func (d blockingDeduper) FirstDelivery(ctx context.Context, _ string) (bool, error) {
	select {
	case <-d.release:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// TestBotLoopDoesNotWaitForDedupe: the dedupe (a database insert with a
// store) is asked beside the event loop, so a slow answer holds neither the
// next envelope nor the answer to a command already known.
func TestBotLoopDoesNotWaitForDedupe(t *testing.T) {
	release := make(chan struct{})
	u := startUnit(t, 1, BotConfig{Dedupe: blockingDeduper{release}}, ServiceConfig{})
	u.command(0, "E1", "U1", "help")
	u.command(0, "E2", "U1", "help")
	u.log.waitFor(t, "E2 taken while E1's dedupe is pending", hasLine("taken a E2"))
	if n := u.log.count("reply /"); n != 0 {
		t.Errorf("%d replies before the dedupe answered", n)
	}
	close(release)
	u.log.waitFor(t, "both replies", func(l []string) bool { return hasLine("reply /E1")(l) && hasLine("reply /E2")(l) })
}

// stalledDeduper blocks every FirstDelivery until release is closed, as a
// database that stopped answering would.
type stalledDeduper struct{ release chan struct{} }

func (d stalledDeduper) FirstDelivery(ctx context.Context, _ string) (bool, error) {
	select {
	case <-d.release:
	case <-ctx.Done():
	}
	return true, nil
}

// TestBotBusyRepliesAreBounded: past MaxInFlight, a burst of envelopes
// must not each keep a goroutine for its "busy" reply; the replies in
// flight are bounded, the rest are dropped with a warning. Before, 2,000
// envelopes over the limit held 2,000 goroutines while the dedupe stalled.
func TestBotBusyRepliesAreBounded(t *testing.T) {
	release := make(chan struct{})
	u := startUnit(t, 1, BotConfig{MaxInFlight: 1, Dedupe: stalledDeduper{release: release}}, ServiceConfig{})
	defer close(release)
	u.command(0, "E0", "U1", "help") // takes the one slot, and stalls
	base := runtime.NumGoroutine()
	for i := range 2000 {
		u.command(0, fmt.Sprintf("B%04d", i), "U2", "help")
	}
	if n := runtime.NumGoroutine() - base; n > maxBusyReplies+50 {
		t.Errorf("%d more goroutines after 2,000 envelopes over the limit, want at most %d", n, maxBusyReplies+50)
	}
}

// TestBotDroppedEnvelopesAreCounted: past MaxInFlight and the busy
// replies' bound, an acked envelope is answered by nobody; each is counted
// (lastactive_commands_total{outcome="dropped"}), and each busy reply too
// ({outcome="busy"}), so that the loss is not silent. Before, the drops
// were one warning line each and in no metric.
func TestBotDroppedEnvelopesAreCounted(t *testing.T) {
	release := make(chan struct{})
	m := NewMetrics(prometheus.NewRegistry())
	u := startUnit(t, 1, BotConfig{MaxInFlight: 1, Dedupe: stalledDeduper{release: release}}, ServiceConfig{Metrics: m})
	u.command(0, "E0", "U1", "help") // takes the one slot, and stalls
	const burst = maxBusyReplies + 40
	for i := range burst {
		u.command(0, fmt.Sprintf("B%04d", i), "U2", "help")
	}
	count := func(outcome string) float64 {
		return testutil.ToFloat64(m.commands.WithLabelValues("command", outcome))
	}
	deadline := time.Now().Add(20 * time.Second)
	for count("dropped") < burst-maxBusyReplies && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := count("dropped"); got != burst-maxBusyReplies {
		t.Fatalf("dropped = %v, want %d (the burst past the busy replies' bound)", got, burst-maxBusyReplies)
	}
	close(release)
	for count("busy") < maxBusyReplies && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := count("busy"); got != maxBusyReplies {
		t.Errorf("busy = %v, want %d", got, maxBusyReplies)
	}
}

// TestBotEmptyPayloadIsNotACommand: a slash_commands envelope whose payload
// is null or {} (no user, no command, no response_url: nobody asked
// anything) is acked and dropped, not handled as an empty command from
// user "" that leaves a row without an actor in the audit trail.
func TestBotEmptyPayloadIsNotACommand(t *testing.T) {
	sink := &recordingSink{}
	// With an allow-list, user "" would be a refusal, and refusals are audited.
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{Audit: sink, Gate: NewGate(GateConfig{AllowedUsers: []string{"U1"}, PerUserBurst: 1000})})
	u.sockets[0].put(socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: slack.SlashCommand{},
		Request: &socketmode.Request{EnvelopeID: "EMPTY", Type: "slash_commands"}})
	u.command(0, "E1", "U1", "help") // events are handled in order
	u.log.waitFor(t, "E1's reply", hasLine("reply /E1"))
	u.stop()
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for _, e := range sink.got {
		if e.Actor == "" {
			t.Errorf("an empty payload was audited as a command: %+v", e)
		}
	}
}
