package bot_test

import (
	"strings"
	"testing"
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
		if !strings.Contains(got, "not a member of this organisation") {
			t.Errorf("reply does not say the account is not a member:\n%s", got)
		}
		if strings.Contains(got, "no active Atlassian account") {
			t.Errorf("reply says no account uses the email, while naming one:\n%s", got)
		}
		if strings.Contains(got, "admin.atlassian.com") || strings.Contains(got, barbara.AccountID) {
			t.Errorf("reply links to Atlassian Administration for an account the org does not hold:\n%s", got)
		}
		if !strings.Contains(r.Text, "not a member of this organisation") {
			t.Errorf("the fallback does not say it: %q", r.Text)
		}
	}
}
