package credentials_test

import (
	"context"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/credentials"
)

// TestJiraWithoutMyself: the contract names one Jira call, the user search.
// A Jira (or a gateway in front of it, or a test double) that answers it
// but not /rest/api/3/myself made check FAIL the Jira credentials and,
// since readiness repeats that check, kept /readyz at 503 for ever,
// although every lookup worked. A 404 from /myself now falls back to the
// user search as the proof of the token: a search that answers proves it,
// one that refuses the token fails as before, and one that is not there
// either says JIRA_BASE_URL is wrong.
func TestJiraWithoutMyself(t *testing.T) {
	e := newEnv(t)
	noMyself := func() func() {
		return e.atl.Fail(atlassiantest.Failure{API: "jira", PathContains: "/myself", Status: 404, Body: "404 page not found\n"})
	}
	cases := []struct {
		name   string
		setup  func() func()
		want   string // statuses of All
		ready  string // statuses of Credentials (readiness)
		detail string // in the Jira credentials line
	}{
		{"search answers", noMyself, "ok ok ok ok ok", "ok ok ok", "user search"},
		{"search answers nobody", func() func() {
			a := noMyself()
			b := e.atl.Fail(atlassiantest.Failure{API: "jira", PathContains: "/user/search", Status: 200, Body: "[]"})
			return func() { a(); b() }
		}, "ok ok ok ok ok", "ok ok ok", "user search"},
		{"token refused by the search", func() func() {
			a := noMyself()
			e.atl.Reject(atlassiantest.Rejections{JiraToken: true})
			return func() { a(); e.atl.Reject(atlassiantest.Rejections{}) }
		}, "ok ok FAIL SKIP ok", "ok FAIL ok", "JIRA_API_TOKEN"},
		{"no Jira there at all", func() func() {
			return e.atl.Fail(atlassiantest.Failure{API: "jira", Status: 404, Body: "404 page not found\n"})
		}, "ok ok FAIL SKIP ok", "ok FAIL ok", "404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer c.setup()()
			ch := e.checker(t, atlassiantest.OrgID)
			rs := ch.All(context.Background())
			noSecret(t, rs...)
			if got := statuses(rs); got != c.want {
				t.Fatalf("check: statuses = %s, want %s\n%+v", got, c.want, rs)
			}
			if d := rs[2].Detail + " " + rs[2].Fix; !strings.Contains(d, c.detail) {
				t.Errorf("Jira line %q does not say %q", d, c.detail)
			}
			rd := ch.Credentials(context.Background())
			if got := statuses(rd); got != c.ready {
				t.Errorf("readiness: statuses = %s, want %s\n%+v", got, c.ready, rd)
			}
			if credentials.Failed(rs) != strings.Contains(c.want, "FAIL") {
				t.Errorf("Failed = %v for %s", credentials.Failed(rs), c.want)
			}
		})
	}
}
