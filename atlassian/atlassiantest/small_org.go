package atlassiantest

import (
	"time"

	"lastactive/atlassian"
)

// SmallOrg is a hand-made organisation of six people whose idle report the
// seat and bot tests check in full: two Confluence sites and a Jira site;
// an active user, an idle one (with markup in her name), one added three
// days ago who never used anything, one who never used his seat, an idle
// one on the second site, and an inactive account. Days count back from
// now.
func SmallOrg(now time.Time) []atlassian.OrgUser {
	daysAgo := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	site1, site2 := "ari:cloud:confluence::site/11111111-aaaa", "ari:cloud:confluence::site/22222222-bbbb"
	jira := "ari:cloud:jira-software::site/11111111-aaaa"
	used := func(id, key string, days int) atlassian.ProductActivity {
		ts := daysAgo(days)
		return atlassian.ProductActivity{ID: id, Key: key, LastActiveTimestamp: ts, LastActive: ts.Truncate(24 * time.Hour)}
	}
	u := func(id, name, email string, added int, ps ...atlassian.ProductActivity) atlassian.OrgUser {
		return atlassian.OrgUser{AccountID: id, Name: name, Email: email, AccountStatus: "active", MembershipStatus: "active",
			AddedToOrg: daysAgo(added), Products: ps}
	}
	grace := u("g", "Grace <b>Hopper</b>", "grace@example.com", 900, used(site1, "confluence", 200), used(jira, "jira-software", 120))
	ken := u("k", "Ken Thompson", "ken@example.com", 1500, used(jira, "jira-software", 300))
	ken.AccountStatus = "inactive"
	return []atlassian.OrgUser{
		u("a", "Ada Lovelace", "ada@example.com", 900, used(site1, "confluence", 9), used(jira, "jira-software", 2)),
		grace,
		u("m", "Margaret Hamilton", "margaret@example.com", 3, atlassian.ProductActivity{ID: site1, Key: "confluence"}),
		u("d", "Dennis Ritchie", "dennis@example.com", 400, atlassian.ProductActivity{ID: site2, Key: "confluence"}),
		u("t", "Tim Berners-Lee", "tim@example.org", 800, used(site2, "confluence", 95)),
		ken,
	}
}
