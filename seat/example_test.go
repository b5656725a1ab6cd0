package seat_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"lastactive/atlassian"
	"lastactive/seat"
)

// Build judges every account × product. The v2 directory API's "jira" and
// the configured price for "jira-software" name one product.
func Example() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	daysAgo := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	site := "ari:cloud:jira-software::site/58d24034"
	users := []atlassian.OrgUser{
		{AccountID: "a1", Name: "Ada", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{{ID: site, Key: "jira-software", LastActive: daysAgo(2)}}},
		{AccountID: "g1", Name: "Grace", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
			Products: []atlassian.ProductActivity{{ID: "ari:cloud:jira::site/58d24034", Key: "jira", LastActive: daysAgo(120)}}},
	}
	// The workspaces name the site by its host (seat.SiteBook reads them).
	sites := atlassian.NewSites([]atlassian.Workspace{{ID: "58d24034", CloudID: "58d24034", Host: "acme.atlassian.net"}})
	rep := seat.Build(users, seat.Options{Now: now, Products: []string{"jira"}, Prices: seat.Prices{"jira-software": 8.60}, Sites: sites})
	for _, g := range rep.Groups {
		fmt.Printf("%s on %s: %d seats, %d active, %d idle, %.2f a month unused\n",
			seat.ProductName(g.Key), g.SiteName, g.Seats, g.Active, g.Idle, g.MonthlyCost())
	}
	// The CSV is for spreadsheets: a byte-order mark, then CRLF line ends.
	var buf bytes.Buffer
	if err := seat.WriteCSV(&buf, rep); err != nil {
		fmt.Println(err)
	}
	for line := range strings.SplitAfterSeq(buf.String(), "\n") {
		if line != "" {
			fmt.Printf("%q\n", line)
		}
	}
	// Output:
	// Jira Software on acme.atlassian.net: 2 seats, 1 active, 1 idle, 8.60 a month unused
	// "\ufeffname,email,account ID,product,site,site ID,last active,days idle,verdict,account status\r\n"
	// "Grace,,g1,jira-software,acme.atlassian.net,58d24034,2026-07-29,120,idle,active\r\n"
	// "Ada,,a1,jira-software,acme.atlassian.net,58d24034,2026-11-24,2,active,active\r\n"
}
