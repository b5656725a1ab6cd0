package bot_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/internal/backoff/backofftest"
)

// countingListener counts the connections a test server accepts.
type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// TestSlackTLSRefusalIsNotRetried: a Slack API URL whose server will not
// speak TLS with the bot (plain HTTP behind https, no protocol version in
// common) refuses the next attempt the same way, so users.info fails after
// one connection, not three over a second and more of backoff, as the
// Atlassian client does (atlassian.TLSRefused). A 5xx is still retried
// (TestMentionLookupNamesSlackFailures).
func TestSlackTLSRefusalIsNotRetried(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("server got %s %s, which the handshake should have refused", r.Method, r.URL.Path)
	})
	for _, c := range []struct {
		name  string
		start func(*httptest.Server) string // starts the server, returns the API URL
	}{
		{"plain HTTP behind https", func(s *httptest.Server) string {
			s.Start()
			return "https://" + strings.TrimPrefix(s.URL, "http://") + "/api/"
		}},
		{"TLS 1.0 and 1.1 only", func(s *httptest.Server) string {
			s.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
			s.StartTLS()
			return s.URL + "/api/"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int32
			srv := httptest.NewUnstartedServer(handler)
			srv.Listener = countingListener{srv.Listener, &conns}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			url := c.start(srv)
			t.Cleanup(srv.Close)
			clock := &backofftest.Clock{Advance: true}
			api := &bot.SlackAPI{
				Client: slack.New(slacktest.BotToken, slack.OptionAPIURL(url),
					slack.OptionHTTPClient(bot.SlackHTTP(&http.Client{Timeout: time.Minute}))),
				URL:   url,
				Clock: clock,
			}
			_, err := bot.SlackUsers{API: api}.FreshEmailOf(context.Background(), "U0ADA")
			if !errors.Is(err, bot.ErrSlackUnavailable) || errors.Is(err, bot.ErrSlackTokenRejected) {
				t.Errorf("err = %v, want ErrSlackUnavailable", err)
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("%d connections (waits %v), want 1", n, clock.Waits())
			}
			if err != nil && strings.Contains(fmt.Sprint(err), slacktest.BotToken) {
				t.Error("the bot token reached the error")
			}
		})
	}
}
