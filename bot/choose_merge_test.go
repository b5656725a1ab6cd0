package bot

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian"
)

// aliasDir is a Directory whose one account lists Jira on one site under
// both of its keys, as Atlassian may: "jira" used lately, "jira-software"
// long ago.
type aliasDir struct{ choiceDir }

func (d *aliasDir) DirectoryUser(_ context.Context, id string) (atlassian.DirectoryUser, error) {
	return atlassian.DirectoryUser{AccountID: id, Name: "Sam Two", Email: "sam@example.com", Status: atlassian.StatusActive}, nil
}

func (d *aliasDir) LastActive(context.Context, string) (*atlassian.Activity, error) {
	return &atlassian.Activity{Products: []atlassian.ProductActivity{
		product("jira-software", site1, "2026-01-02"), product("jira", site1, "2026-11-25"),
	}}, nil
}

// TestChosenAccountCountsJiraUnderBothKeysOnce: a lookup merges one seat
// listed under jira and jira-software into one line with its latest date
// (TestLookupCountsJiraUnderBothKeysOnce), but the account chosen among
// several ("This one", and its Share and Refresh) was read by
// LookupAccount, which did not: the chosen Sam read "Jira Software: idle"
// beside "Jira Software: active" on one site.
func TestChosenAccountCountsJiraUnderBothKeysOnce(t *testing.T) {
	t.Parallel()
	l := NewLookups(&aliasDir{}, LookupOptions{Now: func() time.Time { return now }})
	p := l.LookupAccount(context.Background(), "sam@example.com", "acct-2")
	if p.Err != nil || p.Activity == nil {
		t.Fatalf("lookup: %v", p.Err)
	}
	if got := p.Activity.Products; len(got) != 1 || !got[0].LastActive.Equal(day("2026-11-25")) {
		t.Errorf("products %+v: want one Jira line, last active 2026-11-25", got)
	}
}
