package reportcmd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"lastactive/atlassian"
)

// TestUnreachable: which failures are worded as a host that cannot be
// reached (what to check, no "try again"), and which keep seat.Explain's
// words (an outage, a stuck server, a refusal, an unreadable answer).
func TestUnreachable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		ok   bool
		want string
	}{
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetDNS, Host: "api.atlasian.com"}, true,
			"cannot reach the Admin API at api.atlasian.com: host name not found (DNS); check the host name in ATLASSIAN_API_URL and this machine's DNS."},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetTimeout, Host: "api.atlassian.com"}, true,
			"cannot reach the Admin API at api.atlassian.com: timed out; check that a proxy or firewall lets TCP 443 out to api.atlassian.com."},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Jira, Net: atlassian.NetRefused, Host: "localhost:8080"}, true,
			"cannot reach Jira at localhost:8080: connection refused; check JIRA_BASE_URL and that a proxy or firewall lets TCP 8080 out."},
		{fmt.Errorf("org scan: %w", &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetTLS}), true,
			"cannot reach the Admin API: TLS handshake failed; check ATLASSIAN_API_URL uses https"},
		{&atlassian.Error{Kind: atlassian.ErrBadResponse, API: atlassian.Admin, Status: 301}, true,
			"the Admin API redirected the request to another host, which is not followed (HTTP 301); check ATLASSIAN_API_URL."},
		{&atlassian.Error{Kind: atlassian.ErrBadResponse, API: atlassian.Admin, Status: 200}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetNoAnswer}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Net: atlassian.NetOther}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin, Status: 503}, false, ""},
		{&atlassian.Error{Kind: atlassian.ErrCredentials, API: atlassian.Admin, Status: 401}, false, ""},
		{context.Canceled, false, ""},
		{nil, false, ""},
	} {
		got, ok := Unreachable(c.err)
		if ok != c.ok || !strings.HasPrefix(got, c.want) {
			t.Errorf("%v: %v %q, want %v and %q", c.err, ok, got, c.ok, c.want)
		}
		if strings.Contains(strings.ToLower(got), "key") || strings.Contains(got, "try again") {
			t.Errorf("%v: %q blames a key or says to wait", c.err, got)
		}
	}
}
