package main

import (
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
		products := lookupOneJSON(t, u)
		if len(products) != 2 {
			t.Fatalf("%s: %d products, want 2: %+v", u.Email, len(products), products)
		}
		for _, p := range products {
			if p.Verdict != string(seat.VerdictNoSeat) {
				t.Errorf("%s: %s has the verdict %q, want %q as in the report's CSV", u.Email, p.Key, p.Verdict, seat.VerdictNoSeat)
			}
		}
	}
}
