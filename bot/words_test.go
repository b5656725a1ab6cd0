package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
)

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"not found", &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Jira}, []string{"not found (or deactivated)", "Check the address for a typo"}},
		{"not found wrapped", fmt.Errorf("look up ada: %w", &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Admin, Code: "ADMIN-404-8"}), []string{"not found (or deactivated)"}},
		{"ambiguous", &atlassian.Error{Kind: atlassian.ErrAmbiguous, Candidates: []atlassian.Account{
			{AccountID: "5b10a2844c20165700ede21g", DisplayName: "Mia Krystof"},
			{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "<!here> *Emma*"},
		}}, []string{"Several Atlassian accounts match this email", "Mia Krystof (account …ede21g)", "&lt;!here&gt; ∗Emma∗ (account …7d4ef5)"}},
		{"ambiguous, many", &atlassian.Error{Kind: atlassian.ErrAmbiguous, Candidates: make([]atlassian.Account, 7)}, []string{"(no name)", "and 2 more"}},
		{"ambiguous, bare kind", atlassian.ErrAmbiguous, []string{"Several Atlassian accounts match"}},
		{"admin key", &atlassian.Error{Kind: atlassian.ErrCredentials, API: atlassian.Admin, Status: 401}, []string{"The Atlassian Admin API key was rejected — it has probably expired (keys last a week unless another date was chosen). Ask your Slack admin to renew it."}},
		{"jira token", &atlassian.Error{Kind: atlassian.ErrCredentials, API: atlassian.Jira, Status: 403}, []string{"Jira API token was rejected"}},
		{"rate limited", &atlassian.Error{Kind: atlassian.ErrRateLimited, RetryAfter: 12300 * time.Millisecond}, []string{"Atlassian is rate limiting us; try again in 13 s"}},
		{"rate limited whole seconds", &atlassian.Error{Kind: atlassian.ErrRateLimited, RetryAfter: 30 * time.Second}, []string{"try again in 30 s"}},
		{"rate limited no wait", &atlassian.Error{Kind: atlassian.ErrRateLimited}, []string{"try again in a minute"}},
		{"rate limited minutes", &atlassian.Error{Kind: atlassian.ErrRateLimited, RetryAfter: 290 * time.Second}, []string{"try again in 5 minutes"}},
		{"rate limited a day", &atlassian.Error{Kind: atlassian.ErrRateLimited, RetryAfter: 24 * time.Hour}, []string{"Atlassian is rate limiting us; try again later."}},
		{"unavailable", &atlassian.Error{Kind: atlassian.ErrUnavailable, Status: 503}, []string{"Atlassian is unavailable right now; try again in a few minutes"}},
		{"bad response", &atlassian.Error{Kind: atlassian.ErrBadResponse}, []string{"could not read"}},
		{"rejected", &atlassian.Error{Kind: atlassian.ErrRejected, Code: "ADMIN-404-2"}, []string{"configuration", "Slack admin"}},
		// The Admin API's "invalid resource" can mean the organisation is
		// not on the new user management experience: retrying is no use.
		{"invalid resource", &atlassian.Error{Kind: atlassian.ErrRejected, API: atlassian.Admin, Status: 400, Code: "ADMIN-400-4"}, []string{"new user management experience", "Slack admin", "lastactive check"}},
		{"deadline", fmt.Errorf("lookup: %w", context.DeadlineExceeded), []string{"took too long"}},
		{"deadline inside unavailable", &atlassian.Error{Kind: atlassian.ErrUnavailable, Err: context.DeadlineExceeded}, []string{"took too long"}},
		{"canceled", context.Canceled, []string{"stopped before it finished"}},
		{"slack user without email", fmt.Errorf("%w: user_not_found", ErrSlackUserNoEmail), []string{"no email address"}},
		{"usage", &UsageError{Reason: "“<b>” is bad"}, []string{"“&lt;b&gt;” is bad"}},
		{"unknown", errors.New("boom"), []string{"Something went wrong"}},
		{"nil", nil, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ErrorText(tt.err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("ErrorText = %q, want it to contain %q", got, w)
				}
			}
			if tt.err != nil {
				mustCheck(t, RenderNotice(got))
			}
		})
	}
}

// TestErrorTextKeyWithoutAccess: a 403 from the Admin API says the key was
// read and refused this organisation (its owner is not an org admin, or it
// lacks the access); it is not an expired key, which Atlassian answers 401.
// Telling the asker to renew it sends the admin to fix the wrong thing.
func TestErrorTextKeyWithoutAccess(t *testing.T) {
	t.Parallel()
	for name, err := range map[string]error{
		"ADMIN-403-3": &atlassian.Error{Kind: atlassian.ErrNotOrgAdmin, API: atlassian.Admin, Status: 403, Code: "ADMIN-403-3"},
		"plain 403":   &atlassian.Error{Kind: atlassian.ErrCredentials, API: atlassian.Admin, Status: 403},
	} {
		got := ErrorText(err)
		if strings.Contains(got, "expired") || !strings.Contains(got, "organisation") {
			t.Errorf("%s: ErrorText = %q, want it to say the key lacks access to the organisation, not that it expired", name, got)
		}
		mustCheck(t, RenderNotice(got))
	}
}

// TestErrorTextJiraRefusal: a request Jira refuses (a 404 of a
// JIRA_BASE_URL that is not the Jira site) points at Jira's address, not
// at the organisation ID, which Jira never sees.
func TestErrorTextJiraRefusal(t *testing.T) {
	t.Parallel()
	got := ErrorText(&atlassian.Error{Kind: atlassian.ErrRejected, API: atlassian.Jira, Status: 404})
	if strings.Contains(got, "organisation ID") || !strings.Contains(got, "Jira") {
		t.Errorf("ErrorText = %q, want it to point at the Jira site, not the organisation ID", got)
	}
}

func TestErrorTextNamesTheEmail(t *testing.T) {
	t.Parallel()
	got := errorText(atlassian.ErrNotFound, EscapeMrkdwn("ada@example.com"), maxCandidates)
	if want := "ada@example.com was not found (or deactivated)"; !strings.Contains(got, want) {
		t.Errorf("errorText = %q, want %q", got, want)
	}
}

// TestErrorTextLeaksNothing: no error's own text, path, code, status or
// cause reaches the words.
func TestErrorTextLeaksNothing(t *testing.T) {
	t.Parallel()
	secret := "s3cr3t-t0ken"
	cause := errors.New("Get https://api.atlassian.com/admin/v1/orgs/org-42/x?cursor=" + secret)
	for _, kind := range []atlassian.Kind{atlassian.ErrNotFound, atlassian.ErrAmbiguous, atlassian.ErrCredentials,
		atlassian.ErrRateLimited, atlassian.ErrUnavailable, atlassian.ErrBadResponse, atlassian.ErrRejected, "brand new kind"} {
		for _, api := range []atlassian.API{atlassian.Jira, atlassian.Admin} {
			err := &atlassian.Error{Kind: kind, API: api, Op: "get last active dates", Path: "/admin/v1/orgs/org-42/directory/users/acc-7/last-active-dates",
				Status: 418, Code: "ADMIN-418-1", Err: cause}
			got := ErrorText(err)
			for _, leak := range []string{secret, "org-42", "acc-7", "/admin", "418", "ADMIN-", "get last active", "http"} {
				if strings.Contains(got, leak) {
					t.Errorf("%s/%s: %q leaks %q", kind, api, got, leak)
				}
			}
		}
	}
}

// TestErrorTextUnreachable: a failure about the bot's configuration or
// network, not the person (a host name that does not resolve, a refused
// connection, a TLS handshake that fails, a redirect to another host that
// is not followed), tells the asker to fetch their Slack admin, who can run
// lastactive check, instead of "Atlassian is unavailable right now; try
// again in a few minutes" or "an answer the bot could not read; try again
// later": no wait mends them. The words name which API but no host, path
// or variable value: those are for the admin, in lastactive check.
func TestErrorTextUnreachable(t *testing.T) {
	t.Parallel()
	const host = "proxy.corp.internal:8443"
	net := func(api atlassian.API, n atlassian.Net) error {
		return fmt.Errorf("look up ada: %w", &atlassian.Error{Kind: atlassian.ErrUnavailable, API: api, Net: n, Host: host,
			Err: errors.New("dial tcp: lookup " + host + ": no such host")})
	}
	redirect := func(api atlassian.API, status int) error {
		return &atlassian.Error{Kind: atlassian.ErrBadResponse, API: api, Status: status, Host: host,
			Err: errors.New("redirected to another host; not followed")}
	}
	timeout := func(api atlassian.API) error { // as the client makes it: the dial ran out of time
		return fmt.Errorf("look up ada: %w", &atlassian.Error{Kind: atlassian.ErrUnavailable, API: api, Net: atlassian.NetTimeout, Host: host,
			Err: fmt.Errorf("giving up after 1 attempt: %w", context.DeadlineExceeded)})
	}
	const admin = "Ask your Slack admin to run lastactive check, which says what to fix."
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"admin dns", net(atlassian.Admin, atlassian.NetDNS), "The bot cannot reach the Atlassian Admin API (its host name was not found): a problem in the bot's configuration or network, which waiting will not mend. " + admin},
		{"jira dns", net(atlassian.Jira, atlassian.NetDNS), "The bot cannot reach Jira (its host name was not found): a problem in the bot's configuration or network, which waiting will not mend. " + admin},
		{"admin refused", net(atlassian.Admin, atlassian.NetRefused), "The bot cannot reach the Atlassian Admin API (the connection was refused): a problem in the bot's configuration or network, which waiting will not mend. " + admin},
		{"jira tls", net(atlassian.Jira, atlassian.NetTLS), "The bot cannot reach Jira (the secure connection failed): a problem in the bot's configuration or network, which waiting will not mend. " + admin},
		{"admin redirect", redirect(atlassian.Admin, 307), "The bot cannot reach the Atlassian Admin API (its address redirects to another host, which the bot does not follow): a problem in the bot's configuration or network, which waiting will not mend. " + admin},
		{"jira redirect", redirect(atlassian.Jira, 301), "The bot cannot reach Jira (its address redirects to another host, which the bot does not follow): a problem in the bot's configuration or network, which waiting will not mend. " + admin},
		// No connection made in time: most often a firewall or proxy that
		// drops the packets, which persists, but a blip of the network mends
		// itself; the asker tries once more, then fetches the admin.
		{"admin connect timeout", timeout(atlassian.Admin), "The bot could not connect to the Atlassian Admin API in time; try again in a minute, and if it happens again, ask your Slack admin to run lastactive check: a firewall or proxy may be blocking the bot."},
		{"jira connect timeout", timeout(atlassian.Jira), "The bot could not connect to Jira in time; try again in a minute, and if it happens again, ask your Slack admin to run lastactive check: a firewall or proxy may be blocking the bot."},
		// An outage, a stuck server and an unreadable answer keep their words.
		{"no answer", net(atlassian.Admin, atlassian.NetNoAnswer), "Atlassian is unavailable right now; try again in a few minutes."},
		{"connection reset", net(atlassian.Admin, atlassian.NetOther), "Atlassian is unavailable right now; try again in a few minutes."},
		{"503", &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Status: 503}, "Atlassian is unavailable right now; try again in a few minutes."},
		{"unreadable 200", &atlassian.Error{Kind: atlassian.ErrBadResponse, API: atlassian.Admin, Status: 200}, "Atlassian sent an answer the bot could not read; try again later, and tell your Slack admin if it keeps happening."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := PersonErrorText(Person{Query: "ada@example.com", Err: tt.err})
			if got != tt.want {
				t.Errorf("PersonErrorText =\n%q\nwant\n%q", got, tt.want)
			}
			for _, leak := range []string{"proxy.corp", "8443", "no such host", "ATLASSIAN_API_URL", "JIRA_BASE_URL", "30"} {
				if strings.Contains(got, leak) {
					t.Errorf("%q leaks %q", got, leak)
				}
			}
			mustCheck(t, RenderNotice(got))
		})
	}
}
