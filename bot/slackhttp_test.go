package bot_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/bot"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// seenRequests records, for each request a transport was given, whether
// it carried net/http's legacy cancel channel and the deadline it had.
type seenRequests struct {
	mu        sync.Mutex
	legacy    int
	deadlines []time.Time // zero: none
}

func (s *seenRequests) transport() http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		s.mu.Lock()
		if r.Cancel != nil {
			s.legacy++
		}
		d, _ := r.Context().Deadline()
		s.deadlines = append(s.deadlines, d)
		s.mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})
}

// TestSlackHTTPKeepsEveryCallBoundWithoutLegacyCancel: the client serve
// gives slack-go wraps net/http's transport (answers capped, Retry-After
// reworded), and net/http serves a client Timeout over a transport it does
// not know the legacy way: a goroutine and a timer per request, and a
// Request.Cancel that starts a second goroutine in the transport (issue 19:
// three goroutines a users.info call, two of them this). The Timeout is
// now the wrapper's own deadline on a request whose context has none
// sooner: every call stays bound, none goes the legacy way, and a caller's
// sooner deadline is left as it is.
func TestSlackHTTPKeepsEveryCallBoundWithoutLegacyCancel(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"user":{"id":"U0ADA","profile":{"email":"ada@example.com"}}}`)
	}))
	t.Cleanup(srv.Close)
	var seen seenRequests
	hc := &http.Client{Transport: seen.transport(), Timeout: 30 * time.Second}
	client := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(bot.SlackHTTP(hc)))

	start := time.Now()
	if _, err := client.GetUserInfoContext(context.Background(), "U0ADA"); err != nil {
		t.Fatalf("users.info without a deadline: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	callerDeadline, _ := ctx.Deadline()
	if _, err := client.GetUserInfoContext(ctx, "U0ADA"); err != nil {
		t.Fatalf("users.info with a deadline: %v", err)
	}
	end := time.Now()

	seen.mu.Lock()
	defer seen.mu.Unlock()
	if seen.legacy != 0 {
		t.Errorf("%d of %d requests went through net/http's legacy cancel (Request.Cancel set)", seen.legacy, len(seen.deadlines))
	}
	if len(seen.deadlines) != 2 {
		t.Fatalf("%d requests, want 2", len(seen.deadlines))
	}
	// Without a deadline of its own, the client's Timeout bounds it.
	if d := seen.deadlines[0]; d.IsZero() || d.Before(start.Add(30*time.Second)) || d.After(end.Add(30*time.Second)) {
		t.Errorf("a call without a deadline was sent with deadline %v, want the client's 30 s Timeout from %v", d, start)
	}
	// A sooner deadline of the caller's is the one the request carries.
	if d := seen.deadlines[1]; !d.Equal(callerDeadline) {
		t.Errorf("a call with a 5 s deadline was sent with deadline %v, want %v", d, callerDeadline)
	}
	if hc.Timeout != 30*time.Second {
		t.Errorf("the caller's client changed: Timeout %v", hc.Timeout)
	}
}

// hangingAnswers are a Slack that takes a request and never finishes its
// answer; each handler returns when the client gives up or the test ends.
var hangingAnswers = []struct {
	name  string
	serve func(done <-chan struct{}, w http.ResponseWriter, r *http.Request)
}{
	{"headers never sent", func(done <-chan struct{}, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}},
	{"body trickled forever", func(done <-chan struct{}, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"pad":"`)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-done:
				return
			case <-tick.C:
				if _, err := io.WriteString(w, " "); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}},
}

// watchdog is how long a test waits for a call that should end on its own
// deadline before calling it hung: what is left of go test's own timeout,
// less a margin to report it. It bounds a hang; it times nothing.
func watchdog(t *testing.T) <-chan time.Time {
	t.Helper()
	d := 5 * time.Minute
	if dl, ok := t.Deadline(); ok {
		d = time.Until(dl) - 10*time.Second
	}
	return time.After(d)
}

// TestSlackHTTPEndsAHangingCall: a Web API call made without a deadline of
// its own (slack-go's Socket Mode opens its connection with the run's
// context) against a Slack that never finishes its answer still ends, with
// a timeout, on the client's Timeout: the Timeout net/http no longer
// enforces itself on this client.
func TestSlackHTTPEndsAHangingCall(t *testing.T) {
	t.Parallel()
	for _, c := range hangingAnswers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serve(done, w, r) }))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(done) })
			client := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"),
				slack.OptionHTTPClient(bot.SlackHTTP(&http.Client{Timeout: 200 * time.Millisecond})))
			errc := make(chan error, 1)
			go func() {
				_, err := client.GetUserInfoContext(context.Background(), "U0ADA")
				errc <- err
			}()
			select {
			case err := <-errc:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("a hanging users.info ended with %v, want a deadline", err)
				}
			case <-watchdog(t):
				t.Fatal("a users.info call without a deadline of its own hung on a Slack that never finished its answer")
			}
		})
	}
}

// TestResponderPostWithoutLegacyCancel: a response_url post carries its
// attempt's deadline (10 s, or the caller's sooner), and the Responder's
// copy of the client has no Timeout of its own for net/http to serve the
// legacy way when the transport is wrapped (an observer, a proxy's): each
// post would start a goroutine and a timer for nothing.
func TestResponderPostWithoutLegacyCancel(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	var seen seenRequests
	hc := &http.Client{Transport: seen.transport(), Timeout: 30 * time.Second}
	r := bot.NewResponder(hc, srv.URL+"/api/")
	if err := r.Post(context.Background(), srv.URL+"/commands/1", bot.RenderNotice("hello"), bot.PrivateReplace); err != nil {
		t.Fatal(err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if seen.legacy != 0 {
		t.Errorf("%d of %d posts went through net/http's legacy cancel (Request.Cancel set)", seen.legacy, len(seen.deadlines))
	}
	for _, d := range seen.deadlines {
		if d.IsZero() {
			t.Error("a post was sent without a deadline")
		}
	}
	if hc.Timeout != 30*time.Second {
		t.Errorf("the caller's client changed: Timeout %v", hc.Timeout)
	}
}

// TestResponderEndsAHangingPost: a response_url post to a Slack that never
// finishes its answer ends on its deadline, with a timeout, and is not
// posted again (Slack may have taken it).
func TestResponderEndsAHangingPost(t *testing.T) {
	t.Parallel()
	for _, c := range hangingAnswers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan struct{})
			var mu sync.Mutex
			posts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				posts++
				mu.Unlock()
				c.serve(done, w, r)
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(done) })
			var sent atomic.Int32
			hc := upstreamLikeHTTP()
			hc.Transport = tripCounter{next: hc.Transport, n: &sent}
			r := bot.NewResponder(hc, srv.URL+"/api/")
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- r.Post(ctx, srv.URL+"/commands/1", bot.RenderNotice("hello"), bot.PrivateReplace) }()
			select {
			case err := <-errc:
				// A 200 whose body never ends is taken as delivered: its
				// status says Slack took the post, and only 4 KiB of the
				// body is ever read, its failure unheeded.
				if !errors.Is(err, context.DeadlineExceeded) && !(err == nil && c.name == "body trickled forever") {
					t.Errorf("a hanging post ended with %v, want a deadline", err)
				}
			case <-watchdog(t):
				t.Fatal("a response_url post hung on a Slack that never finished its answer")
			}
			// Counted as sent: under load the 200 ms may pass before the
			// server reads the post, which it then never handles (seen
			// "0 posts, want 1"). The server sees fewer, never more.
			if n := sent.Load(); n != 1 {
				t.Errorf("%d posts sent, want 1", n)
			}
			mu.Lock()
			defer mu.Unlock()
			if posts > 1 {
				t.Errorf("%d posts served, want at most 1", posts)
			}
		})
	}
}
