package seat

import (
	"fmt"
	"slices"
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

// TestIdleLongestPassesOverExemptSeats: the idle longest list is where a
// manager looks for seats to act on, so an exempt seat (kept on purpose)
// does not take a place from one they can release. A person whose
// longest idle seat is exempt is named at their longest idle seat that
// is not; a person whose every idle seat is exempt comes after everyone
// else, marked, and only while places remain.
func TestIdleLongestPassesOverExemptSeats(t *testing.T) {
	t.Parallel()
	const s1 = "ari:cloud:jira::site/s1"
	idle := func(key string, days int) atlassian.ProductActivity {
		return atlassian.ProductActivity{ID: s1, Key: key, LastActive: daysAgo(days), LastActiveTimestamp: daysAgo(days)}
	}
	person := func(id string, ps ...atlassian.ProductActivity) atlassian.OrgUser {
		return atlassian.OrgUser{AccountID: id, Name: id, Email: id + "@example.com", AccountStatus: "active", MembershipStatus: "active",
			AddedToOrg: daysAgo(2000), Products: ps}
	}
	// Ada (900 days) and Bea (800) are exempt in every idle seat; Cy's
	// Jira (700) is exempt, his Confluence (150) is not; then MaxLongestIdle
	// people idle 300 down to 300-MaxLongestIdle+1 days, none exempt.
	users := []atlassian.OrgUser{
		person("ada", idle("jira-software", 900)),
		person("bea", idle("confluence", 800)),
		person("cy", idle("jira-software", 700), idle("confluence", 150)),
	}
	for i := range MaxLongestIdle {
		users = append(users, person(fmt.Sprintf("p%02d", i), idle("jira-software", 300-i)))
	}
	ex := []Exemption{
		{Email: "ada@example.com", Product: "jira-software"},
		{Email: "bea@example.com", Product: "confluence"},
		{Email: "cy@example.com", Product: "jira"},
	}
	names := func(rows []Row) []string {
		var out []string
		for _, r := range rows {
			s := fmt.Sprintf("%s %s %d", r.AccountID, r.Key, r.DaysIdle)
			if r.Exempt {
				s += " exempt"
			}
			out = append(out, s)
		}
		return out
	}

	rep := Build(users, Options{Days: 90, Now: idleNow})
	rep.MarkExempt(ex)
	var want []string
	for i := range MaxLongestIdle {
		want = append(want, fmt.Sprintf("p%02d jira-software %d", i, 300-i))
	}
	if got := names(rep.Longest); !slices.Equal(got, want) {
		t.Errorf("idle longest with %d people to act on:\n got %q\nwant %q", MaxLongestIdle, got, want)
	}

	// With places to spare: Cy at his Confluence seat among the others by
	// days, then the wholly exempt, marked, longest first.
	rep = Build(users[:6], Options{Days: 90, Now: idleNow})
	rep.MarkExempt(ex)
	want = []string{"p00 jira-software 300", "p01 jira-software 299", "p02 jira-software 298", "cy confluence 150",
		"ada jira-software 900 exempt", "bea confluence 800 exempt"}
	if got := names(rep.Longest); !slices.Equal(got, want) {
		t.Errorf("idle longest with places to spare:\n got %q\nwant %q", got, want)
	}

	// Marked again with none in force: as built.
	rep.MarkExempt(nil)
	want = []string{"ada jira-software 900", "bea confluence 800", "cy jira-software 700", "p00 jira-software 300",
		"p01 jira-software 299", "p02 jira-software 298"}
	if got := names(rep.Longest); !slices.Equal(got, want) {
		t.Errorf("idle longest once no exemption is in force:\n got %q\nwant %q", got, want)
	}
}
