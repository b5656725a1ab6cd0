package atlassian

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	full := Config{
		JiraBaseURL: "https://example.atlassian.net", JiraEmail: testJiraEmail, JiraAPIToken: testJiraToken,
		OrgID: testOrgID, APIKey: testAPIKey,
	}
	with := func(f func(*Config)) Config { c := full; f(&c); return c }
	tests := []struct {
		name    string
		cfg     Config
		opts    []Option
		wantErr string // "" for success
	}{
		{name: "full", cfg: full},
		{name: "jira only", cfg: Config{JiraBaseURL: "https://x.atlassian.net/", JiraEmail: "a@b", JiraAPIToken: "t"}},
		{name: "admin only", cfg: Config{OrgID: "o", APIKey: "k"}},
		{name: "nothing", cfg: Config{}, wantErr: "neither"},
		{name: "jira half incomplete", cfg: with(func(c *Config) { c.JiraAPIToken = "" }), wantErr: "JiraAPIToken"},
		{name: "admin half incomplete", cfg: with(func(c *Config) { c.APIKey = " " }), wantErr: "APIKey"},
		{name: "relative jira URL", cfg: with(func(c *Config) { c.JiraBaseURL = "example.atlassian.net" }), wantErr: "JiraBaseURL"},
		{name: "ftp admin URL", cfg: with(func(c *Config) { c.AdminBaseURL = "ftp://api.atlassian.com" }), wantErr: "AdminBaseURL"},
		{name: "URL with password", cfg: with(func(c *Config) { c.JiraBaseURL = "https://u:hunter2@x.atlassian.net" }), wantErr: "credentials"},
		{name: "URL with query", cfg: with(func(c *Config) { c.AdminBaseURL = "https://api.atlassian.com?x=1" }), wantErr: "query"},
		{name: "unparsable URL", cfg: with(func(c *Config) { c.JiraBaseURL = "https://x.net/%zz" }), wantErr: "not a valid URL"},
		{name: "dot org ID", cfg: with(func(c *Config) { c.OrgID = "." }), wantErr: "OrgID"},
		{name: "dot-dot org ID", cfg: with(func(c *Config) { c.OrgID = ".." }), wantErr: "OrgID"},
		{name: "nil http client", cfg: full, opts: []Option{WithHTTPClient(nil)}, wantErr: "WithHTTPClient"},
		{name: "zero timeout", cfg: full, opts: []Option{WithTimeout(0)}, wantErr: "WithTimeout"},
		{name: "negative retry", cfg: full, opts: []Option{WithRetry(RetryPolicy{MaxAttempts: -1})}, wantErr: "WithRetry"},
		{name: "base over max delay", cfg: full, opts: []Option{WithRetry(RetryPolicy{BaseDelay: time.Minute, MaxDelay: time.Second})}, wantErr: "WithRetry"},
		{name: "nil logger", cfg: full, opts: []Option{WithLogger(nil)}, wantErr: "WithLogger"},
		{name: "nil clock", cfg: full, opts: []Option{WithClock(nil)}, wantErr: "WithClock"},
		{name: "nil observer", cfg: full, opts: []Option{WithObserver(nil)}, wantErr: "WithObserver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.cfg, tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.OrgID() != tt.cfg.OrgID {
					t.Errorf("OrgID = %q", c.OrgID())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			for _, secret := range []string{testJiraToken, testAPIKey, "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err %q leaks a secret", err)
				}
			}
		})
	}
}

// TestBaseURLWithPath: a base with a path (a proxy, a test server) keeps it.
func TestBaseURLWithPath(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/proxy/admin/v1/orgs/") {
			t.Errorf("path = %q", r.URL.Path)
		}
		fmt.Fprint(w, okPage)
	})
	c, _ := newTestClient(t, srv.URL+"/proxy/")
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
}

// TestSameHostRedirectFollowed: a redirect on the same host is harmless and
// followed (with the credentials, which Go keeps on the same host).
func TestSameHostRedirectFollowed(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old/rest/api/3/myself" {
			http.Redirect(w, r, "/rest/api/3/myself", http.StatusMovedPermanently)
			return
		}
		checkAuth(t, r, testBasic)
		fmt.Fprint(w, `{"accountId":"me"}`)
	})
	c, _ := newTestClient(t, srv.URL+"/old")
	if a, err := c.Myself(context.Background()); err != nil || a.AccountID != "me" {
		t.Fatalf("Myself = %+v, %v", a, err)
	}
}

// TestCallerHTTPClientUntouched: New copies the client it is given, so the
// caller's redirect policy is not changed behind its back.
func TestCallerHTTPClientUntouched(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	c, err := New(Config{OrgID: "o", APIKey: "k"}, WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil || c.hc == hc || c.hc.CheckRedirect == nil {
		t.Error("New changed the caller's client or kept no redirect policy")
	}
}

// TestAttemptDeadline: each attempt gets a deadline even when the caller's
// context has none.
func TestAttemptDeadline(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, okPage)
	})
	var sawDeadline bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, sawDeadline = r.Context().Deadline()
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, _ := newTestClient(t, srv.URL, WithHTTPClient(hc), WithTimeout(time.Minute))
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
	if !sawDeadline {
		t.Error("the request carried no deadline")
	}
}

// TestClientTimeoutLeftToTheAttempt: the bot's upstream client has a Timeout
// (30 s) longer than an attempt's deadline (10 s), which bounds the request
// already. Behind the client's own transport wrapper, net/http serves such a
// Timeout the legacy way, with a goroutine, a timer and a Request.Cancel
// channel for every request: the Client does without it (req.Cancel stays
// nil), and the caller's *http.Client is not changed. A Timeout shorter than
// the attempt's still bounds each request.
func TestClientTimeoutLeftToTheAttempt(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Stall") != "" {
			<-r.Context().Done()
			return
		}
		fmt.Fprint(w, okPage)
	})
	var legacyCancel, noDeadline atomic.Int32
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Cancel != nil {
			legacyCancel.Add(1)
		}
		if _, ok := r.Context().Deadline(); !ok {
			noDeadline.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	c, _ := newTestClient(t, srv.URL, WithHTTPClient(hc))
	if _, err := c.LastActive(context.Background(), testAccountID); err != nil {
		t.Fatal(err)
	}
	if n := legacyCancel.Load(); n != 0 {
		t.Errorf("%d requests went through net/http's legacy cancel (Request.Cancel set): the client's Timeout was not left to the attempt's deadline", n)
	}
	if n := noDeadline.Load(); n != 0 {
		t.Errorf("%d requests carried no deadline", n)
	}
	if hc.Timeout != 30*time.Second {
		t.Errorf("the caller's client changed: Timeout %v", hc.Timeout)
	}

	// A client Timeout shorter than the attempt's is kept: it ends a stalled
	// request long before the attempt's minute.
	short := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Set("X-Stall", "1")
		return http.DefaultTransport.RoundTrip(r)
	}), Timeout: 50 * time.Millisecond}
	c2, _ := newTestClient(t, srv.URL, WithHTTPClient(short), WithTimeout(time.Minute),
		WithRetry(RetryPolicy{MaxAttempts: 1}))
	_, err := c2.LastActive(context.Background(), testAccountID)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrUnavailable || (e.Net != NetTimeout && e.Net != NetNoAnswer) {
		t.Fatalf("stalled request under a 50 ms client Timeout: %v, want unavailable, timed out", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
