package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/internal/backoff/backofftest"

	"lastactive/atlassian/atlassiantest"
)

func TestResponderPostsTrustedURLsOnly(t *testing.T) {
	var got atomic.Value
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("got %s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		if calls.Load() == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got.Store(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()

	r := NewResponder(srv.Client(), srv.URL+"/api/")
	clk := &backofftest.Clock{}
	r.clock = clk
	ctx := context.Background()
	msg := RenderNotice("hello")

	if err := r.Post(ctx, srv.URL+"/commands/1", msg, PrivateReplace); err != nil {
		t.Fatalf("post to the Slack API host: %v", err)
	}
	if waits := clk.Waits(); len(waits) != 1 || waits[0] != time.Second {
		t.Errorf("waits = %v, want one Retry-After of 1s", waits)
	}
	var body struct {
		ResponseType    string `json:"response_type"`
		Text            string `json:"text"`
		ReplaceOriginal bool   `json:"replace_original"`
		Blocks          []any  `json:"blocks"`
	}
	if err := json.Unmarshal(got.Load().([]byte), &body); err != nil {
		t.Fatal(err)
	}
	if body.ResponseType != "ephemeral" || !body.ReplaceOriginal || body.Text == "" || len(body.Blocks) == 0 {
		t.Errorf("body = %+v", body)
	}

	before := calls.Load()
	for _, u := range []string{
		"https://hooks.slack.com.evil.example/commands/1", // suffix trick
		"http://hooks.slack.com/commands/1",               // no TLS
		"https://hooks.slack.com:8443/commands/1",         // another port
		"https://evil.slack.com/commands/1",               // another Slack host
		"https://user@hooks.slack.com/commands/1",         // userinfo
		"https://10.0.0.1/commands/1",                     // private network
		"http://169.254.169.254/latest/meta-data/",        // cloud metadata
		"ftp://127.0.0.1/x",
		"::not a url",
	} {
		if err := r.Post(ctx, u, msg, Private); !errors.Is(err, ErrUntrustedURL) {
			t.Errorf("Post(%q) = %v, want ErrUntrustedURL", u, err)
		}
	}
	if calls.Load() != before {
		t.Errorf("an untrusted URL was called")
	}
}

// TestResponderTrustsOnlySlackAndTheAPIHost posts to a loopback server that
// is not the configured Slack API host: it must never be called, although it
// is this machine. Slack's own host is trusted (checked through a transport
// that answers for it, so nothing leaves the process).
func TestResponderTrustsOnlySlackAndTheAPIHost(t *testing.T) {
	t.Parallel()
	var stray atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stray.Add(1)
		io.WriteString(w, "ok")
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	}))
	defer api.Close()

	ctx := context.Background()
	r := NewResponder(api.Client(), api.URL+"/api/")
	if err := r.Post(ctx, api.URL+"/response/1", RenderNotice("hi"), Private); err != nil {
		t.Fatalf("post to the Slack API host: %v", err)
	}
	otherURL, _ := url.Parse(other.URL)
	_, apiPort, _ := net.SplitHostPort(strings.TrimPrefix(api.URL, "http://"))
	for _, u := range []string{
		other.URL + "/response/1",                                   // loopback, another port
		"http://localhost:" + otherURL.Port() + "/response/1",       // loopback by name
		"http://localhost:" + apiPort + "/response/1",               // the API's port under another name
		strings.Replace(api.URL, "http://", "https://", 1) + "/r/1", // the API's host, another scheme
	} {
		if err := r.Post(ctx, u, RenderNotice("hi"), Private); !errors.Is(err, ErrUntrustedURL) {
			t.Errorf("Post(%q) = %v, want ErrUntrustedURL", u, err)
		}
	}
	if n := stray.Load(); n != 0 {
		t.Errorf("a loopback server that is not the Slack API host got %d posts", n)
	}

	rt := &recordingTransport{}
	slackOnly := NewResponder(&http.Client{Transport: rt}, "https://slack.com/api/")
	for _, u := range []string{"https://hooks.slack.com/commands/T0/1/abc", "https://hooks.slack.com:443/actions/T0/1/abc", "https://slack.com/api/x"} {
		if err := slackOnly.Post(ctx, u, RenderNotice("hi"), Private); err != nil {
			t.Errorf("Post(%q): %v", u, err)
		}
	}
	if got := len(rt.requests()); got != 3 {
		t.Errorf("Slack's hosts got %d posts, want 3", got)
	}
}

// TestResponderFollowsNoRedirect has the trusted host answer 307 towards
// another server: the reply is not delivered there, and not retried.
func TestResponderFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	var stray atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stray.Add(1)
		io.WriteString(w, "ok")
	}))
	defer elsewhere.Close()
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Redirect(w, r, elsewhere.URL+"/latest/meta-data/", http.StatusTemporaryRedirect)
	}))
	defer api.Close()

	// The client as internal/wire passes it: one that would follow redirects.
	r := NewResponder(&http.Client{}, api.URL+"/api/")
	err := r.Post(context.Background(), api.URL+"/response/1", RenderNotice("hi"), Private)
	if err == nil {
		t.Fatal("a 307 counted as delivered")
	}
	if n := stray.Load(); n != 0 {
		t.Errorf("the redirect was followed (%d posts elsewhere)", n)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("trusted host called %d times, want 1 (a redirect is not retried)", n)
	}
	if strings.Contains(err.Error(), elsewhere.URL) || strings.Contains(err.Error(), "/response/1") {
		t.Errorf("error names a URL: %v", err)
	}
}

// TestResponderRetries: the Responder retries 429, 5xx and transport
// failures with the one policy (internal/backoff): 3 attempts at most,
// Slack's Retry-After (seconds or a date) believed up to 10 s, the
// policy's capped backoff otherwise; other answers are not retried.
func TestResponderRetries(t *testing.T) {
	t.Parallel()
	type answer struct {
		status     int
		retryAfter string
	}
	// The Responder reads Retry-After's date against its clock, fixed here:
	// a date against the wall clock made the wait depend on how long the
	// test took to reach it.
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	date := now.Add(4 * time.Second).Format(http.TimeFormat)
	cases := []struct {
		name      string
		answers   []answer // then 200 ok
		wantErr   bool
		wantCalls int
		check     func(t *testing.T, waits []time.Duration)
	}{
		{"429 seconds", []answer{{429, "3"}}, false, 2, exactly(3 * time.Second)},
		{"429 date", []answer{{429, date}}, false, 2, exactly(4 * time.Second)},
		{"429 too long is capped", []answer{{429, "3600"}}, false, 2, exactly(10 * time.Second)},
		{"5xx backs off", []answer{{503, ""}, {500, ""}}, false, 3, func(t *testing.T, w []time.Duration) {
			if len(w) != 2 || w[0] < 500*time.Millisecond || w[0] > time.Second || w[1] < time.Second || w[1] > 2*time.Second {
				t.Errorf("waits = %v, want [0.5s..1s, 1s..2s]", w)
			}
		}},
		{"gives up after 3 attempts", []answer{{500, ""}, {500, ""}, {500, ""}, {500, ""}}, true, 3, nil},
		{"400 is not retried", []answer{{400, ""}}, true, 1, exactly()},
		{"404 is not retried", []answer{{404, ""}}, true, 1, exactly()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				if n <= len(c.answers) {
					a := c.answers[n-1]
					if a.retryAfter != "" {
						w.Header().Set("Retry-After", a.retryAfter)
					}
					w.WriteHeader(a.status)
					return
				}
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "ok")
			}))
			defer srv.Close()
			r := NewResponder(srv.Client(), srv.URL+"/api/")
			clk := &backofftest.Clock{At: now}
			r.clock = clk
			err := r.Post(context.Background(), srv.URL+"/response/1", RenderNotice("hi"), Private)
			if (err != nil) != c.wantErr {
				t.Errorf("Post = %v, want error %v", err, c.wantErr)
			}
			if n := int(calls.Load()); n != c.wantCalls {
				t.Errorf("calls = %d, want %d", n, c.wantCalls)
			}
			if c.check != nil {
				c.check(t, clk.Waits())
			}
		})
	}
}

func exactly(want ...time.Duration) func(*testing.T, []time.Duration) {
	return func(t *testing.T, got []time.Duration) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("waits = %v, want %v", got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("waits = %v, want %v", got, want)
				return
			}
		}
	}
}

// TestResponderDoesNotPostTwiceWhenTheAnswerIsLost: a reply whose whole
// request reached Slack but whose answer was lost (the connection dropped,
// or the attempt timed out waiting) may already show to the asker, so it is
// not posted again: it fails as ErrReplyUnconfirmed after one post. A
// reply that certainly never reached Slack (the connection refused) is
// still retried. The fake reads each POST whole before it misbehaves, and
// counts only those.
func TestResponderDoesNotPostTwiceWhenTheAnswerIsLost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		timeout   time.Duration // the client's; 0: the Responder's own
		handler   func(w http.ResponseWriter, r *http.Request)
		wantPosts int
		unconfirm bool
		wantWaits int // -1: not checked
	}{
		{"connection dropped after the body", 0, func(w http.ResponseWriter, r *http.Request) {
			// http.ErrAbortHandler closes the connection, answering nothing.
			panic(http.ErrAbortHandler)
		}, 1, true, 0},
		// Waits not checked: on a starved machine an attempt may time out
		// before its request is written, and that one is retried, rightly.
		{"answer later than the attempt's timeout", 2 * time.Second, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // the client gave up and closed the connection
		}, 1, true, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.ReadAll(r.Body); err != nil {
					return // not the whole request: Slack could not have taken it
				}
				posts.Add(1)
				c.handler(w, r)
			}))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the aborts are meant
			srv.Start()
			defer srv.Close()
			client := srv.Client()
			if c.timeout > 0 {
				client.Timeout = c.timeout
			}
			r := NewResponder(client, srv.URL+"/api/")
			clk := &backofftest.Clock{At: time.Now()}
			r.clock = clk
			err := r.Post(context.Background(), srv.URL+"/response/1", RenderNotice("hi"), Private)
			if err == nil {
				t.Fatal("Post = nil, want an error: no answer came")
			}
			if n := int(posts.Load()); n != c.wantPosts {
				t.Errorf("Slack got the reply %d times, want %d (the asker sees each)", n, c.wantPosts)
			}
			if got := errors.Is(err, ErrReplyUnconfirmed); got != c.unconfirm {
				t.Errorf("Post = %v; errors.Is(ErrReplyUnconfirmed) = %v, want %v", err, got, c.unconfirm)
			}
			if w := clk.Waits(); c.wantWaits >= 0 && len(w) != c.wantWaits {
				t.Errorf("waits = %v, want %d", w, c.wantWaits)
			}
			if strings.Contains(err.Error(), "/response/1") {
				t.Errorf("error names the URL: %v", err)
			}
		})
	}
	// A keep-alive connection Slack closes as idle just as a post goes out
	// on it (Go's "server closed idle connection" race) ends the same way
	// as an answer lost, but Slack never read that post: posting it again
	// on a new connection is the only way the asker sees it.
	t.Run("keep-alive connection closed as the post went out is posted again", func(t *testing.T) {
		t.Parallel()
		var (
			posts  atomic.Int32
			seen   sync.Map
			closed atomic.Bool
		)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, reused := seen.LoadOrStore(r.RemoteAddr, true); reused && closed.CompareAndSwap(false, true) {
				panic(http.ErrAbortHandler) // closed unread, as an idle connection
			}
			if _, err := io.ReadAll(r.Body); err != nil {
				return
			}
			posts.Add(1)
			io.WriteString(w, "ok")
		}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Start()
		defer srv.Close()
		r := NewResponder(srv.Client(), srv.URL+"/api/")
		r.clock = &backofftest.Clock{At: time.Now()}
		for i, want := range []int32{1, 2} {
			if err := r.Post(context.Background(), srv.URL+"/response/1", RenderNotice("hi"), Private); err != nil {
				t.Fatalf("post %d = %v", i+1, err)
			}
			if n := posts.Load(); n != want {
				t.Fatalf("after post %d Slack took %d posts, want %d", i+1, n, want)
			}
		}
		if !closed.Load() {
			t.Fatal("the second post did not go out on the first one's connection: the test proves nothing")
		}
	})
	t.Run("connection refused is retried", func(t *testing.T) {
		t.Parallel()
		addr := atlassiantest.RefusedAddr(t) // every dial is refused
		r := NewResponder(&http.Client{}, "http://"+addr+"/api/")
		clk := &backofftest.Clock{At: time.Now()}
		r.clock = clk
		err := r.Post(context.Background(), "http://"+addr+"/response/1", RenderNotice("hi"), Private)
		if err == nil || errors.Is(err, ErrReplyUnconfirmed) {
			t.Errorf("Post = %v, want a plain failure (nothing reached Slack)", err)
		}
		if w := clk.Waits(); len(w) != 2 {
			t.Errorf("waits = %v, want 2 (3 attempts: a refused dial is retried)", w)
		}
	})
}
