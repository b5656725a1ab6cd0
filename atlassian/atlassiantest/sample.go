package atlassiantest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Account IDs of the sample people that tests most often need.
const (
	AdaAccountID = "712020:0a1b2c3d-0000-4000-8000-00000000ada1"
	BotAccountID = "712020:0a1b2c3d-0000-4000-8000-0000000000b0"
)

// SampleOrg returns the built-in demo organisation, with dates relative to
// now. Products are on SiteMain unless marked (2nd) for SiteSecond. Ages
// are days before now; "-" is never used. With the default page size of 2,
// n products take ceil(n/2) last-active pages.
//
//	email                      display name              what it shows
//	ada@example.com            Ada Lovelace              flagship: jira-software 2, confluence 9, jira-service-desk -, compass 45; 2 pages
//	bot@example.com            Lastactive Bot            JiraEmail's account (/myself): jira-software 0, confluence 1
//	alan@example.com           Alan Turing               multi-site, 3 pages: jira-software 3 and (2nd) 100, confluence 5 and (2nd) -, jira-service-desk 400, loom 20
//	grace@example.com          Grace Hopper              idle: jira-software 120, confluence 200
//	katherine@example.com      Katherine Johnson         hidden email: found only by the exact address, answered without emailAddress; jira-software 12
//	margaret@example.com       Margaret Hamilton         never active: empty product_access, joined 3 days ago
//	dennis@example.com         Dennis Ritchie            no added_to_org (absent on the wire); confluence 30
//	sam@example.com            Sam Rivera                ambiguous: shares the email with the next one; jira-software 6
//	sam@example.com            Sam Rivera (contractor)   ambiguous twin, separate account; confluence 70
//	tim@example.org            Tim Berners-Lee           unmanaged account, dates without timestamps (like the tutorial): confluence 15, jira-software 95
//	edsger@example.com         Edsger Dijkstra           membership suspended; jira-software 150
//	ken@example.com            Ken Thompson              account deactivated: Jira does not find him, Admin still answers; jira-software 300
//	hedy@example.com           Hedy Lamarr               Jira cannot see her (NotInJira): only the Admin exact-email search finds her; (2nd) confluence 4
//	barbara@partner.example    Barbara Liskov            another org's person: Jira finds her, Admin 404 ADMIN-404-8
//	(none)                     Ada Automation            app account, prefix "ada"; not a member
//	ada@example.com (hidden)   ada@example.com           JSM customer with Ada's address: an exact query for Ada also returns it; not a member
//
// Its workspaces (SampleWorkspaces) name the two sites acme.atlassian.net
// (SiteMain) and acme-eu.atlassian.net (SiteSecond).
func SampleOrg(now time.Time) *Org {
	day := 24 * time.Hour
	// ago lands mid-morning UTC so that timestamps look real while the date
	// stays exactly n days back.
	ago := func(n int) time.Time {
		d := now.UTC().Truncate(day).Add(-time.Duration(n) * day)
		return d.Add(9*time.Hour + 14*time.Minute + 5*time.Second)
	}
	p := func(key string, days int) Product { // days < 0: never used
		pr := Product{Key: key, SiteID: SiteMain}
		if days >= 0 {
			pr.LastActive = ago(days)
		}
		return pr
	}
	second := func(pr Product) Product { pr.SiteID = SiteSecond; return pr }
	dateOnly := func(pr Product) Product { pr.DateOnly = true; return pr }
	id := func(suffix string) string { return "712020:0a1b2c3d-0000-4000-8000-" + suffix }

	return &Org{ID: OrgID, Name: "Acme", Workspaces: SampleWorkspaces(), Users: []User{
		{AccountID: AdaAccountID, DisplayName: "Ada Lovelace", Email: "ada@example.com", AddedToOrg: ago(900),
			Products: []Product{p("jira-software", 2), p("confluence", 9), p("jira-service-desk", -1), p("compass", 45)}},
		{AccountID: BotAccountID, DisplayName: "Lastactive Bot", Email: JiraEmail, AddedToOrg: ago(30),
			Products: []Product{p("jira-software", 0), p("confluence", 1)}},
		{AccountID: id("0000000a1a17"), DisplayName: "Alan Turing", Email: "alan@example.com", AddedToOrg: ago(1200),
			Products: []Product{p("jira-software", 3), second(p("jira-software", 100)), p("confluence", 5),
				second(p("confluence", -1)), p("jira-service-desk", 400), p("loom", 20)}},
		{AccountID: id("00000006ace1"), DisplayName: "Grace Hopper", Email: "grace@example.com", AddedToOrg: ago(700),
			Products: []Product{p("jira-software", 120), p("confluence", 200)}},
		{AccountID: id("0000000ca7e1"), DisplayName: "Katherine Johnson", Email: "katherine@example.com", HideEmail: true,
			AddedToOrg: ago(400), Products: []Product{p("jira-software", 12)}},
		{AccountID: id("000000009a61"), DisplayName: "Margaret Hamilton", Email: "margaret@example.com", AddedToOrg: ago(3)},
		{AccountID: id("00000000de15"), DisplayName: "Dennis Ritchie", Email: "dennis@example.com",
			Products: []Product{p("confluence", 30)}},
		{AccountID: id("0000000005a1"), DisplayName: "Sam Rivera", Email: "sam@example.com", AddedToOrg: ago(500),
			Products: []Product{p("jira-software", 6)}},
		{AccountID: id("0000000005a2"), DisplayName: "Sam Rivera (contractor)", Email: "sam@example.com", AddedToOrg: ago(60),
			Products: []Product{p("confluence", 70)}},
		{AccountID: id("00000000071b"), DisplayName: "Tim Berners-Lee", Email: "tim@example.org", ClaimStatus: "unmanaged",
			AddedToOrg: ago(800), Products: []Product{dateOnly(p("confluence", 15)), dateOnly(p("jira-software", 95))}},
		{AccountID: id("00000000ed5e"), DisplayName: "Edsger Dijkstra", Email: "edsger@example.com", MembershipStatus: "suspended",
			AddedToOrg: ago(1000), Products: []Product{p("jira-software", 150)}},
		{AccountID: id("000000000ce2"), DisplayName: "Ken Thompson", Email: "ken@example.com", AccountStatus: "inactive",
			AddedToOrg: ago(1500), Products: []Product{p("jira-software", 300)}},
		{AccountID: id("00000000ba7b"), DisplayName: "Barbara Liskov", Email: "barbara@partner.example", NotMember: true},
		{AccountID: "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", AccountType: "app", DisplayName: "Ada Automation",
			NotMember: true},
		{AccountID: "qm:1a2b3c4d-0000-4000-8000-000000000000:5e6f7a8b-0000-4000-8000-000000000ada",
			AccountType: "customer", DisplayName: "ada@example.com", Email: "ada@example.com", HideEmail: true, NotMember: true},
		{AccountID: id("000000004ed1"), DisplayName: "Hedy Lamarr", Email: "hedy@example.com", NotInJira: true,
			AddedToOrg: ago(250), Products: []Product{second(p("confluence", 4))}},
	}}
}

// Hosts of the sample sites.
const (
	HostMain   = "acme.atlassian.net"
	HostSecond = "acme-eu.atlassian.net"
)

// SampleWorkspaces returns the workspaces of the sample and generated
// organisations: Jira and Confluence on each of the two sites, their IDs
// in both forms the API uses (bare cloud ID and ARI), and a seat capacity
// on the main site's Jira only. With the default page size of 2 they take
// two pages.
func SampleWorkspaces() []Workspace {
	return []Workspace{
		{ID: SiteMain, Name: "Acme", Type: "jira", HostURL: "https://" + HostMain, Capacity: 50},
		{ID: "ari:cloud:confluence::site/" + SiteMain, Name: "Acme", Type: "confluence", HostURL: "https://" + HostMain},
		{ID: "ari:cloud:jira::site/" + SiteSecond, Name: "Acme EU", Type: "jira", HostURL: "https://" + HostSecond},
		{ID: SiteSecond, Name: "Acme EU", Type: "confluence", HostURL: "https://" + HostSecond},
	}
}

// GenerateOrg returns an organisation of n users (n >= 1), the same for the
// same seed and now. The first user is the Lastactive Bot (JiraEmail); the
// others have unique emails first.last.N@example.com and a mix of the
// sample's cases: about 10% never used a product, 3% hide their email, 2%
// are deactivated, 2% suspended, 5% lack added_to_org, 10% are unmanaged,
// and 1% are apps or customers outside the org.
func GenerateOrg(n int, seed int64, now time.Time) *Org {
	r := rand.New(rand.NewPCG(uint64(seed), 0x1a57ac71fe))
	day := 24 * time.Hour
	base := now.UTC().Truncate(time.Second)
	ago := func(maxDays int) time.Time {
		return base.Add(-time.Duration(r.Int64N(int64(maxDays) * int64(day))))
	}
	first := []string{"Ada", "Alan", "Grace", "Linus", "Barbara", "Dennis", "Edsger", "Frances", "Hedy", "John",
		"Katherine", "Ken", "Margaret", "Radia", "Sophie", "Tim", "Adele", "Donald", "Shafi", "Leslie"}
	last := []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Ritchie", "Dijkstra", "Allen", "Lamarr",
		"Backus", "Johnson", "Thompson", "Hamilton", "Perlman", "Wilson", "Lee", "Goldberg", "Knuth", "Goldwasser", "Lamport"}
	keys := []string{"jira-software", "confluence", "jira-service-desk", "loom", "compass"}

	org := &Org{ID: OrgID, Name: "Acme", Workspaces: SampleWorkspaces(), Users: make([]User, 0, n)}
	if n < 1 {
		return org
	}
	org.Users = append(org.Users, User{AccountID: BotAccountID, DisplayName: "Lastactive Bot", Email: JiraEmail,
		AddedToOrg: ago(365), Products: []Product{{Key: "jira-software", SiteID: SiteMain, LastActive: base}}})
	for i := 1; i < n; i++ {
		f, l := first[r.IntN(len(first))], last[r.IntN(len(last))]
		u := User{
			// The counter in the ID keeps IDs unique whatever the random part.
			AccountID:   fmt.Sprintf("712020:%08x-%04x-4%03x-8%03x-%012x", i, r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Int64N(1<<48)),
			DisplayName: f + " " + l,
			Email:       fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(f), strings.ToLower(l), i),
			AddedToOrg:  ago(2000),
		}
		switch x := r.IntN(1000); {
		case x < 30:
			u.HideEmail = true
		case x < 50:
			u.AccountStatus = "inactive"
		case x < 70:
			u.MembershipStatus = "suspended"
		case x < 120:
			u.AddedToOrg = time.Time{}
		case x < 220:
			u.ClaimStatus = "unmanaged"
		case x < 225:
			u.AccountType, u.NotMember, u.Email = "app", true, ""
		case x < 230:
			u.AccountType, u.NotMember, u.HideEmail = "customer", true, true
		}
		if !u.NotMember && r.IntN(10) > 0 {
			for _, k := range keys {
				if r.IntN(2) == 0 {
					continue
				}
				pr := Product{Key: k, SiteID: SiteMain}
				if r.IntN(5) == 0 {
					pr.SiteID = SiteSecond
				}
				if r.IntN(8) > 0 {
					pr.LastActive = ago(400)
				}
				u.Products = append(u.Products, pr)
			}
		}
		org.Users = append(org.Users, u)
	}
	return org
}
