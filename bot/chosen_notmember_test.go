package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestChosenAccountNotInTheOrg: "This one" under several accounts that
// match an email picks one account; when the organisation does not hold
// that one (a Jira account of someone from another organisation), the
// answer must say so of that account. It said that no account in the
// organisation uses the email, "check the address for a typo", though the
// reply just before listed several that do.
func TestChosenAccountNotInTheOrg(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		err     error
		want    string
		notWant string
	}{
		{"not in the org", &atlassian.Error{Kind: atlassian.ErrNotFound, API: atlassian.Admin},
			"not found in this organisation: it has an Atlassian account", "typo"},
		// Any other failure keeps its own words.
		{"rate limited", &atlassian.Error{Kind: atlassian.ErrRateLimited, API: atlassian.Admin},
			"", "not found in this organisation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := &bottest.Directory{
				DirectoryUserFunc: func(context.Context, string) (atlassian.DirectoryUser, error) {
					return atlassian.DirectoryUser{}, c.err
				},
			}
			l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
			p := l.LookupAccount(context.Background(), "mia@example.com", "712020:0d1c2b3a-4e5f-6789-abcd-ef0123456789")
			if !errors.Is(p.Err, c.err) {
				t.Fatalf("err = %v, want %v", p.Err, c.err)
			}
			m := bot.RenderLookup([]bot.Person{p}, bot.View{Now: time.Now(), OrgID: "org-1", Buttons: true})
			raw, _ := json.Marshal(m)
			words := bot.PersonErrorText(p) + "\n" + string(raw)
			if c.want != "" && !strings.Contains(words, c.want) {
				t.Errorf("reply lacks %q:\n%s", c.want, words)
			}
			if strings.Contains(words, c.notWant) {
				t.Errorf("reply has %q:\n%s", c.notWant, words)
			}
		})
	}
}
