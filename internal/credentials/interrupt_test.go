package credentials_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot/slacktest"
	"lastactive/internal/credentials"
)

// TestInterruptedChecksSaySo: Ctrl-C while the APIs had not answered yet
// said "Atlassian did not answer … may be having trouble
// (status.atlassian.com)" for the Admin API, and "could not reach" for
// Slack: the admin stopped the check, nobody failed. Each check that was
// cut short says it was interrupted and to run it again, and stays FAIL
// (nothing was proven), never blaming a service, the network or a secret.
func TestInterruptedChecksSaySo(t *testing.T) {
	t.Parallel()
	arrived := make(chan string, 8)
	release := make(chan struct{})
	hold := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.URL.Path
		select { // answers nothing until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hold.Close()
	defer close(release)
	api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken), slack.OptionAPIURL(hold.URL+"/api/"))
	cl, err := atlassian.New(atlassian.Config{
		JiraBaseURL: hold.URL, JiraEmail: atlassiantest.JiraEmail, JiraAPIToken: atlassiantest.JiraAPIToken,
		AdminBaseURL: hold.URL, OrgID: "org-1", APIKey: atlassiantest.APIKey,
	}, atlassian.WithRetry(atlassian.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	ch := &credentials.Checker{SlackBot: api, SlackApp: api, Jira: cl, JiraEmail: atlassiantest.JiraEmail, Admin: cl, OrgID: "org-1"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []credentials.Result)
	go func() { done <- ch.All(ctx) }()
	for range 4 { // auth.test, apps.connections.open, /myself, the org
		t.Log(<-arrived)
	}
	cancel()
	rs := <-done
	noSecret(t, rs...)
	if got := statuses(rs); got != "FAIL FAIL FAIL SKIP FAIL" {
		t.Fatalf("statuses = %s\n%+v", got, rs)
	}
	for _, r := range rs {
		if r.Status != credentials.Fail {
			continue
		}
		if !strings.Contains(r.Detail, "interrupted") || !strings.Contains(r.Fix, "run lastactive check again") {
			t.Errorf("%s: %q / %q does not say the check was interrupted", r.Name, r.Detail, r.Fix)
		}
		for _, blame := range []string{"trouble", "status.", "network", "could not reach", "TOKEN", "API_KEY", "rejected"} {
			if strings.Contains(r.Detail+r.Fix, blame) {
				t.Errorf("%s blames %q on an interruption: %s / %s", r.Name, blame, r.Detail, r.Fix)
			}
		}
		if r.Rejected {
			t.Errorf("%s: an interruption marked Rejected (serve would go unready)", r.Name)
		}
	}
}
