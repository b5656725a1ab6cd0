package bot_test

import (
	"regexp"
	"strings"
	"testing"

	"lastactive/bot/slacktest"
)

// TestFoundInJiraNotInTheOrg: Jira finds an account with the email (someone
// of a partner organisation), but the Admin API does not know it as a
// member. The reply must not say that no Atlassian account uses the email
// while naming that account, nor link to a page of Atlassian
// Administration that does not exist: it says the account is not a member
// of this organisation.
func TestFoundInJiraNotInTheOrg(t *testing.T) {
	h := startBot(t, harnessOpts{})
	barbara := h.user("barbara@partner.example")
	for _, ask := range []string{"barbara@partner.example", "barbara@partner.example"} { // then cached
		r := h.ask("U1", "C1", ask)
		got := text(r)
		if !strings.Contains(got, "not found in this organisation") || !strings.Contains(got, "not a member") {
			t.Errorf("reply does not say the account is not a member:\n%s", got)
		}
		if strings.Contains(got, "no active Atlassian account") {
			t.Errorf("reply says no account uses the email, while naming one:\n%s", got)
		}
		if strings.Contains(got, "admin.atlassian.com") || strings.Contains(got, barbara.AccountID) {
			t.Errorf("reply links to Atlassian Administration for an account the org does not hold:\n%s", got)
		}
		if !strings.Contains(r.Text, "not a member") {
			t.Errorf("the fallback does not say it: %q", r.Text)
		}
	}
}

// personSectionRe finds the block_id of each person's section.
var personSectionRe = regexp.MustCompile(`"block_id":"person_[0-9]+\.`)

// TestMentionAndEmailOfOnePersonAnsweredOnce: a command that names one
// person twice, once by email and once by a Slack mention whose profile
// has that email, gets one answer for them, not the same section twice.
func TestMentionAndEmailOfOnePersonAnsweredOnce(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "Ada@Example.com"})
	for _, ask := range []string{"ada@example.com <@U0ADA>", "<@U0ADA> grace@example.com ADA@example.com"} {
		r := h.ask("U1", "C1", ask)
		if n := len(personSectionRe.FindAllString(string(r.Blocks), -1)); n != strings.Count(ask, " ") {
			t.Errorf("%q: %d person sections, want %d:\n%s", ask, n, strings.Count(ask, " "), text(r))
		}
		if n := strings.Count(r.Text, "ada@example.com:"); n != 1 {
			t.Errorf("%q: the fallback names Ada %d times: %q", ask, n, r.Text)
		}
	}
}
