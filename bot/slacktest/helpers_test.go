package slacktest_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"

	"lastactive/bot/slacktest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait; it is a deadline, not a synchronisation.
const testTimeout = 15 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newServer(t *testing.T, opts ...slacktest.Option) *slacktest.Server {
	t.Helper()
	s := slacktest.NewServer(append([]slacktest.Option{slacktest.WithLogf(t.Logf)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

var quiet = log.New(io.Discard, "", 0)

// webClient is a slack-go Web API client with the bot token.
func webClient(s *slacktest.Server, token string) *slack.Client {
	return slack.New(token, slack.OptionAPIURL(s.APIURL()), slack.OptionLog(quiet))
}

// bot is a running slack-go Socket Mode client. Its Events are drained into
// events so that slack-go never blocks.
type bot struct {
	sm     *socketmode.Client
	events chan socketmode.Event
}

// startBot runs a socketmode client against s until the test ends.
func startBot(t *testing.T, s *slacktest.Server, opts ...socketmode.Option) *bot {
	t.Helper()
	api := slack.New(slacktest.BotToken,
		slack.OptionAppLevelToken(slacktest.AppToken),
		slack.OptionAPIURL(s.APIURL()),
		slack.OptionLog(quiet))
	b := &bot{
		sm:     socketmode.New(api, append([]socketmode.Option{socketmode.OptionLog(quiet)}, opts...)...),
		events: make(chan socketmode.Event, 100),
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	drainDone := make(chan struct{})
	go func() { runDone <- b.sm.RunContext(ctx) }()
	go func() {
		defer close(drainDone)
		for {
			select {
			case evt := <-b.sm.Events:
				switch evt.Type {
				case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive,
					socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
					select {
					case b.events <- evt:
					default:
						t.Errorf("event buffer full, dropped %s", evt.Type)
					}
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	// Registered after s's Cleanup, so it runs first: the client stops
	// while the server is still up.
	t.Cleanup(func() {
		cancel()
		<-runDone
		<-drainDone
	})
	return b
}

// next returns the next forwarded event of type want, skipping others (a
// reconnect, for one, makes slack-go report the read error of the old
// socket). It fails the test at the deadline.
func (b *bot) next(ctx context.Context, t *testing.T, want socketmode.EventType) socketmode.Event {
	t.Helper()
	for {
		select {
		case evt := <-b.events:
			if evt.Type == want {
				return evt
			}
			t.Logf("skipped event %s", evt.Type)
		case <-ctx.Done():
			t.Fatalf("no %s event from the socketmode client: %v", want, ctx.Err())
			return socketmode.Event{}
		}
	}
}

// connectedBot starts a bot and waits until the fake has greeted it.
func connectedBot(ctx context.Context, t *testing.T, s *slacktest.Server, opts ...socketmode.Option) *bot {
	t.Helper()
	b := startBot(t, s, opts...)
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	return b
}

// rawConn opens a Socket Mode connection by hand, for what slack-go will not
// do (oversized acks, reused tickets). It returns the socket and its URL.
func rawConn(ctx context.Context, t *testing.T, s *slacktest.Server) (*websocket.Conn, string) {
	t.Helper()
	info, wsURL, err := slack.New(slacktest.BotToken,
		slack.OptionAppLevelToken(slacktest.AppToken),
		slack.OptionAPIURL(s.APIURL())).StartSocketModeContext(ctx)
	if err != nil || info == nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, wsURL, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	return ws, wsURL
}

// readFrame reads one JSON text frame from a raw connection.
func readFrame(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	if err := ws.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(msg, &m); err != nil {
		t.Fatalf("frame %q: %v", msg, err)
	}
	return m
}
