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

// TestLookupJSONNeverUsedProductOfAnAccountWithoutSeat: a suspended,
// deactivated or closed account holds no seat, and lookup --json gives its
// products the verdict "no seat", as the report's CSV does. A product such
// an account never used came back "never used", an unused seat to anyone
// reading the JSON, while the CSV of the same organisation said "no seat".
// Found by the seat oracle (TestSeatOracle).
func TestLookupJSONNeverUsedProductOfAnAccountWithoutSeat(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, u := range []atlassiantest.User{
		{AccountID: "712020:susp", DisplayName: "Sue Spended", Email: "sue@example.com", MembershipStatus: "suspended"},
		{AccountID: "712020:closed", DisplayName: "Clo Sed", Email: "clo@example.com", AccountStatus: "closed"},
	} {
		u.AddedToOrg = now.AddDate(-2, 0, 0)
		u.Products = []atlassiantest.Product{{Key: "confluence", SiteID: atlassiantest.SiteMain},
			{Key: "jira-software", SiteID: atlassiantest.SiteMain, LastActive: now.AddDate(0, 0, -200)}}
		org := &atlassiantest.Org{ID: atlassiantest.OrgID, Workspaces: atlassiantest.SampleWorkspaces(), Users: []atlassiantest.User{u}}
		srv := atlassiantest.NewServer(org)
		defer srv.Close()
		env := []string{"PATH=" + os.Getenv("PATH"), "ATLASSIAN_ORG_ID=" + org.ID, "ATLASSIAN_API_KEY=" + atlassiantest.APIKey,
			"ATLASSIAN_API_URL=" + srv.URL(), "LASTACTIVE_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "lastactive.db")}

		r := runBinary(t, env, "", "lookup", "--json", u.Email)
		var got []struct {
			OK       bool `json:"ok"`
			Products []struct {
				Key     string `json:"key"`
				Verdict string `json:"verdict"`
			} `json:"products"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || !got[0].OK || len(got[0].Products) != 2 {
			t.Fatalf("%s: not one person with two products: %v\n%s\n%s", u.Email, err, r.stdout, r.stderr)
		}
		for _, p := range got[0].Products {
			if p.Verdict != string(seat.VerdictNoSeat) {
				t.Errorf("%s: %s has the verdict %q, want %q as in the report's CSV", u.Email, p.Key, p.Verdict, seat.VerdictNoSeat)
			}
		}
	}
}
