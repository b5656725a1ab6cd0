package credentials_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/credentials"
)

var secrets = []string{slacktest.AppToken, slacktest.BotToken, atlassiantest.JiraAPIToken, atlassiantest.APIKey}

// noSecret fails when a configured secret appears in any result.
func noSecret(t *testing.T, rs ...credentials.Result) {
	t.Helper()
	b, _ := json.Marshal(rs)
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("a result holds a configured secret")
		}
	}
}

type env struct {
	slack *slacktest.Server
	atl   *atlassiantest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{slack: slacktest.NewServer(), atl: atlassiantest.NewServer(atlassiantest.SampleOrg(time.Now()))}
	t.Cleanup(func() { e.slack.Close(); e.atl.Close() })
	return e
}

// checker builds a Checker over real clients pointed at the fakes.
func (e *env) checker(t *testing.T, orgID string) *credentials.Checker {
	t.Helper()
	api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken), slack.OptionAPIURL(e.slack.APIURL()))
	cl, err := atlassian.New(atlassian.Config{
		JiraBaseURL: e.atl.URL(), JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminBaseURL: e.atl.URL(), OrgID: orgID, APIKey: atlassiantest.APIKey,
	}, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return &credentials.Checker{SlackBot: api, SlackApp: api, Jira: cl, JiraEmail: atlassiantest.JiraEmail, Admin: cl, OrgID: orgID}
}

func statuses(rs []credentials.Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(string(r.Status) + " ")
	}
	return strings.TrimSpace(b.String())
}

func TestAllAgainstWorkingFakes(t *testing.T) {
	e := newEnv(t)
	rs := e.checker(t, atlassiantest.OrgID).All(context.Background())
	if got := statuses(rs); got != "ok ok ok ok ok" {
		t.Fatalf("statuses = %s\n%+v", got, rs)
	}
	wantNames := []string{credentials.NameSlackBot, credentials.NameSlackApp, credentials.NameJira, credentials.NameJiraBrowse, credentials.NameAdmin}
	for i, r := range rs {
		if r.Name != wantNames[i] || r.Detail == "" || r.Rejected {
			t.Errorf("result %d = %+v, want name %q with a detail", i, r, wantNames[i])
		}
	}
	if !strings.Contains(rs[4].Detail, atlassiantest.OrgID) {
		t.Errorf("admin detail %q does not name the organisation", rs[4].Detail)
	}
	if credentials.Failed(rs) {
		t.Error("Failed = true for all ok")
	}
	if n := e.atl.CountEndpoint(atlassiantest.EndpointOrg); n != 1 {
		t.Errorf("GET /admin/v1/orgs/{orgId} called %d times, want 1", n)
	}
	noSecret(t, rs...)
}

func TestNothingConfiguredIsSkippedNotFailed(t *testing.T) {
	rs := (&credentials.Checker{}).All(context.Background())
	if got := statuses(rs); got != "SKIP SKIP SKIP SKIP SKIP" {
		t.Fatalf("statuses = %s", got)
	}
	for _, r := range rs {
		if r.Detail == "" {
			t.Errorf("%s: SKIP without a reason", r.Name)
		}
	}
	if credentials.Failed(rs) {
		t.Error("Failed = true with nothing configured")
	}
}

// TestAtlassianWithoutSlack: the Atlassian checks run without any Slack
// token, and the Admin API check does not depend on Jira.
func TestAtlassianWithoutSlack(t *testing.T) {
	e := newEnv(t)
	c := e.checker(t, atlassiantest.OrgID)
	c.SlackBot, c.SlackApp, c.Jira = nil, nil, nil
	rs := c.All(context.Background())
	if got := statuses(rs); got != "SKIP SKIP SKIP SKIP ok" {
		t.Fatalf("statuses = %s\n%+v", got, rs)
	}
	if n := e.atl.CountEndpoint(atlassiantest.EndpointJiraMyself); n != 0 {
		t.Errorf("Jira called %d times while not configured", n)
	}
}

// TestRejectedCredentials: each refused credential gets its own detail and
// fix, is marked Rejected, and a check that depends on it is SKIP, not FAIL.
func TestRejectedCredentials(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name      string
		orgID     string
		setup     func() func()
		want      string // statuses of All
		at        int    // the failing result
		detail    []string
		fix       []string
		notInText []string
	}{
		{"bot token revoked", atlassiantest.OrgID,
			func() func() { e.slack.SetBotTokenValid(false); return func() { e.slack.SetBotTokenValid(true) } },
			"FAIL ok ok ok ok", 0, []string{"invalid_auth", "SLACK_BOT_TOKEN"}, []string{"Bot User OAuth Token"}, []string{"network"}},
		{"app token revoked", atlassiantest.OrgID,
			func() func() { e.slack.SetAppTokenValid(false); return func() { e.slack.SetAppTokenValid(true) } },
			"ok FAIL ok ok ok", 1, []string{"invalid_auth", "SLACK_APP_TOKEN"}, []string{"connections:write"}, nil},
		// An app-level token made without connections:write: reinstalling
		// the app, which the bot token's missing_scope fix says, gives
		// the app-level token no scope (it was the fix here).
		{"app token lacks connections:write", atlassiantest.OrgID,
			func() func() {
				e.slack.FailMethodDetail("apps.connections.open", 1, "missing_scope", map[string]any{"needed": "connections:write", "provided": "authorizations:read"})
				return func() {}
			},
			"ok FAIL ok ok ok", 1, []string{"missing_scope", "SLACK_APP_TOKEN", "connections:write"}, []string{"App-Level Tokens", "connections:write"}, []string{"reinstall", "manifest"}},
		{"jira token rejected", atlassiantest.OrgID,
			func() func() {
				e.atl.Reject(atlassiantest.Rejections{JiraToken: true})
				return func() { e.atl.Reject(atlassiantest.Rejections{}) }
			},
			"ok ok FAIL SKIP ok", 2, []string{"JIRA_API_TOKEN", "HTTP 401"}, []string{"id.atlassian.com"}, []string{"ATLASSIAN_API_KEY"}},
		{"admin key expired", atlassiantest.OrgID,
			func() func() {
				e.atl.Reject(atlassiantest.Rejections{APIKey: true})
				return func() { e.atl.Reject(atlassiantest.Rejections{}) }
			},
			"ok ok ok ok FAIL", 4, []string{"expired", "HTTP 401"}, []string{"admin.atlassian.com → Settings → API keys", "ATLASSIAN_API_KEY"}, []string{"JIRA", "not an admin"}},
		{"key owner not an org admin", atlassiantest.OrgID,
			func() func() {
				e.atl.Reject(atlassiantest.Rejections{KeyNotAdmin: true})
				return func() { e.atl.Reject(atlassiantest.Rejections{}) }
			},
			"ok ok ok ok FAIL", 4, []string{"not an admin of organisation " + atlassiantest.OrgID, "ADMIN-403-3"}, []string{"organisation admin"}, []string{"expired"}},
		{"wrong org ID", "org-typo",
			nil, "ok ok ok ok FAIL", 4, []string{"no organisation org-typo", "HTTP 404"}, []string{"ATLASSIAN_ORG_ID", "admin.atlassian.com/o/"}, []string{"expired", "not an admin"}},
		{"admin key too long for the headers", atlassiantest.OrgID,
			func() func() { return e.atl.Fail(atlassiantest.Failure{API: "admin", Status: 431, Body: ""}) },
			"ok ok ok ok FAIL", 4, []string{"HTTP 431", "too large"}, []string{"ATLASSIAN_API_KEY", "nothing before or after"}, []string{"ATLASSIAN_ORG_ID", "new user management"}},
		{"jira token too long for the headers", atlassiantest.OrgID,
			func() func() { return e.atl.Fail(atlassiantest.Failure{API: "jira", Status: 431, Body: ""}) },
			"ok ok FAIL SKIP ok", 2, []string{"HTTP 431", "too large"}, []string{"JIRA_API_TOKEN", "nothing before or after"}, []string{"JIRA_BASE_URL"}},
		{"jira cannot browse users", atlassiantest.OrgID,
			func() func() {
				return e.atl.Fail(atlassiantest.Failure{API: "jira", PathContains: "/user/search", Status: 200, Body: "[]"})
			},
			"ok ok ok FAIL ok", 3, []string{"found nobody"}, []string{"Browse users and groups"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				defer c.setup()()
			}
			rs := e.checker(t, c.orgID).All(context.Background())
			noSecret(t, rs...)
			if got := statuses(rs); got != c.want {
				t.Fatalf("statuses = %s, want %s\n%+v", got, c.want, rs)
			}
			r := rs[c.at]
			if c.name != "jira cannot browse users" && !r.Rejected {
				t.Errorf("%s not marked Rejected", r.Name)
			}
			for _, w := range c.detail {
				if !strings.Contains(r.Detail, w) {
					t.Errorf("detail %q lacks %q", r.Detail, w)
				}
			}
			for _, w := range c.fix {
				if !strings.Contains(r.Fix, w) {
					t.Errorf("fix %q lacks %q", r.Fix, w)
				}
			}
			for _, w := range c.notInText {
				if strings.Contains(r.Detail+r.Fix, w) {
					t.Errorf("%q blames %q: %s / %s", r.Name, w, r.Detail, r.Fix)
				}
			}
			if !credentials.Failed(rs) {
				t.Error("Failed = false")
			}
		})
	}
}

// TestNetworkFailuresAreNamed: an API that cannot be reached is named with
// its host and what failed, never blamed on a credential, and not Rejected.
func TestNetworkFailuresAreNamed(t *testing.T) {
	u := atlassiantest.NewUnreachable(t)
	refused, silent, noDNS := u.Refused, u.Silent, u.NoDNS

	cases := []struct {
		name, base string
		hc         *http.Client
		timeout    time.Duration
		what, host string
		// slack, when set, is what the Slack checks say instead: slack-go
		// keeps no body of a 400, so a Go TLS server's own answer to an
		// http:// URL is a 400 like any other (SLACK_API_URL is https in
		// all but tests).
		slack string
	}{
		{"refused", "http://" + refused, http.DefaultClient, 0, "connection refused", refused, ""},
		{"no answer", "http://" + silent, http.DefaultClient, 200 * time.Millisecond, "connected, but no answer in time", silent, ""},
		{"connect timeout", "http://" + refused, atlassiantest.DialBlackhole(), 200 * time.Millisecond, "timed out", refused, ""},
		{"tls", u.TLSURL, http.DefaultClient, 0, "TLS handshake failed — the certificate is signed by an authority this machine does not trust", strings.TrimPrefix(u.TLSURL, "https://"), ""},
		{"dns", "http://no-such-host.example:8080", noDNS, 0, "host name not found (DNS)", "no-such-host.example:8080", ""},
		{"plain HTTP behind https", u.PlainURL, http.DefaultClient, 0, "TLS handshake failed — the server does not speak TLS (plain HTTP?)", strings.TrimPrefix(u.PlainURL, "https://"), ""},
		{"TLS behind http", u.HTTPToTLSURL, http.DefaultClient, 0, "TLS handshake failed — the server speaks TLS: the URL should be https://", strings.TrimPrefix(u.HTTPToTLSURL, "http://"), "Slack answered HTTP 400"},
		{"old TLS versions only", u.OldTLSURL, http.DefaultClient, 0, "TLS handshake failed — no TLS version in common", strings.TrimPrefix(u.OldTLSURL, "https://"), ""},
		{"old cipher suites only", u.OldCipherURL, http.DefaultClient, 0, "TLS handshake failed — the server refused the handshake (no cipher suite in common, or it wants a client certificate)", strings.TrimPrefix(u.OldCipherURL, "https://"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken),
				slack.OptionAPIURL(c.base+"/api/"), slack.OptionHTTPClient(atlassian.TraceConnections(c.hc)))
			cl, err := atlassian.New(atlassian.Config{
				JiraBaseURL: c.base, JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
				AdminBaseURL: c.base, OrgID: "org-1", APIKey: atlassiantest.APIKey,
			}, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1}), atlassian.WithHTTPClient(c.hc))
			if err != nil {
				t.Fatal(err)
			}
			ch := &credentials.Checker{SlackBot: api, SlackApp: api, Jira: cl, JiraEmail: atlassiantest.JiraEmail,
				Admin: cl, OrgID: "org-1", Timeout: c.timeout}
			rs := ch.All(context.Background())
			noSecret(t, rs...)
			if got := statuses(rs); got != "FAIL FAIL FAIL SKIP FAIL" {
				t.Fatalf("statuses = %s\n%+v", got, rs)
			}
			for _, r := range rs {
				if r.Status != credentials.Fail {
					continue
				}
				if r.Rejected {
					t.Errorf("%s: a network failure marked Rejected", r.Name)
				}
				if c.slack != "" && strings.HasPrefix(r.Name, "Slack") {
					if !strings.Contains(r.Detail, c.slack) || !strings.Contains(r.Fix, "SLACK_API_URL") {
						t.Errorf("%s: %q / %q, want %q and SLACK_API_URL in the fix", r.Name, r.Detail, r.Fix, c.slack)
					}
				} else if !strings.Contains(r.Detail, "network") || !strings.Contains(r.Detail, c.what) || !strings.Contains(r.Detail, c.host) {
					t.Errorf("%s: detail %q should say network, %q and %q", r.Name, r.Detail, c.what, c.host)
				}
				if strings.HasPrefix(c.what, "TLS") && c.slack == "" && !strings.Contains(r.Fix, "uses https with a trusted certificate") {
					t.Errorf("%s: fix %q is not the TLS one", r.Name, r.Fix)
				}
				if strings.Contains(r.Fix, "TCP") && !strings.Contains(r.Fix, "TCP "+c.host[strings.LastIndex(c.host, ":")+1:]) {
					t.Errorf("%s: fix %q names another port than %s's", r.Name, r.Fix, c.host)
				}
				for _, blame := range []string{"TOKEN", "API_KEY", "rejected", "expired"} {
					if strings.Contains(r.Detail+r.Fix, blame) {
						t.Errorf("%s blames %q on a network failure: %s / %s", r.Name, blame, r.Detail, r.Fix)
					}
				}
			}
		})
	}
}

// TestRateLimitSaysWhen: a 429 whose Retry-After is long gets a fix naming
// that wait, not "in a minute".
func TestRateLimitSaysWhen(t *testing.T) {
	e := newEnv(t)
	defer e.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/admin/v1/orgs/", Status: http.StatusTooManyRequests, RetryAfter: "7200"})()
	rs := e.checker(t, atlassiantest.OrgID).All(context.Background())
	noSecret(t, rs...)
	r := rs[4]
	if r.Status != credentials.Fail || r.Rejected || !strings.Contains(r.Detail, "rate limiting") {
		t.Fatalf("admin check: %+v", r)
	}
	if !strings.Contains(r.Fix, "2h0m0s") || strings.Contains(r.Fix, "a minute") {
		t.Errorf("fix %q does not name the 2 h Atlassian asked for", r.Fix)
	}
}

// TestSlackRateLimitSaysWhen: a Slack 429 names the wait Slack asked for
// in the fix, as the Atlassian one does; a long Retry-After must not be
// followed by "run the check again in a minute", and one beyond a day is
// capped at backoff.MaxHint like every other hint.
func TestSlackRateLimitSaysWhen(t *testing.T) {
	for _, tt := range []struct {
		retryAfter string
		fix        string // the fix must contain it
		detail     string // the detail must contain it
	}{
		{"", "run the check again in a minute", "Slack is rate limiting this app"},
		{"5", "run the check again in a minute", "(retry after 5s)"},
		{"60", "run the check again in a minute", "(retry after 1m0s)"},
		{"7200", "run the check again in 2h0m0s, as Slack asked", "(retry after 2h0m0s)"},
		{"99999", "run the check again in 24h0m0s, as Slack asked", "(retry after 24h0m0s)"},
	} {
		t.Run("Retry-After "+tt.retryAfter, func(t *testing.T) {
			e := newEnv(t)
			e.slack.FailMethod("auth.test", 10, http.StatusTooManyRequests, tt.retryAfter)
			rs := e.checker(t, atlassiantest.OrgID).All(context.Background())
			noSecret(t, rs...)
			r := rs[0]
			if r.Name != credentials.NameSlackBot || r.Status != credentials.Fail || r.Rejected {
				t.Fatalf("bot token check: %+v", r)
			}
			if !strings.Contains(r.Detail, tt.detail) || !strings.Contains(r.Fix, tt.fix) {
				t.Errorf("detail %q / fix %q, want %q / %q", r.Detail, r.Fix, tt.detail, tt.fix)
			}
		})
	}
}

// TestSlackRateLimitedCode: Slack may say it is rate limiting with HTTP 200
// and {"ok":false,"error":"ratelimited"} (or "rate_limited") rather than a
// 429; the check words it as the 429 is worded, not as an unknown code to
// look up in Slack's documentation.
func TestSlackRateLimitedCode(t *testing.T) {
	for _, code := range []string{"ratelimited", "rate_limited"} {
		t.Run(code, func(t *testing.T) {
			e := newEnv(t)
			e.slack.FailMethodError("auth.test", 10, code)
			rs := e.checker(t, atlassiantest.OrgID).All(context.Background())
			noSecret(t, rs...)
			r := rs[0]
			if r.Name != credentials.NameSlackBot || r.Status != credentials.Fail || r.Rejected {
				t.Fatalf("bot token check: %+v", r)
			}
			if r.Detail != "Slack is rate limiting this app" || r.Fix != "run the check again in a minute" {
				t.Errorf("detail %q / fix %q, want the rate-limit words", r.Detail, r.Fix)
			}
		})
	}
}

// TestSlackBotScopes: a bot token that lacks a scope the app's manifest
// asks for (read from Slack's X-OAuth-Scopes, sent with every answer) fails
// the bot-token check naming the scope, rather than leaving an admin to
// learn it from "this Slack user has no email address" on every mention.
// Without the header, nothing is said about scopes.
func TestSlackBotScopes(t *testing.T) {
	t.Parallel()
	without := func(drop string) []string {
		var out []string
		for _, s := range credentials.BotScopes {
			if s != drop {
				out = append(out, s)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		scopes  []string // nil: the header is not sent
		want    credentials.Status
		missing string
	}{
		{"every scope", credentials.BotScopes, credentials.OK, ""},
		{"more than needed", append([]string{"channels:read"}, credentials.BotScopes...), credentials.OK, ""},
		{"no users:read.email", without("users:read.email"), credentials.Fail, "users:read.email"},
		{"no files:write", without("files:write"), credentials.Fail, "files:write"},
		{"no header", nil, credentials.OK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.slack.SetBotScopes(tc.scopes...)
			hc, scopes := credentials.RecordScopes(&http.Client{Timeout: 5 * time.Second})
			api := slack.New(slacktest.BotToken, slack.OptionAPIURL(e.slack.APIURL()), slack.OptionHTTPClient(hc))
			r := (&credentials.Checker{SlackBot: api, SlackScopes: scopes}).CheckSlackBot(context.Background())
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s: %+v", r.Status, tc.want, r)
			}
			if tc.missing != "" && (!strings.Contains(r.Detail, tc.missing) || !strings.Contains(r.Fix, "reinstall")) {
				t.Errorf("the result does not name %s and how to fix it: %+v", tc.missing, r)
			}
			if tc.missing == "" && strings.Contains(r.Detail, "lacks") {
				t.Errorf("scopes said to be missing: %+v", r)
			}
		})
	}
}

// TestBotScopesMatchTheManifest: the scopes the check asks for are the
// bot scopes of deploy/slack-app-manifest.yaml (which a deploy test derives
// from the code's Slack calls).
func TestBotScopesMatchTheManifest(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.TrimSpace(l) == "bot:":
			in = true
		case in && strings.HasPrefix(strings.TrimSpace(l), "- "):
			got = append(got, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- ")))
		case in && strings.HasPrefix(strings.TrimSpace(l), "#"):
		case in && strings.TrimSpace(l) != "":
			in = false
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(credentials.BotScopes))
	if !slices.Equal(got, want) {
		t.Errorf("manifest bot scopes %v, check asks for %v", got, want)
	}
}
