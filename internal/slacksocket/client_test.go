package slacksocket_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"

	"lastactive/bot/slacktest"
	"lastactive/internal/backoff"
	"lastactive/internal/slacksocket"
)

// run connects a Client to s until the test ends. RunContext's result is
// read with result.
func run(t *testing.T, s *slacktest.Server, o slacksocket.Options) (*slacksocket.Client, *runResult) {
	t.Helper()
	o.APIURL = s.APIURL()
	c := slacksocket.New(api(t, s.APIURL()), o)
	ctx, cancel := context.WithCancel(context.Background())
	r := &runResult{done: make(chan struct{})}
	go func() { r.err = c.RunContext(ctx); close(r.done) }()
	t.Cleanup(func() {
		cancel()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case <-r.done:
				return
			case <-c.Events(): // drained until RunContext returns, as the Bot does
			case <-timeout:
				t.Error("RunContext did not return after its context ended")
				return
			}
		}
	})
	return c, r
}

type runResult struct {
	done chan struct{}
	err  error
}

// api is a Slack client for url whose idle connections close when the
// test ends (goleak).
func api(t *testing.T, url string) *slack.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken), slack.OptionAPIURL(url),
		slack.OptionHTTPClient(&http.Client{Transport: tr, Timeout: 5 * time.Second}))
}

// noLeaks checks, after every other cleanup of the test, that no goroutine
// is left.
func noLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func newServer(t *testing.T, opts ...slacktest.Option) *slacktest.Server {
	t.Helper()
	s := slacktest.NewServer(append([]slacktest.Option{slacktest.WithPingInterval(50 * time.Millisecond)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// next returns the next event of type typ, skipping the others.
func next(t *testing.T, c *slacksocket.Client, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case evt := <-c.Events():
			if evt.Type == typ {
				return evt
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestAcksWithoutTheConsumer: every envelope is acked as it is read, before
// anyone takes its event: slack-go's client acked only when its consumer
// called Ack, after two goroutine hand-offs.
func TestAcksWithoutTheConsumer(t *testing.T) {
	noLeaks(t)
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{})
	ctx := waitCtx(t)
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	var envs []*slacktest.Envelope
	for i := range 5 {
		env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: strings.Repeat("x", i)})
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	for _, env := range envs {
		a, err := s.WaitAck(ctx, env.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(a.Payload) != "" {
			t.Errorf("ack of %s carries a payload %s", env.ID, a.Payload)
		}
	}
	// Only now is anything read off Events: the commands arrive in order,
	// parsed as slack-go parses them.
	for i, env := range envs {
		evt := next(t, c, socketmode.EventTypeSlashCommand)
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil || evt.Request.EnvelopeID != env.ID || cmd.Text != strings.Repeat("x", i) ||
			cmd.ResponseURL != env.ResponseURL || cmd.UserID != "U1" {
			t.Errorf("event %d: %+v, want envelope %s", i, evt, env.ID)
		}
		if n := s.Acks(env.ID); n != 1 {
			t.Errorf("%s acked %d times", env.ID, n)
		}
	}
}

// TestBlockActionParsed: interactive envelopes arrive as slack-go's
// InteractionCallback.
func TestBlockActionParsed(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{})
	ctx := waitCtx(t)
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	env, err := s.BlockAction(ctx, slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: "share", Value: "v"})
	if err != nil {
		t.Fatal(err)
	}
	evt := next(t, c, socketmode.EventTypeInteractive)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].ActionID != "share" || cb.ResponseURL != env.ResponseURL {
		t.Fatalf("event %+v", evt)
	}
	if _, err := s.WaitAck(ctx, env.ID); err != nil { // written before the event, read by the fake since
		t.Fatal(err)
	}
	if n := s.Acks(env.ID); n != 1 {
		t.Errorf("acked %d times", n)
	}
}

// TestUnreadableFrames: a frame whose payload or fields do not decode is
// still acked by its envelope_id (or Slack sends it again and again), comes
// out as a bad message, and holds up nothing after it.
func TestUnreadableFrames(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{})
	ctx := waitCtx(t)
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	frames := []struct{ frame, ackID string }{
		{`{"envelope_id":"BAD1","type":"slash_commands","payload":7}`, "BAD1"},
		{`{"envelope_id":"BAD2","type":"slash_commands","retry_attempt":"x","payload":{}}`, "BAD2"},
		{`{"envelope_id":"BAD3","type":"mystery","payload":{}}`, "BAD3"},
		{`{"envelope_id":"BAD4","type":"events_api","payload":{"type":"event_callback","event":7}}`, "BAD4"},
		{`{"envelope_id":"a\"b\\c","type":"interactive","payload":[]}`, "a\"b\\c"},
		{`{"envelope_id":"` + strings.Repeat("L", 2000) + `","type":"slash_commands","payload":{}}`, ""},
		{`not json at all {"envelope_id":"BAD5"}`, ""},
		{``, ""},
	}
	for _, f := range frames {
		if err := s.SendRaw(ctx, []byte(f.frame)); err != nil {
			t.Fatal(err)
		}
	}
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, env.ID); err != nil {
		t.Fatal(err) // acks are read in order: all before it are in
	}
	var bad int
	for evt := range c.Events() {
		if evt.Type == socketmode.EventTypeErrorBadMessage {
			// Each carries its own frame, whole, though later frames
			// were read since (the reader reuses its buffer).
			m, ok := evt.Data.(*socketmode.ErrorBadMessage)
			if !ok || bad >= len(frames) {
				t.Fatalf("bad message %d: %T", bad, evt.Data)
			}
			if string(m.Message) != frames[bad].frame {
				t.Errorf("bad message %d carries %.60q, want its frame %.60q", bad, m.Message, frames[bad].frame)
			}
			bad++
			continue
		}
		if evt.Type == socketmode.EventTypeSlashCommand {
			if evt.Request.EnvelopeID != env.ID {
				t.Fatalf("a bad frame came out as a command: %+v", evt)
			}
			break
		}
	}
	if bad != len(frames) {
		t.Errorf("%d bad messages, want %d", bad, len(frames))
	}
	for _, f := range frames {
		if f.ackID == "" {
			continue
		}
		if n := s.Acks(f.ackID); n != 1 {
			t.Errorf("frame %.40q: %q acked %d times, want once", f.frame, f.ackID, n)
		}
	}
	if n := s.Opens(); n != 1 {
		t.Errorf("%d connections opened: bad frames broke the connection", n)
	}
}

// TestRefresh: Slack's disconnect message makes the client open a new
// connection and go on delivering there; pings are answered.
func TestRefresh(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{})
	ctx := waitCtx(t)
	first := next(t, c, socketmode.EventTypeConnected)
	if ce := first.Data.(*socketmode.ConnectedEvent); ce.ConnectionCount != 0 {
		t.Errorf("first connection counted %d", ce.ConnectionCount)
	}
	next(t, c, socketmode.EventTypeHello)
	if err := s.Wait(ctx, func() bool { return s.Pongs() > 0 }); err != nil {
		t.Fatalf("no pong: %v", err)
	}
	s.Disconnect("refresh_requested")
	if evt := next(t, c, socketmode.EventTypeDisconnect); evt.Request.Reason != "refresh_requested" {
		t.Errorf("disconnect reason %q", evt.Request.Reason)
	}
	again := next(t, c, socketmode.EventTypeConnected)
	if ce := again.Data.(*socketmode.ConnectedEvent); ce.ConnectionCount != 1 {
		t.Errorf("second connection counted %d", ce.ConnectionCount)
	}
	if err := s.Wait(ctx, func() bool { return s.Deliverable() == 1 }); err != nil {
		t.Fatal(err)
	}
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "after"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	if n := s.Opens(); n != 2 {
		t.Errorf("%d connections opened, want 2", n)
	}
}

// TestSilentConnectionReopened: a connection that neither pings nor sends
// for PingInterval is taken for dead and replaced; one that drops is too.
func TestSilentConnectionReopened(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{PingInterval: 1500 * time.Millisecond})
	ctx := waitCtx(t)
	next(t, c, socketmode.EventTypeConnected)
	s.PausePings(true)
	next(t, c, socketmode.EventTypeConnected)
	s.PausePings(false)
	// The server registers the new connection after the client is up.
	if err := s.Wait(ctx, func() bool { return s.Connections() == 1 }); err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	next(t, c, socketmode.EventTypeConnected)
	if err := s.Wait(ctx, func() bool { return s.Deliverable() == 1 }); err != nil {
		t.Fatal(err)
	}
	if n := s.Opens(); n != 3 {
		t.Errorf("%d connections opened, want 3", n)
	}
}

// TestPingsKeepItOpen: a connection Slack pings stays open well past
// PingInterval.
func TestPingsKeepItOpen(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{PingInterval: 1200 * time.Millisecond})
	next(t, c, socketmode.EventTypeConnected)
	time.Sleep(3 * time.Second)
	if n := s.Opens(); n != 1 {
		t.Errorf("%d connections opened over 2.5 ping intervals of pings, want 1", n)
	}
}

// TestOversizedFrame: a frame over ReadLimit closes the connection unread
// (and a new one opens); nothing of it is handed on.
func TestOversizedFrame(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{ReadLimit: 4096})
	ctx := waitCtx(t)
	next(t, c, socketmode.EventTypeConnected)
	open := func() bool { return s.Deliverable() == 1 }
	if err := s.Wait(ctx, open); err != nil { // the server registers it after the client is up
		t.Fatal(err)
	}
	big := `{"envelope_id":"BIG","type":"slash_commands","payload":{"text":"` + strings.Repeat("a", 8192) + `"}}`
	if err := s.SendRaw(ctx, []byte(big)); err != nil {
		t.Fatal(err)
	}
	next(t, c, socketmode.EventTypeConnected)
	if n := s.Acks("BIG"); n != 0 {
		t.Errorf("oversized frame acked")
	}
	if err := s.Wait(ctx, open); err != nil {
		t.Fatal(err)
	}
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if evt := next(t, c, socketmode.EventTypeSlashCommand); evt.Request.EnvelopeID != env.ID {
		t.Errorf("got %s", evt.Request.EnvelopeID)
	}
}

// TestAppTokenRefused: Slack's invalid_auth, and the answers for a token
// that is not an app-level one or lacks connections:write, end RunContext
// with that error; the caller decides when to try again (before, the last
// two were retried forever, each a warning, and the Bot's "check
// SLACK_APP_TOKEN" was never said).
func TestAppTokenRefused(t *testing.T) {
	for _, code := range []string{"invalid_auth", "not_allowed_token_type", "missing_scope"} {
		s := newServer(t)
		if code == "invalid_auth" {
			s.SetAppTokenValid(false)
		} else {
			s.FailMethodError("apps.connections.open", 100, code)
		}
		_, r := run(t, s, slacksocket.Options{})
		select {
		case <-r.done:
			err := r.err
			if err == nil || !strings.Contains(err.Error(), code) {
				t.Fatalf("RunContext: %v, want %s", err, code)
			}
			if strings.Contains(err.Error(), slacktest.AppToken) {
				t.Errorf("error carries the token: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("RunContext kept trying after %s", code)
		}
	}
}

// TestUnreachableRetries: while Slack cannot be reached the client says so
// and retries with backoff; a stop ends the wait at once.
func TestUnreachableRetries(t *testing.T) {
	noLeaks(t)
	c := slacksocket.New(api(t, "http://127.0.0.1:1/api/"), slacksocket.Options{APIURL: "http://127.0.0.1:1/api/"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunContext(ctx) }()
	evt := next(t, c, socketmode.EventTypeConnectionError)
	ce := evt.Data.(*slack.ConnectionErrorEvent)
	if ce.Backoff < time.Second/2 {
		t.Errorf("retry in %v", ce.Backoff)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("RunContext: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunContext did not stop while waiting to retry")
	}
}

// TestAckedMeasured: Options.Acked hears of every ack.
func TestAckedMeasured(t *testing.T) {
	s := newServer(t)
	got := make(chan time.Duration, 10)
	run(t, s, slacksocket.Options{Acked: func(d time.Duration) { got <- d }})
	ctx := waitCtx(t)
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"}); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-got:
		if d < 0 || d > 10*time.Second {
			t.Errorf("ack took %v", d)
		}
	case <-ctx.Done():
		t.Fatal("Acked not called")
	}
}

// TestStopClosesEverything: a stop returns RunContext with no goroutine
// left behind.
func TestStopClosesEverything(t *testing.T) {
	noLeaks(t)
	s := newServer(t)
	c := slacksocket.New(api(t, s.APIURL()), slacksocket.Options{APIURL: s.APIURL()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunContext(ctx) }()
	next(t, c, socketmode.EventTypeHello)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("RunContext: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunContext did not return")
	}
	if err := s.Wait(waitCtx(t), func() bool { return s.Connections() == 0 }); err != nil {
		t.Errorf("the server still holds the connection: %v", err)
	}
}

// FuzzFrame: any frame either yields an ack that Slack reads back as the
// same envelope ID, or no ack; nothing panics.
func FuzzFrame(f *testing.F) {
	f.Add([]byte(`{"envelope_id":"e1","type":"slash_commands","payload":{"text":"hi","response_url":"https://hooks.slack.com/x"}}`))
	f.Add([]byte(`{"envelope_id":"e2","type":"interactive","payload":{"type":"block_actions","actions":[{"action_id":"a"}]}}`))
	f.Add([]byte(`{"envelope_id":"e3","type":"events_api","payload":{"type":"event_callback","event":{"type":"app_home_opened","user":"U1"}}}`))
	f.Add([]byte(`{"envelope_id":"e4","type":"events_api","payload":{"type":"event_callback","event":{"type":"app_home_opened","user":"U1","view":{"blocks":[{"type":"actions","elements":[{"type":"new_one"}]}]}}}}`))
	f.Add([]byte(`{"type":"hello","num_connections":1}`))
	f.Add([]byte(`{"type":"disconnect","reason":"warning"}`))
	f.Add([]byte(`{"envelope_id":"\u2028\"","type":"x","payload":7}`))
	f.Add([]byte(`{"envelope_id":"x","retry_attempt":"1"}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		id, ack, evt := slacksocket.Decode(frame)
		if id == "" {
			if ack != nil {
				t.Fatalf("ack %q without an envelope ID", ack)
			}
		} else {
			var back struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := json.Unmarshal(ack, &back); err != nil || back.EnvelopeID != id {
				t.Fatalf("ack %q of %q reads back as %q (%v)", ack, id, back.EnvelopeID, err)
			}
			if len(ack) >= slacktest.MaxAckSize {
				t.Fatalf("ack of %d bytes", len(ack))
			}
		}
		if evt.Type == "" {
			t.Fatalf("no event for %q", frame)
		}
	})
}

// TestFlappingBacksOff: connections that end as soon as they open are
// reopened at once three times, then only after a wait that grows, so a
// frame Slack keeps resending over the read limit, or a refresh loop, does
// not become a tight loop of apps.connections.open.
func TestFlappingBacksOff(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{Reconnect: backoff.Policy{Base: 100 * time.Millisecond, Max: 400 * time.Millisecond}})
	ctx := waitCtx(t)
	var waits []time.Duration
	for connected := 0; connected < 7; {
		var evt socketmode.Event
		select {
		case evt = <-c.Events():
		case <-ctx.Done():
			t.Fatalf("after %d connections: %v", connected, ctx.Err())
		}
		switch evt.Type {
		case socketmode.EventTypeConnected:
			connected++
			// The server registers the connection after the client is up.
			if err := s.Wait(ctx, func() bool { return s.Connections() == 1 }); err != nil {
				t.Fatal(err)
			}
			s.DropConnections()
		case socketmode.EventTypeConnectionError:
			ce := evt.Data.(*slack.ConnectionErrorEvent)
			if connected < 4 {
				t.Errorf("a wait after %d quick ends, want none before the fourth: %v", connected, ce.ErrorObj)
			}
			waits = append(waits, ce.Backoff)
		}
	}
	// Ends 4, 5 and 6 each waited: 50-100, 100-200, 200-400 ms.
	if len(waits) != 3 {
		t.Fatalf("waits %v, want 3", waits)
	}
	for i, w := range waits {
		lo := 50 * time.Millisecond << i
		if w < lo || w > 2*lo {
			t.Errorf("wait %d = %v, want %v-%v", i+4, w, lo, 2*lo)
		}
	}
}

// TestTicketNeverInErrors: the WebSocket URL's query is a connection
// ticket; a URL that does not parse is reported without it.
func TestTicketNeverInErrors(t *testing.T) {
	const ticket = "TICKET-7f3c9e"
	for _, u := range []string{
		"ws://[::1/link/?ticket=" + ticket,
		"ws://127.0.0.1:1/li%zznk/?ticket=" + ticket,
		"ws://127.0.0.1:1/link/?ticket=" + ticket, // refused: nothing listens
	} {
		msg := firstConnectionError(t, u)
		if strings.Contains(msg, ticket) {
			t.Errorf("%s: error carries the ticket: %s", u, msg)
		}
		if !strings.Contains(msg, "WebSocket") {
			t.Errorf("%s: error %q does not say what failed", u, msg)
		}
	}
}

// firstConnectionError runs a client whose apps.connections.open answers
// wsURL, and returns the text of its first connection error.
func firstConnectionError(t *testing.T, wsURL string) string {
	t.Helper()
	return firstConnectionErrorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": wsURL})
	})
}

// firstConnectionErrorFrom is firstConnectionError with apps.connections.open
// answered by open.
func firstConnectionErrorFrom(t *testing.T, answer http.HandlerFunc) string {
	t.Helper()
	open := httptest.NewServer(answer)
	defer open.Close()
	c := slacksocket.New(api(t, open.URL+"/"), slacksocket.Options{APIURL: open.URL + "/"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunContext(ctx) }()
	evt := next(t, c, socketmode.EventTypeConnectionError)
	cancel()
	<-done
	return evt.Data.(*slack.ConnectionErrorEvent).ErrorObj.Error()
}

// TestAppTokenNeverInErrors: an apps.connections.open answer whose "error"
// repeats the request it got (a proxy, a broken Slack) carries the app
// token from its Authorization header; the connection error the Bot logs
// must not.
func TestAppTokenNeverInErrors(t *testing.T) {
	msg := firstConnectionErrorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		var req strings.Builder
		_ = r.Header.Write(&req)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_request: " + req.String()})
	})
	if strings.Contains(msg, slacktest.AppToken) {
		t.Errorf("the connection error carries the app token: %s", msg)
	}
}

// TestAckedIsHandedOnAfterStop: an envelope acked is handed on even when
// the stop comes while it waits for room in Events (Slack will not send it
// again), and nothing is acked after the stop. Before, the event was
// dropped at the stop: 48 acked, 47 handed on.
func TestAckedIsHandedOnAfterStop(t *testing.T) {
	noLeaks(t)
	s := newServer(t)
	c := slacksocket.New(api(t, s.APIURL()), slacksocket.Options{APIURL: s.APIURL()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunContext(ctx) }()
	wctx := waitCtx(t)
	if err := s.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 60 { // more than Events holds; nobody reads yet
		env, err := s.SlashCommand(wctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, env.ID)
	}
	acked := func() int {
		n := 0
		for _, id := range ids {
			n += s.Acks(id)
		}
		return n
	}
	// The reader fills Events, acks one more and waits to hand it on.
	if err := s.Wait(wctx, func() bool { return acked() >= 48 }); err != nil {
		t.Fatalf("%d acked: %v", acked(), err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	delivered := 0
	for stopped := false; !stopped; {
		select {
		case evt := <-c.Events():
			if evt.Type == socketmode.EventTypeSlashCommand {
				delivered++
			}
		case err := <-done:
			stopped = true
			if !errors.Is(err, context.Canceled) {
				t.Errorf("RunContext: %v", err)
			}
		case <-wctx.Done():
			t.Fatal("RunContext did not return while Events was drained")
		}
	}
	for len(c.Events()) > 0 {
		if evt := <-c.Events(); evt.Type == socketmode.EventTypeSlashCommand {
			delivered++
		}
	}
	if n := acked(); n != delivered {
		t.Errorf("%d acked, %d handed on", n, delivered)
	}
	if delivered == len(ids) {
		t.Errorf("all %d handed on: the test did not stop the client with envelopes unread", delivered)
	}
}

// nested is an interactive frame whose message blocks nest depth deep,
// padded with pad bytes of text.
func nested(id string, depth, pad int) []byte {
	var b strings.Builder
	b.WriteString(`{"envelope_id":"` + id + `","type":"interactive","payload":{"type":"block_actions","message":{"blocks":`)
	for range depth {
		b.WriteString(`[{"type":"container","child_blocks":`)
	}
	b.WriteString(`[{"type":"x","t":"` + strings.Repeat("a", pad) + `"}]`)
	for range depth {
		b.WriteString(`}]`)
	}
	b.WriteString(`}}}`)
	return []byte(b.String())
}

// TestDeepFrameDoesNotHoldUpAcks: a frame nested a thousand deep is acked
// and refused unparsed, and the next envelope's ack does not wait for it
// (before, slack-go's level-by-level Block Kit decoding took 13 s on one
// such frame of 1 MB, in the connection's only goroutine, and the next
// command missed Slack's 3 s).
func TestDeepFrameDoesNotHoldUpAcks(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{})
	ctx := waitCtx(t)
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SendRaw(ctx, nested("DEEP", 1000, 900_000)); err != nil {
		t.Fatal(err)
	}
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	if s.TimedOut(env.ID) || s.Acks("DEEP") != 1 {
		t.Errorf("next envelope timed out %v; deep frame acked %d times", s.TimedOut(env.ID), s.Acks("DEEP"))
	}
	evt := next(t, c, socketmode.EventTypeErrorBadMessage)
	if bad := evt.Data.(*socketmode.ErrorBadMessage); !strings.Contains(bad.Cause.Error(), "nested") {
		t.Errorf("bad message cause %v", bad.Cause)
	}
	// A payload as deep as Slack's own (rich text in a message) still parses.
	if err := s.SendRaw(ctx, nested("OK", 12, 10)); err != nil {
		t.Fatal(err)
	}
	if evt := next(t, c, socketmode.EventTypeInteractive); evt.Request.EnvelopeID != "OK" {
		t.Errorf("got %s", evt.Request.EnvelopeID)
	}
}

// TestRefreshesAreNotFlapping: Slack's own refreshes (disconnect, then a
// new connection) reopen at once however often they come, from a second
// after opening; only connections that fail (or are refreshed as soon as
// they open) count toward backoff. Before, a refresh every 2 s was taken
// for flapping after three and left the bot offline 82 % of the time.
func TestRefreshesAreNotFlapping(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{Reconnect: backoff.Policy{Base: time.Second, Max: time.Minute}})
	ctx := waitCtx(t)
	for i := range 5 {
		next(t, c, socketmode.EventTypeConnected)
		if err := s.Wait(ctx, func() bool { return s.Deliverable() == 1 }); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		time.Sleep(1100 * time.Millisecond)
		s.Disconnect("refresh_requested")
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case evt := <-c.Events():
			switch evt.Type {
			case socketmode.EventTypeConnectionError:
				t.Fatalf("a refresh was taken for a failure: %v", evt.Data.(*slack.ConnectionErrorEvent).ErrorObj)
			case socketmode.EventTypeConnected:
				return
			}
		case <-timeout:
			t.Fatal("no connection after the sixth refresh")
		}
	}
}

// TestDisconnectWithAnEnvelopeID: a disconnect frame that carries an
// envelope_id (a hostile or buggy Slack) is acked, and still ends the
// connection: before, it was handed on as an envelope and the connection
// kept reading, while the Bot, told "disconnect", counted it closed for
// good (/readyz 503 with the socket answering).
func TestDisconnectWithAnEnvelopeID(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{})
	ctx := waitCtx(t)
	next(t, c, socketmode.EventTypeConnected)
	if err := s.Wait(ctx, func() bool { return s.Deliverable() == 1 }); err != nil {
		t.Fatal(err)
	}
	if err := s.SendRaw(ctx, []byte(`{"type":"disconnect","envelope_id":"dis-1","reason":"refresh_requested"}`)); err != nil {
		t.Fatal(err)
	}
	next(t, c, socketmode.EventTypeDisconnect)
	next(t, c, socketmode.EventTypeConnected)
	if n := s.Opens(); n != 2 {
		t.Errorf("%d connections opened, want a new one after the disconnect", n)
	}
	// The fake records an ack when its reader gets to it, which may be
	// after the new connection's hello.
	if err := s.Wait(ctx, func() bool { return s.Acks("dis-1") >= 1 }); err != nil {
		t.Fatalf("disconnect frame never acked: %v", err)
	}
	if n := s.Acks("dis-1"); n != 1 {
		t.Errorf("disconnect frame acked %d times", n)
	}
}

// TestFlappingWaitIsCapped: however long the reconnect policy's waits, a
// flapping connection waits at most 30 s, so a network that heals finds the
// bot back soon (before, 500 drops left both sockets away 65 s after).
func TestFlappingWaitIsCapped(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{Reconnect: backoff.Policy{Base: 10 * time.Minute, Max: time.Hour}})
	ctx := waitCtx(t)
	for {
		var evt socketmode.Event
		select {
		case evt = <-c.Events():
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
		switch evt.Type {
		case socketmode.EventTypeConnected:
			if err := s.Wait(ctx, func() bool { return s.Connections() == 1 }); err != nil {
				t.Fatal(err)
			}
			s.DropConnections()
		case socketmode.EventTypeConnectionError:
			if w := evt.Data.(*slack.ConnectionErrorEvent).Backoff; w > 30*time.Second || w <= 0 {
				t.Errorf("flapping wait %v, want at most 30 s", w)
			}
			return
		}
	}
}

// TestClosedLinkIsNotARefresh: a disconnect for link_disabled (Socket Mode
// turned off for the app) or too_many_websockets is not Slack's routine
// refresh: connections that Slack ends so, each a second or more after it
// opened, are reopened at once only three times, then after a wait. Before,
// they were reopened at once forever, about once a second per socket.
func TestClosedLinkIsNotARefresh(t *testing.T) {
	s := newServer(t)
	c, _ := run(t, s, slacksocket.Options{Reconnect: backoff.Policy{Base: 100 * time.Millisecond, Max: 400 * time.Millisecond}})
	ctx := waitCtx(t)
	reasons := []string{"link_disabled", "too_many_websockets"}
	for connected := 0; ; {
		var evt socketmode.Event
		select {
		case evt = <-c.Events():
		case <-ctx.Done():
			t.Fatalf("after %d connections: %v", connected, ctx.Err())
		}
		switch evt.Type {
		case socketmode.EventTypeConnected:
			if connected == 4 {
				t.Fatalf("%d connections ended by Slack in a row reopened at once", connected)
			}
			if err := s.Wait(ctx, func() bool { return s.Deliverable() == 1 }); err != nil {
				t.Fatal(err)
			}
			// Past the second within which even a refresh counts as a loop.
			time.Sleep(1100 * time.Millisecond)
			s.Disconnect(reasons[connected%len(reasons)])
			connected++
		case socketmode.EventTypeConnectionError:
			ce := evt.Data.(*slack.ConnectionErrorEvent)
			if connected < 4 {
				t.Fatalf("a wait after %d ends, want none before the fourth: %v", connected, ce.ErrorObj)
			}
			if msg := ce.ErrorObj.Error(); !strings.Contains(msg, "too_many_websockets") {
				t.Errorf("error %q does not name Slack's reason", msg)
			}
			return
		}
	}
}

// TestPingsDoNotHoldAFrameOpen: a frame sent in one-byte fragments with a
// ping between each (a hostile proxy; Slack sends each frame whole) never
// ends, and the pings must not keep the connection for alive: it is
// replaced once it has been PingInterval without a whole frame. Before, each
// ping pushed the read deadline on, so the connection was held, counted
// open, delivering nothing, until the frame reached the read limit (1 MiB:
// twelve days at a byte a second).
func TestPingsDoNotHoldAFrameOpen(t *testing.T) {
	var opens atomic.Int32
	done := make(chan struct{})
	defer close(done)
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/link" {
			opens.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(srv.URL, "http") + "/link"})
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello"}`))
		nc := ws.NetConn()
		// The first fragment of a text frame, then a continuation byte and a
		// ping, again and again: the frame never ends.
		if _, err := nc.Write([]byte{0x01, 1, '{'}); err != nil {
			return
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
			if _, err := nc.Write([]byte{0x00, 1, ' ', 0x89, 0}); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := slacksocket.New(api(t, srv.URL+"/"), slacksocket.Options{APIURL: srv.URL + "/", PingInterval: 1500 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- c.RunContext(ctx) }()
	defer func() {
		cancel()
		for {
			select {
			case <-stopped:
				return
			case <-c.Events():
			}
		}
	}()
	next(t, c, socketmode.EventTypeConnected)
	next(t, c, socketmode.EventTypeConnected)
	if n := opens.Load(); n < 2 {
		t.Errorf("%d connections opened, want a new one after the endless frame", n)
	}
}

// TestWebSocketURLWithoutAHost: a URL from apps.connections.open with no
// host (ws:///link) is refused before dialling, saying so; gorilla would
// dial port 80 of this machine.
func TestWebSocketURLWithoutAHost(t *testing.T) {
	dialled := make(chan struct{}, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			dialled <- struct{}{}
			c.Close()
		}
	}()
	for _, u := range []string{"ws:///link/?ticket=x", "wss://:443/link", "ws://" + ln.Addr().String()[len("127.0.0.1"):] + "/link"} {
		if msg := firstConnectionError(t, u); !strings.Contains(msg, "no host") {
			t.Errorf("%s: error %q does not say the URL has no host", u, msg)
		}
	}
	select {
	case <-dialled:
		t.Error("a URL without a host was dialled on this machine")
	default:
	}
}

// TestInteractionReadDespiteItsMessage: an interaction whose message (or
// view) slack-go refuses is read without it, keeping the message's author
// and the click, so the asker is answered; one whose own fields are wrong is
// still a bad message.
func TestInteractionReadDespiteItsMessage(t *testing.T) {
	t.Parallel()
	shortcut := func(message string) string {
		return `{"envelope_id":"E1","type":"interactive","payload":{"type":"message_action","callback_id":"lastactive_author",` +
			`"user":{"id":"UASK","team_id":"T1"},"channel":{"id":"C1"},"response_url":"https://hooks.slack.com/x","message":` + message + `}}`
	}
	for _, c := range []struct {
		name, frame, author, action string
		bad                         bool
	}{
		{"a plain message", shortcut(`{"type":"message","user":"UAUTH","ts":"1.2","text":"hi"}`), "UAUTH", "", false},
		{"a context element of a newer type", shortcut(`{"type":"message","user":"UAUTH","ts":"1.2","blocks":[{"type":"context","elements":[{"type":"user","user_id":"U1"}]}]}`), "UAUTH", "", false},
		{"an actions element of a newer type", shortcut(`{"type":"message","user":"UAUTH","ts":"1.2","blocks":[{"type":"actions","elements":[{"type":"new_one"}]}]}`), "UAUTH", "", false},
		{"an attachment ID as a string", shortcut(`{"type":"message","user":"UAUTH","ts":"1.2","attachments":[{"id":"1"}]}`), "UAUTH", "", false},
		{"a file width as a string", shortcut(`{"type":"message","user":"UAUTH","ts":"1.2","files":[{"id":"F1","original_w":"100"}]}`), "UAUTH", "", false},
		{"an author that is not a string", shortcut(`{"type":"message","user":7,"ts":"1.2","attachments":[{"id":"1"}]}`), "", "", false},
		{"a click under a view slack-go refuses",
			`{"envelope_id":"E1","type":"interactive","payload":{"type":"block_actions","user":{"id":"UASK"},` +
				`"actions":[{"type":"button","block_id":"b","action_id":"scan_now","value":"v"}],` +
				`"view":{"id":"V1","type":"home","blocks":[{"type":"actions","elements":[{"type":"new_one"}]}]}}}`, "", "scan_now", false},
		{"a user that is not an object", `{"envelope_id":"E1","type":"interactive","payload":{"type":"message_action","user":"UASK","message":{"attachments":[{"id":"1"}]}}}`, "", "", true},
		{"a message that is not an object", `{"envelope_id":"E1","type":"interactive","payload":{"type":"message_action","user":{"id":7},"message":[]}}`, "", "", true},
		{"nothing to take out", `{"envelope_id":"E1","type":"interactive","payload":{"type":"block_actions","user":{"id":7}}}`, "", "", true},
	} {
		id, ack, evt := slacksocket.Decode([]byte(c.frame))
		if id != "E1" || len(ack) == 0 {
			t.Errorf("%s: acked %q (%s)", c.name, id, ack)
		}
		if bad := evt.Type == socketmode.EventTypeErrorBadMessage; bad != c.bad {
			t.Errorf("%s: bad message %v, want %v: %.300v", c.name, bad, c.bad, evt.Data)
			continue
		}
		if c.bad {
			continue
		}
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || cb.User.ID != "UASK" || cb.Message.User != c.author || cb.ResponseURL == "" && c.action == "" {
			t.Errorf("%s: read as %+v", c.name, evt.Data)
			continue
		}
		if c.action != "" && (len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].ActionID != c.action) {
			t.Errorf("%s: actions %+v", c.name, cb.ActionCallback.BlockActions)
		}
	}
}

// TestSlashCommandReadDespiteFieldsItDoesNotUse: a slash command that
// slack-go refuses for a field the bot does not read (Slack adds fields and
// changes types) is read for what the bot needs, so its asker is answered;
// one whose needed field is of another type is still a bad message.
func TestSlashCommandReadDespiteFieldsItDoesNotUse(t *testing.T) {
	t.Parallel()
	command := func(extra string) string {
		return `{"envelope_id":"E1","type":"slash_commands","payload":{"command":"/lastactive","text":"who alice@example.com",` +
			`"user_id":"UASK","team_id":"T1","channel_id":"C1","response_url":"https://hooks.slack.com/commands/x","trigger_id":"1.2.3"` + extra + `}}`
	}
	for _, c := range []struct {
		name, frame string
		enterprise  bool
		bad         bool
	}{
		{"as slack-go reads it", command(`,"is_enterprise_install":true`), true, false},
		{"is_enterprise_install empty", command(`,"is_enterprise_install":""`), false, false},
		{"is_enterprise_install as a string", command(`,"is_enterprise_install":"true"`), true, false},
		{"a user name as a number", command(`,"user_name":7,"is_enterprise_install":true`), true, false},
		{"a channel name as an object", command(`,"channel_name":{"x":1}`), false, false},
		{"an API app ID as an array", command(`,"api_app_id":["A1"]`), false, false},
		{"a new field of any type", command(`,"is_ext_shared_channel":"false","context":{"a":[1]}`), false, false},
		{"a needed field as a number", `{"envelope_id":"E1","type":"slash_commands","payload":{"command":"/lastactive","text":7,"user_id":"UASK","response_url":"https://hooks.slack.com/x","is_enterprise_install":""}}`, false, true},
		{"a user ID as a number", `{"envelope_id":"E1","type":"slash_commands","payload":{"command":"/lastactive","text":"help","user_id":7,"is_enterprise_install":""}}`, false, true},
		{"not an object", `{"envelope_id":"E1","type":"slash_commands","payload":["x"]}`, false, true},
	} {
		evt, ok := decodedE1(t, c.name, c.frame, c.bad)
		if !ok {
			continue
		}
		cmd, ok := evt.Data.(slack.SlashCommand)
		want := slack.SlashCommand{Command: "/lastactive", Text: "who alice@example.com", UserID: "UASK", TeamID: "T1", ChannelID: "C1",
			ResponseURL: "https://hooks.slack.com/commands/x", TriggerID: "1.2.3", IsEnterpriseInstall: c.enterprise}
		if !ok || cmd != want {
			t.Errorf("%s: read as %+v, want %+v", c.name, evt.Data, want)
		}
	}
}

// TestAppHomeOpenReadDespiteItsView: an app_home_opened event carries the
// Home view the bot last published, echoed by Slack with whatever it adds;
// slack-go refuses the whole event for one part of that view it does not
// know (a block element newer than the library), and the Home then never
// refreshed. The bot reads only the opener and the tab: the event is read
// without the view (and the app context), so the Home is published (a tab
// that is not a string is dropped: the Home tab is published, as for an
// open that names none); one whose opener is not a string is still a bad
// message, as is any other event slack-go refuses.
func TestAppHomeOpenReadDespiteItsView(t *testing.T) {
	t.Parallel()
	open := func(event string) string {
		return `{"envelope_id":"E1","type":"events_api","payload":{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback",` +
			`"event_id":"Ev1","event_time":1,"event":` + event + `}}`
	}
	for _, c := range []struct {
		name, frame, user, tab string
		bad                    bool
	}{
		{"as slack-go reads it", open(`{"type":"app_home_opened","user":"UOPEN","channel":"D1","tab":"home","event_ts":"1.2","view":{"id":"V1","type":"home","blocks":[]}}`), "UOPEN", "home", false},
		{"a view element of a newer type", open(`{"type":"app_home_opened","user":"UOPEN","channel":"D1","tab":"home","event_ts":"1.2",` +
			`"view":{"id":"V1","type":"home","blocks":[{"type":"actions","elements":[{"type":"new_one"}]}]}}`), "UOPEN", "home", false},
		{"a view that is not an object", open(`{"type":"app_home_opened","user":"UOPEN","tab":"home","view":"V1"}`), "UOPEN", "home", false},
		{"an app context slack-go refuses", open(`{"type":"app_home_opened","user":"UOPEN","tab":"messages","context":7}`), "UOPEN", "messages", false},
		{"a channel as a number", open(`{"type":"app_home_opened","user":"UOPEN","channel":7,"tab":"home"}`), "UOPEN", "home", false},
		{"authorizations slack-go refuses", `{"envelope_id":"E1","type":"events_api","payload":{"team_id":"T1","type":"event_callback","authorizations":7,` +
			`"event":{"type":"app_home_opened","user":"UOPEN","tab":"home"}}}`, "UOPEN", "home", false},
		{"an opener that is not a string", open(`{"type":"app_home_opened","user":7,"tab":"home","view":"V1"}`), "", "", true},
		{"a tab that is not a string", open(`{"type":"app_home_opened","user":"UOPEN","tab":["home"],"view":"V1"}`), "UOPEN", "", false},
		{"another event slack-go refuses", open(`{"type":"app_mention","user":"UOPEN","text":7}`), "", "", true},
		{"an event that is not an object", open(`[]`), "", "", true},
	} {
		evt, ok := decodedE1(t, c.name, c.frame, c.bad)
		if !ok {
			continue
		}
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			t.Errorf("%s: read as %T", c.name, evt.Data)
			continue
		}
		home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
		if !ok || home.User != c.user || home.Tab != c.tab || ev.Type != slackevents.CallbackEvent || ev.TeamID != "T1" {
			t.Errorf("%s: read as %+v / %+v", c.name, ev, ev.InnerEvent.Data)
		}
	}
}

// FuzzLeanAppHomeOpened: whatever an Events API payload holds, the lean
// app_home_opened read of it is either refused or an app_home_opened event
// slack-go reads, with the opener and tab the payload gave as strings
// (never another event, never a user made up); nothing panics.
func FuzzLeanAppHomeOpened(f *testing.F) {
	f.Add([]byte(`{"type":"event_callback","team_id":"T1","event":{"type":"app_home_opened","user":"U1","tab":"home","view":{"blocks":[{"type":"actions","elements":[{"type":"new_one"}]}]}}}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"app_home_opened","user":7}}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"app_mention","user":"U1"}}`))
	f.Add([]byte(`{"type":"event_callback","authorizations":7,"event":{"type":"app_home_opened","user":"U\u00e9","tab":null,"context":[]}}`))
	f.Add([]byte(`{"type":"url_verification","event":{"type":"app_home_opened","user":"U1"}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		lean, ok := slacksocket.LeanAppHomeOpened(payload)
		if !ok {
			return
		}
		var orig struct {
			Type  string `json:"type"`
			Event struct {
				Type string          `json:"type"`
				User json.RawMessage `json:"user"`
				Tab  json.RawMessage `json:"tab"`
			} `json:"event"`
		}
		if err := json.Unmarshal(payload, &orig); err != nil {
			t.Fatalf("a payload that is not an event callback read as %s (%v)", lean, err)
		}
		if orig.Type != slackevents.CallbackEvent || orig.Event.Type != string(slackevents.AppHomeOpened) {
			t.Fatalf("a payload of type %q, event %q, read as %s", orig.Type, orig.Event.Type, lean)
		}
		ev, err := slackevents.ParseEvent(lean, slackevents.OptionNoVerifyToken())
		if err != nil {
			t.Fatalf("lean %s does not parse: %v", lean, err)
		}
		home, isHome := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
		if !isHome {
			t.Fatalf("lean %s read as %T", lean, ev.InnerEvent.Data)
		}
		var user, tab string
		_ = json.Unmarshal(orig.Event.User, &user)
		if json.Unmarshal(orig.Event.Tab, &tab) != nil {
			tab = "" // dropped
		}
		if home.User != user || home.Tab != tab {
			t.Fatalf("opener %q tab %q read as %q %q", orig.Event.User, orig.Event.Tab, home.User, home.Tab)
		}
	})
}

// decodedE1 is frame as Decode reads it, checked to be acked as E1 and to
// be a bad message exactly when bad; ok says it was read, to look further.
func decodedE1(t *testing.T, name, frame string, bad bool) (evt socketmode.Event, ok bool) {
	t.Helper()
	id, ack, evt := slacksocket.Decode([]byte(frame))
	if id != "E1" || len(ack) == 0 {
		t.Errorf("%s: acked %q (%s)", name, id, ack)
	}
	if got := evt.Type == socketmode.EventTypeErrorBadMessage; got != bad {
		cause := any(evt.Data)
		if bm, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			cause = bm.Cause
		}
		t.Errorf("%s: bad message %v, want %v: %.300v", name, got, bad, cause)
		return evt, false
	}
	return evt, !bad
}
