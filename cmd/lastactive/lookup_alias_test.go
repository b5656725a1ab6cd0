package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// TestLookupCountsJiraUnderBothKeysOnce: Atlassian may list Jira for one
// person and site under "jira" and "jira-software"; the report counts that
// one seat, with its latest date (TestBuildOneRowPerPersonProduct). A
// lookup showed it twice, "Jira Software: idle" beside "Jira Software:
// active" on one site, so the same person read as idle in the lookup and
// active in the report. Found by the seat oracle (TestSeatOracle).
func TestLookupCountsJiraUnderBothKeysOnce(t *testing.T) {
	t.Parallel()
	now := time.Now()
	u := atlassiantest.User{AccountID: "712020:twokeys", DisplayName: "Two Keys", Email: "two@example.com", AddedToOrg: now.AddDate(-2, 0, 0),
		Products: []atlassiantest.Product{
			{Key: "jira", SiteID: atlassiantest.SiteMain, LastActive: now.AddDate(0, 0, -200)},
			{Key: "jira-software", SiteID: atlassiantest.SiteMain, LastActive: now.AddDate(0, 0, -2)},
			{Key: "jira", SiteID: atlassiantest.SiteSecond, LastActive: now.AddDate(0, 0, -150)},
		}}
	products := lookupOneJSON(t, u)
	want := map[string]string{atlassiantest.SiteMain: "active", atlassiantest.SiteSecond: "idle"}
	seen := map[string]int{}
	for _, p := range products {
		if seat.Canonical(p.Key) != "jira-software" {
			t.Errorf("product %q", p.Key)
			continue
		}
		seen[p.Site]++
		if p.Verdict != want[p.Site] {
			t.Errorf("Jira on %s: verdict %q, want %q as in the report", p.Site, p.Verdict, want[p.Site])
		}
	}
	for site := range want {
		if seen[site] != 1 {
			t.Errorf("Jira on %s listed %d times, want once: %+v", site, seen[site], products)
		}
	}
}

// lookedUpProduct is one product of a person in lookup --json.
type lookedUpProduct struct {
	Key     string `json:"key"`
	Site    string `json:"site"`
	Verdict string `json:"verdict"`
}

// lookupOneJSON runs the binary's lookup --json for u, alone in an
// organisation of the fake Admin API, and returns their products.
func lookupOneJSON(t *testing.T, u atlassiantest.User) []lookedUpProduct {
	t.Helper()
	org := &atlassiantest.Org{ID: atlassiantest.OrgID, Workspaces: atlassiantest.SampleWorkspaces(), Users: []atlassiantest.User{u}}
	srv := atlassiantest.NewServer(org)
	defer srv.Close()
	env := []string{"PATH=" + os.Getenv("PATH"), "ATLASSIAN_ORG_ID=" + org.ID, "ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
		"ATLASSIAN_API_URL=" + srv.URL(), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}
	r := runBinary(t, env, "", "lookup", "--json", u.Email)
	var got []struct {
		OK       bool              `json:"ok"`
		Products []lookedUpProduct `json:"products"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || !got[0].OK {
		t.Fatalf("%s: not one person: %v\n%s\n%s", u.Email, err, r.stdout, r.stderr)
	}
	return got[0].Products
}
