package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
)

var (
	fastOnce sync.Once
	fastBin  string
	fastErr  error
)

// fastCheckBinary builds the binary with its credential check every
// 150 ms instead of 5 minutes (a link-time setting, not a configuration
// variable), so that a fixed credential turns ready within a test.
func fastCheckBinary(t *testing.T) string {
	t.Helper()
	fastOnce.Do(func() {
		fastBin = filepath.Join(filepath.Dir(binary), "lastactive-fastcheck")
		out, err := exec.Command("go", "build", "-ldflags=-X main.credentialCheckEvery=150ms", "-o", fastBin, ".").CombinedOutput()
		if err != nil {
			fastErr = err
			t.Logf("build: %s", out)
		}
	})
	if fastErr != nil {
		t.Fatal(fastErr)
	}
	return fastBin
}

// TestReadinessFollowsCredentials runs serve and takes each credential
// away in turn: /readyz answers 503 naming it and the fix, its metric is
// 0, one error line is logged however many checks find it rejected, and
// fixing it turns ready again at the next check. An Atlassian outage does
// not make it unready. No secret appears in the logs (checked at cleanup),
// /readyz or /metrics.
func TestReadinessFollowsCredentials(t *testing.T) {
	bin := fastCheckBinary(t)
	f := startFakes(t)
	// Lower-case IDs with spaces: normalised, they still let U1 in C1 in.
	_, base, logs := serveProcessWith(t, bin, f.env("LASTACTIVE_ALLOWED_USERS= u1 ", "LASTACTIVE_ALLOWED_CHANNELS=c1"))
	ready := func() bool { c, _ := get(base + "/readyz"); return c == 200 }
	eventually(t, "/readyz 200", ready)
	metric := func(series string) bool { _, m := get(base + "/metrics"); return strings.Contains(m, series) }
	eventually(t, "every credential_ok 1", func() bool {
		return metric(`lastactive_credential_ok{api="slack"} 1`) && metric(`lastactive_credential_ok{api="jira"} 1`) &&
			metric(`lastactive_credential_ok{api="admin"} 1`) && metric("lastactive_credential_checked_timestamp_seconds{")
	})

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	env, err := f.slack.SlashCommandConnected(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	replies, err := f.slack.WaitReplies(ctx, env.ID, 1)
	if err != nil || strings.Contains(replies[0].Text, "not allowed") || !strings.Contains(replies[0].Text, "Last active dates") {
		t.Errorf("U1 listed as u1 was not answered: %v %+v", err, replies)
	}

	unreject := func() { f.atl.Reject(atlassiantest.Rejections{}) }
	cases := []struct {
		name, api string
		breakIt   func()
		fix       func()
		checks    func() int
		reason    []string
	}{
		{"slack bot token revoked", "slack", func() { f.slack.SetBotTokenValid(false) }, func() { f.slack.SetBotTokenValid(true) },
			func() int { return len(f.slack.Calls("auth.test")) }, []string{"Slack refused SLACK_BOT_TOKEN (invalid_auth)", "Bot User OAuth Token"}},
		{"jira token revoked", "jira", func() { f.atl.Reject(atlassiantest.Rejections{JiraToken: true}) }, unreject,
			func() int { return f.atl.CountEndpoint(atlassiantest.EndpointJiraMyself) }, []string{"Jira rejected JIRA_EMAIL and JIRA_API_TOKEN", "id.atlassian.com"}},
		{"admin key expired", "admin", func() { f.atl.Reject(atlassiantest.Rejections{APIKey: true}) }, unreject,
			func() int { return f.atl.CountEndpoint(atlassiantest.EndpointOrg) }, []string{"may have expired", "admin.atlassian.com → Settings → API keys"}},
		{"key owner no longer an org admin", "admin", func() { f.atl.Reject(atlassiantest.Rejections{KeyNotAdmin: true}) }, unreject,
			func() int { return f.atl.CountEndpoint(atlassiantest.EndpointOrg) }, []string{"not an admin of organisation " + f.org.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := strings.Count(logs.String(), `"msg":"credential rejected`)
			c.breakIt()
			var body string
			eventually(t, "/readyz 503 naming the credential", func() bool {
				code, b := get(base + "/readyz")
				body = b
				return code == 503 && strings.Contains(b, c.reason[0])
			})
			for _, w := range c.reason {
				if !strings.Contains(body, w) {
					t.Errorf("/readyz body lacks %q:\n%s", w, body)
				}
			}
			noSecrets(t, body)
			eventually(t, "credential_ok 0", func() bool { return metric(`lastactive_credential_ok{api="` + c.api + `"} 0`) })
			n := c.checks()
			eventually(t, "two more checks", func() bool { return c.checks() >= n+2 })
			if got := strings.Count(logs.String(), `"msg":"credential rejected`) - before; got != 1 {
				t.Errorf("%d 'credential rejected' log lines over several checks, want 1", got)
			}
			c.fix()
			eventually(t, "/readyz 200 after the fix", ready)
			eventually(t, "credential_ok 1", func() bool { return metric(`lastactive_credential_ok{api="` + c.api + `"} 1`) })
		})
	}

	t.Run("Atlassian outage keeps it ready", func(t *testing.T) {
		defer f.atl.Fail(atlassiantest.Failure{API: "admin", PathContains: "/admin/v1/orgs/" + f.org.ID, Status: 503})()
		defer f.atl.Fail(atlassiantest.Failure{API: "jira", PathContains: "/myself", Status: 503})()
		n := f.atl.CountEndpoint(atlassiantest.EndpointOrg)
		eventually(t, "a failed warning", func() bool { return strings.Contains(logs.String(), "could not be checked") })
		eventually(t, "more checks", func() bool { return f.atl.CountEndpoint(atlassiantest.EndpointOrg) >= n+2 })
		if code, body := get(base + "/readyz"); code != 200 {
			t.Errorf("/readyz = %d during an outage, want 200:\n%s", code, body)
		}
	})
	_, m := get(base + "/metrics")
	noSecrets(t, m)
}
