package atlassian_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// fakeClient starts the fake with the sample org and a client for it;
// with jira false, the client has no Jira half.
func fakeClient(t *testing.T, jira bool, mutate func(*atlassian.Config), opts ...atlassian.Option) (*atlassian.Client, *atlassiantest.Server) {
	t.Helper()
	srv := atlassiantest.NewServer(atlassiantest.SampleOrg(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)))
	t.Cleanup(srv.Close)
	cfg := atlassian.Config{AdminBaseURL: srv.URL(), OrgID: atlassiantest.OrgID, APIKey: atlassiantest.APIKey}
	if jira {
		cfg.JiraBaseURL, cfg.JiraEmail, cfg.JiraAPIToken = srv.URL(), atlassiantest.JiraEmail, atlassiantest.JiraAPIToken
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := atlassian.New(cfg, append([]atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestOrgCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reject   atlassiantest.Rejections
		mutate   func(*atlassian.Config)
		wantKind atlassian.Kind
		// also is the coarse kind the error must match too.
		also       atlassian.Kind
		wantStatus int
	}{
		{name: "ok"},
		{name: "key rejected", reject: atlassiantest.Rejections{APIKey: true}, wantKind: atlassian.ErrCredentials, wantStatus: 401},
		{name: "wrong key", mutate: func(c *atlassian.Config) { c.APIKey = "not-the-key" }, wantKind: atlassian.ErrCredentials, wantStatus: 401},
		{name: "key owner not admin", reject: atlassiantest.Rejections{KeyNotAdmin: true},
			wantKind: atlassian.ErrNotOrgAdmin, also: atlassian.ErrCredentials, wantStatus: 403},
		{name: "wrong org ID", mutate: func(c *atlassian.Config) { c.OrgID = "org-typo" },
			wantKind: atlassian.ErrOrgNotFound, also: atlassian.ErrRejected, wantStatus: 404},
		{name: "jira token rejected does not matter", reject: atlassiantest.Rejections{JiraToken: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, srv := fakeClient(t, true, tt.mutate)
			srv.Reject(tt.reject)
			org, err := c.Org(context.Background())
			if got := atlassian.KindOf(err); got != tt.wantKind {
				t.Fatalf("KindOf(%v) = %q, want %q", err, got, tt.wantKind)
			}
			if srv.CountEndpoint(atlassiantest.EndpointOrg) != 1 {
				t.Errorf("org endpoint called %d times, want 1", srv.CountEndpoint(atlassiantest.EndpointOrg))
			}
			if tt.wantKind == "" {
				if diff := cmp.Diff(atlassian.Org{ID: atlassiantest.OrgID, Name: "Acme"}, org); diff != "" {
					t.Errorf("org (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) || tt.also != "" && !errors.Is(err, tt.also) {
				t.Errorf("err = %v does not match %q and %q", err, tt.wantKind, tt.also)
			}
			var e *atlassian.Error
			if !errors.As(err, &e) || e.Status != tt.wantStatus || e.Net != "" {
				t.Errorf("err = %+v, want status %d and no network failure", e, tt.wantStatus)
			}
			// The three are told apart: no other kind of the three matches.
			for _, k := range []atlassian.Kind{atlassian.ErrNotOrgAdmin, atlassian.ErrOrgNotFound} {
				if k != tt.wantKind && errors.Is(err, k) {
					t.Errorf("err also matches %q", k)
				}
			}
		})
	}
}

func TestMyselfRejection(t *testing.T) {
	t.Parallel()
	c, srv := fakeClient(t, true, nil)
	me, err := c.Myself(context.Background())
	if err != nil || me.AccountID != atlassiantest.BotAccountID {
		t.Fatalf("Myself = %+v, %v", me, err)
	}
	srv.Reject(atlassiantest.Rejections{JiraToken: true})
	if _, err := c.Myself(context.Background()); !errors.Is(err, atlassian.ErrCredentials) || atlassian.KindOf(err) != atlassian.ErrCredentials {
		t.Errorf("Myself with a revoked token: %v, want ErrCredentials", err)
	}
	if _, err := c.FindAccount(context.Background(), "ada@example.com"); !errors.Is(err, atlassian.ErrCredentials) {
		t.Errorf("search with a revoked token: %v, want ErrCredentials", err)
	}
	// The Admin half is untouched by a Jira rejection.
	if _, err := c.Org(context.Background()); err != nil {
		t.Errorf("Org: %v", err)
	}
	if got := srv.CountEndpoint(atlassiantest.EndpointJiraMyself); got != 2 {
		t.Errorf("/myself called %d times, want 2", got)
	}
}

// TestNetworkFailures: each failure without an HTTP answer is named, with
// the host, as ErrUnavailable and never as a credential problem. All of
// them happen on loopback.
func TestNetworkFailures(t *testing.T) {
	t.Parallel()
	u := atlassiantest.NewUnreachable(t)
	refused, silent, noDNS := u.Refused, u.Silent, u.NoDNS

	tests := []struct {
		name string
		base string
		opts []atlassian.Option
		want atlassian.Net
		host string
	}{
		{"refused", "http://" + refused, nil, atlassian.NetRefused, refused},
		// Connected, then nothing: Atlassian or a proxy is stuck, not a firewall.
		{"no answer", "http://" + silent, []atlassian.Option{atlassian.WithTimeout(50 * time.Millisecond)},
			atlassian.NetNoAnswer, silent},
		// No connection in time: what a firewall that drops packets does.
		{"connect timeout", "http://" + refused, []atlassian.Option{atlassian.WithTimeout(50 * time.Millisecond),
			atlassian.WithHTTPClient(atlassiantest.DialBlackhole())}, atlassian.NetTimeout, refused},
		{"tls", u.TLSURL, nil, atlassian.NetTLS, strings.TrimPrefix(u.TLSURL, "https://")},
		{"dns", "http://no-such-host.example:8080", []atlassian.Option{atlassian.WithHTTPClient(noDNS)}, atlassian.NetDNS, "no-such-host.example:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := atlassian.New(atlassian.Config{AdminBaseURL: tt.base, OrgID: "o", APIKey: "k-SECRET"},
				append([]atlassian.Option{atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1})}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Org(context.Background())
			var e *atlassian.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, not an *Error", err)
			}
			if e.Net != tt.want || !errors.Is(err, tt.want) || e.Host != tt.host {
				t.Errorf("Net = %q, Host = %q (%v); want %q at %q", e.Net, e.Host, err, tt.want, tt.host)
			}
			if !errors.Is(err, atlassian.ErrUnavailable) || errors.Is(err, atlassian.ErrCredentials) {
				t.Errorf("err = %v, want ErrUnavailable and not a credential problem", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, string(tt.want)) || !strings.Contains(msg, tt.host) || strings.Contains(msg, "SECRET") {
				t.Errorf("message %q should name %q and %q and no secret", msg, tt.want, tt.host)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	base := &atlassian.Error{Kind: atlassian.ErrNotOrgAdmin, API: atlassian.Admin, Status: 403}
	tests := []struct {
		name string
		err  error
		want atlassian.Kind
	}{
		{"nil", nil, ""},
		{"plain error", errors.New("boom"), ""},
		{"bare kind is not an *Error", atlassian.ErrNotFound, ""},
		{"not configured", atlassian.ErrNotConfigured, ""},
		{"direct", &atlassian.Error{Kind: atlassian.ErrRateLimited}, atlassian.ErrRateLimited},
		{"finest kind", base, atlassian.ErrNotOrgAdmin},
		{"wrapped", errors.Join(errors.New("check admin"), base), atlassian.ErrNotOrgAdmin},
		{"wrapped twice", &wrap{&wrap{&atlassian.Error{Kind: atlassian.ErrOrgNotFound}}}, atlassian.ErrOrgNotFound},
		{"context only", context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := atlassian.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf = %q, want %q", got, tt.want)
			}
		})
	}
}

type wrap struct{ err error }

func (w *wrap) Error() string { return "step: " + w.err.Error() }
func (w *wrap) Unwrap() error { return w.err }

// TestOrgErrorEchoesNoHeader: a broken proxy that reflects the request's
// Authorization header into the answer gets an error that does not carry it.
func TestOrgErrorEchoesNoHeader(t *testing.T) {
	t.Parallel()
	const key = "admin-key-SECRET-91c2"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":{"id":"o","type":%q}}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	c, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Org(context.Background())
	if !errors.Is(err, atlassian.ErrBadResponse) || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("err = %v, want ErrBadResponse without the key", err)
	}
}

// TestOrgWrongBaseURL: ATLASSIAN_API_URL pointing at a web site (an HTML
// 404 page) is not "no such organisation": the admin would fix the org ID
// while the URL is wrong. A JSON 404 from the API still is.
func TestOrgWrongBaseURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, ctype, body string
		want              atlassian.Kind
	}{
		{"html page", "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Page not found</body></html>", atlassian.ErrBadResponse},
		{"plain text", "text/plain", "404 page not found", atlassian.ErrBadResponse},
		{"api json without code", "application/json", `{"code":404,"message":"Not Found"}`, atlassian.ErrOrgNotFound},
		{"api json with code", "application/json", `{"errors":[{"code":"ADMIN-404-2","title":"Not Found"}]}`, atlassian.ErrOrgNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, c.body)
			}))
			defer srv.Close()
			cl, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL, OrgID: "o", APIKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Org(context.Background())
			if got := atlassian.KindOf(err); got != c.want {
				t.Errorf("kind %q (%v), want %q", got, err, c.want)
			}
		})
	}
}
