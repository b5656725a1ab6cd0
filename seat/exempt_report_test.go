package seat

import (
	"testing"
	"time"

	"lastactive/atlassian"
)

// TestMarkExempt: an exemption marks its person's product on every site,
// by the address's ASCII case only (a Kelvin-sign look-alike is another
// person), an alias matches its product, one ended by the report's time
// marks nothing, the idle longest are marked too, and marking again
// counts the same.
func TestMarkExempt(t *testing.T) {
	t.Parallel()
	const s1, s2 = "ari:cloud:jira::site/s1", "ari:cloud:jira::site/s2"
	idle := func(id, key string) atlassian.ProductActivity {
		return atlassian.ProductActivity{ID: id, Key: key, LastActive: daysAgo(200), LastActiveTimestamp: daysAgo(200)}
	}
	person := func(id, email string, ps ...atlassian.ProductActivity) atlassian.OrgUser {
		return atlassian.OrgUser{AccountID: id, Name: id, Email: email, AccountStatus: "active", MembershipStatus: "active",
			AddedToOrg: daysAgo(900), Products: ps}
	}
	users := []atlassian.OrgUser{
		person("ada", "Ada@Example.com", idle(s1, "jira-software"), idle(s2, "jira"), idle(s1, "confluence")),
		person("kay", "kay@example.com", idle(s1, "jira-software")),
		person("bob", "bob@example.com", idle(s1, "jira-software")),
	}
	rep := Build(users, Options{Days: 90, Now: idleNow, Prices: Prices{"jira-software": 8.6083}})
	ex := []Exemption{
		{Email: "ada@example.com", Product: "jira"},                          // alias, lower case: both of Ada's Jira seats
		{Email: "\u212Aay@example.com", Product: "jira-software"},            // Kelvin sign: not Kay
		{Email: "bob@example.com", Product: "jira-software", Until: idleNow}, // ended now
	}
	for range 2 {
		rep.MarkExempt(ex)
		if rep.ExemptRows != 2 {
			t.Errorf("%d rows exempt, want Ada's two Jira seats", rep.ExemptRows)
		}
		for _, r := range rep.Rows {
			if want := r.AccountID == "ada" && r.Key == "jira-software"; r.Exempt != want {
				t.Errorf("%s %s on %s: exempt %v, want %v", r.AccountID, r.Key, r.Site, r.Exempt, want)
			}
		}
		for _, g := range rep.Groups {
			want := 0
			if g.Key == "jira-software" {
				want = 1
			}
			if g.ExemptUnused != want {
				t.Errorf("%s on %s: %d exempt unused, want %d", g.Key, g.Site, g.ExemptUnused, want)
			}
		}
		// Each group's cost rounded, as MonthlyCost adds them: 8.61 twice.
		if cost, n := rep.ExemptCost(); n != 2 || cost != 17.22 {
			t.Errorf("exempt cost %v for %d seats, want 17.22 for 2", cost, n)
		}
		for _, r := range rep.Longest {
			if want := r.AccountID == "ada" && r.Key == "jira-software"; r.Exempt != want {
				t.Errorf("idle longest %s %s: exempt %v, want %v", r.AccountID, r.Key, r.Exempt, want)
			}
		}
	}
	if rep.Rows[0].ExemptUntil != (time.Time{}) && rep.Rows[0].Exempt {
		t.Errorf("an exemption with no end has an end: %v", rep.Rows[0].ExemptUntil)
	}
}
