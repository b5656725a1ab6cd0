package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/internal/backoff/backofftest"
)

// midBodyAnswers are Web API answers that start as a 200 and fail while
// their body is read. None is Slack refusing the call.
var midBodyAnswers = []struct {
	name string
	// client is the HTTP client given to SlackHTTP.
	client func() *http.Client
	serve  func(t *testing.T, w http.ResponseWriter, r *http.Request)
}{
	{
		// The client's Timeout ends the read: net/http words it as its
		// own timeout error, neither a *url.Error nor a deadline.
		name:   "a body trickled past the client's timeout",
		client: func() *http.Client { return &http.Client{Timeout: 300 * time.Millisecond} },
		serve: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"SECRETWORD":"`)
			w.(http.Flusher).Flush()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-r.Context().Done():
					return
				case <-tick.C:
					if _, err := io.WriteString(w, "x"); err != nil {
						return
					}
					w.(http.Flusher).Flush()
				}
			}
		},
	},
	{
		name:   "an answer larger than the bot reads",
		client: func() *http.Client { return &http.Client{Timeout: time.Minute} },
		serve: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"pad":"SECRETWORD`)
			pad := strings.Repeat("x", 64<<10)
			for n := 0; n <= bot.MaxSlackAnswer; n += len(pad) {
				if _, err := io.WriteString(w, pad); err != nil {
					return
				}
			}
			io.WriteString(w, `"}`)
		},
	},
	{
		// A reset rather than a clean close: the read fails with the
		// connection's own error, not an unexpected end of file.
		name:   "a connection reset mid-body",
		client: func() *http.Client { return &http.Client{Timeout: time.Minute} },
		serve: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
			buf.WriteString(`{"ok":true,"SECRETWORD":"`)
			buf.Flush()
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // close with a reset
			}
			conn.Close()
		},
	},
}

// TestSlackAnswerFailingMidBodyIsNotARefusal: a Web API answer that fails
// while its body is read (the client's timeout, an answer over
// MaxSlackAnswer, a reset connection) is no answer from Slack. Before, each
// was ErrSlackRefused ("slack refused the call: ..."), told to the asker as
// a refusal to take to the Slack admin, not retried, and taken as proof
// that Slack accepted the bot token.
func TestSlackAnswerFailingMidBodyIsNotARefusal(t *testing.T) {
	t.Parallel()
	for _, c := range midBodyAnswers {
		for _, method := range []string{"users.info", "chat.postEphemeral"} {
			t.Run(c.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				var calls atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					calls.Add(1)
					c.serve(t, w, r)
				}))
				t.Cleanup(srv.Close)
				var rejected, sent atomic.Int32
				hc := c.client()
				hc.Transport = tripCounter{next: http.DefaultTransport, n: &sent}
				api := &bot.SlackAPI{
					Client:          slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(bot.SlackHTTP(hc))),
					URL:             srv.URL + "/api/",
					Clock:           &backofftest.Clock{Advance: true},
					Logger:          slog.New(slog.DiscardHandler),
					OnTokenRejected: func(error) { rejected.Add(1) },
				}
				// The call's own deadline is far off: the client ends it.
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				var err error
				if method == "users.info" {
					_, err = bot.SlackUsers{API: api}.EmailOf(ctx, "U0ADA")
				} else {
					_, err = bot.SlackEphemeral{API: api}.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("hi", false))
				}
				if errors.Is(err, bot.ErrSlackRefused) || !errors.Is(err, bot.ErrSlackUnavailable) {
					t.Fatalf("error %v: want ErrSlackUnavailable, not ErrSlackRefused", err)
				}
				if msg := err.Error(); strings.Contains(msg, "SECRETWORD") || strings.Contains(msg, "refused") || strings.Contains(msg, "xoxb") {
					t.Errorf("error %q says refused, or echoes the answer or the token", msg)
				}
				// users.info may be asked again; a post may have been shown.
				// (Reading 16 MiB three times may outlast users.info's own
				// deadline under -race, which then ends the retries: that
				// count is not checked.)
				// Counted as sent by the bot, not as served: under load a
				// request whose client timeout passed before the server read
				// it is never handled, or handled after this check (seen
				// "0 calls, want 1" with 1 sent). The server may see fewer,
				// never more.
				want := map[string]int32{"users.info": 3, "chat.postEphemeral": 1}[method]
				if n := sent.Load(); n != want && !(c.name == "an answer larger than the bot reads" && method == "users.info" && n >= 1) {
					t.Errorf("%d calls sent, want %d", n, want)
				}
				srv.Close()
				if n, s := calls.Load(), sent.Load(); n > s {
					t.Errorf("%d calls served, more than the %d sent", n, s)
				}
				if n := rejected.Load(); n != 0 {
					t.Errorf("OnTokenRejected called %d times", n)
				}
			})
		}
	}
}

// tripCounter counts the requests a client sends.
type tripCounter struct {
	next http.RoundTripper
	n    *atomic.Int32
}

func (c tripCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}
