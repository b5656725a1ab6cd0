package atlassiantest

import (
	"slices"
	"time"
)

// Products of the release sample, as ARIs (Product.ID).
const (
	ConfluenceMain = "ari:cloud:confluence::site/" + SiteMain
	JiraMain       = "ari:cloud:jira-software::site/" + SiteMain
	LoomMain       = "ari:cloud:loom::site/" + SiteMain
)

// The people ReleaseOrg adds to the sample, one per case of a release.
// Each is idle in Confluence (ConfluenceMain).
const (
	// ReleaseDirectEmail: Confluence given directly (idle 150 days), Jira
	// in use: a release revokes the role.
	ReleaseDirectEmail = "frances@example.com"
	// ReleaseGroupEmail: Confluence only through GroupConfluenceUsers,
	// which grants nothing else (idle 160 days); Jira direct, in use: a
	// release removes the membership.
	ReleaseGroupEmail = "john@example.com"
	// ReleaseSharedGroupEmail: Confluence (idle 200) and Jira (in use, 4
	// days) both only through GroupAtlassianAll: refused, the group also
	// gives Jira, which she uses.
	ReleaseSharedGroupEmail = "radia@example.com"
	// ReleaseIdleGroupEmail: Confluence (idle 120) and Loom (idle 300)
	// through GroupWikiAndLoom, nothing else in use: the membership goes,
	// taking Loom with it.
	ReleaseIdleGroupEmail = "donald@example.com"
	// ReleaseSyncedEmail: managed by an identity provider
	// (managementSource synced), Confluence direct, idle 180: refused.
	ReleaseSyncedEmail = "sophie@example.com"
	// ReleaseOrgAdminEmail: an org admin, Confluence direct, idle 300: refused.
	ReleaseOrgAdminEmail = "leslie@example.com"
	// ReleaseInferredEmail: Confluence inferred, idle 130: refused.
	ReleaseInferredEmail = "shafi@example.com"
	// ReleaseSpareEmail: no Confluence, Jira in use: assigning her
	// Confluence after a release takes the freed seat, so the undo meets
	// the seat limit (409).
	ReleaseSpareEmail = "adele@example.com"
	// ReleaseBothEmail: Confluence given directly and through
	// GroupConfluenceUsers too (idle 140), Jira direct, in use: a release
	// revokes the role, then leaves the group. Not in ReleaseOrg, whose
	// counts other tests rely on: WithReleaseBoth adds her.
	ReleaseBothEmail = "barbara@example.com"
)

// Groups of ReleaseOrg.
const (
	GroupConfluenceUsers = "a1c0ffee-0000-4000-8000-00000000c0f1"
	GroupAtlassianAll    = "a1c0ffee-0000-4000-8000-0000000000a1"
	GroupWikiAndLoom     = "a1c0ffee-0000-4000-8000-00000000f1ee"
)

// ReleaseOrg returns SampleOrg(now) unchanged plus the people of the
// Release*Email constants, the groups that grant them products, and a seat
// limit on Confluence (ConfluenceMain) that it exactly reaches: every seat
// is taken, so a seat freed and then given to someone else makes an undo
// answer 409. SampleOrg's own people keep their products as direct grants.
func ReleaseOrg(now time.Time) *Org {
	org := SampleOrg(now)
	day := 24 * time.Hour
	ago := func(n int) time.Time {
		d := now.UTC().Truncate(day).Add(-time.Duration(n) * day)
		return d.Add(10*time.Hour + 2*time.Minute + 7*time.Second)
	}
	p := func(key string, days int, g Grant) Product {
		return Product{Key: key, SiteID: SiteMain, LastActive: ago(days), Grant: g}
	}
	id := func(suffix string) string { return "712020:0a1b2c3d-0000-4000-8000-" + suffix }
	var (
		frances = id("0000000f4a11")
		john    = id("0000000ba0c5")
		radia   = id("0000000ad1a0")
		donald  = id("0000000d0a1d")
	)
	org.Users = append(org.Users,
		User{AccountID: frances, DisplayName: "Frances Allen", Email: ReleaseDirectEmail, AddedToOrg: ago(800),
			Products: []Product{p("confluence", 150, GrantDirect), p("jira-software", 3, GrantDirect)}},
		User{AccountID: john, DisplayName: "John Backus", Email: ReleaseGroupEmail, AddedToOrg: ago(700),
			Products: []Product{p("confluence", 160, GrantGroup), p("jira-software", 5, GrantDirect)}},
		User{AccountID: radia, DisplayName: "Radia Perlman", Email: ReleaseSharedGroupEmail, AddedToOrg: ago(600),
			Products: []Product{p("confluence", 200, GrantGroup), p("jira-software", 4, GrantGroup)}},
		User{AccountID: donald, DisplayName: "Donald Knuth", Email: ReleaseIdleGroupEmail, AddedToOrg: ago(1100),
			Products: []Product{p("confluence", 120, GrantGroup), p("loom", 300, GrantGroup)}},
		User{AccountID: id("00000005091e"), DisplayName: "Sophie Wilson", Email: ReleaseSyncedEmail, ManagementSource: "synced",
			AddedToOrg: ago(650), Products: []Product{p("confluence", 180, GrantDirect)}},
		User{AccountID: id("00000001a3b0"), DisplayName: "Leslie Lamport", Email: ReleaseOrgAdminEmail, OrgAdmin: true,
			AddedToOrg: ago(1300), Products: []Product{p("confluence", 300, GrantDirect)}},
		User{AccountID: id("000000054af1"), DisplayName: "Shafi Goldwasser", Email: ReleaseInferredEmail, AddedToOrg: ago(900),
			Products: []Product{p("confluence", 130, GrantInferred)}},
		User{AccountID: id("0000000ade1e"), DisplayName: "Adele Goldberg", Email: ReleaseSpareEmail, AddedToOrg: ago(500),
			Products: []Product{p("jira-software", 1, GrantDirect)}},
	)
	org.Groups = []Group{
		{ID: GroupConfluenceUsers, Name: "confluence-users", Grants: []string{ConfluenceMain}, Members: []string{john}},
		{ID: GroupAtlassianAll, Name: "atlassian-all", Grants: []string{ConfluenceMain, JiraMain}, Members: []string{radia}},
		{ID: GroupWikiAndLoom, Name: "wiki-and-loom", Grants: []string{ConfluenceMain, LoomMain}, Members: []string{donald}},
	}
	org.SeatLimits = map[string]int{ConfluenceMain: buildIndex(org.ID, org.Users, org.Groups, nil).seats(ConfluenceMain)}
	return org
}

// WithReleaseBoth returns what adds the person of ReleaseBothEmail to a
// ReleaseOrg(now): Confluence both directly and through
// GroupConfluenceUsers. The Confluence seat limit grows by her seat, so it
// stays exactly reached.
func WithReleaseBoth(now time.Time) func(*Org) {
	return func(org *Org) {
		day := 24 * time.Hour
		ago := func(n int) time.Time {
			d := now.UTC().Truncate(day).Add(-time.Duration(n) * day)
			return d.Add(10*time.Hour + 2*time.Minute + 7*time.Second)
		}
		barbara := "712020:0a1b2c3d-0000-4000-8000-0000000b4b41"
		org.Users = append(org.Users, User{AccountID: barbara, DisplayName: "Barbara Liskov", Email: ReleaseBothEmail, AddedToOrg: ago(750),
			Products: []Product{{Key: "confluence", SiteID: SiteMain, LastActive: ago(140)}, {Key: "jira-software", SiteID: SiteMain, LastActive: ago(2)}}})
		for i := range org.Groups {
			if org.Groups[i].ID == GroupConfluenceUsers {
				org.Groups[i].Members = append(slices.Clone(org.Groups[i].Members), barbara)
			}
		}
		if n, ok := org.SeatLimits[ConfluenceMain]; ok {
			org.SeatLimits[ConfluenceMain] = n + 1
		}
	}
}
