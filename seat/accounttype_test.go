package seat

import (
	"bytes"
	"context"
	"testing"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// TestAppsAndCustomersHoldNoSeat: an app (bot) account or a Jira Service
// Management customer that the users search lists with product access is
// not a person's licence: Atlassian bills neither. Counted by hand, the
// organisation below has two Confluence seats (Ada active, Grace idle);
// the report counted four, the automation bot and the portal customer as
// idle seats with a cost, and would have nudged them.
func TestAppsAndCustomersHoldNoSeat(t *testing.T) {
	t.Parallel()
	const site = atlassiantest.SiteMain
	used := func(days int) []atlassiantest.Product {
		return []atlassiantest.Product{{Key: "confluence", SiteID: site, LastActive: daysAgo(days)}}
	}
	org := &atlassiantest.Org{ID: atlassiantest.OrgID, Users: []atlassiantest.User{
		{AccountID: "ada", DisplayName: "Ada", Email: "ada@example.com", AddedToOrg: daysAgo(900), Products: used(3)},
		{AccountID: "grace", DisplayName: "Grace", Email: "grace@example.com", AddedToOrg: daysAgo(900), Products: used(200)},
		{AccountID: "bot", AccountType: "app", DisplayName: "Automation for Confluence", AddedToOrg: daysAgo(900), Products: used(300)},
		{AccountID: "cust", AccountType: "customer", DisplayName: "Portal customer", Email: "c@customer.example",
			AddedToOrg: daysAgo(900), Products: used(150)},
	}}
	srv := atlassiantest.NewServer(org)
	t.Cleanup(srv.Close)
	reports := NewScanner(ScanConfig{Dir: adminClient(t, srv), Prices: Prices{"confluence": 6.05}})
	t.Cleanup(reports.Close)
	rep, err := reports.Report(context.Background(), Options{Days: 90, Now: idleNow}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tot := rep.Totals(); tot.Seats != 2 || tot.Active != 1 || tot.Idle != 1 || tot.NoSeat != 2 {
		t.Errorf("totals %+v; want 2 seats (1 active, 1 idle) and the app and the customer apart", tot)
	}
	if cost, _ := rep.MonthlyCost(); cost != 6.05 {
		t.Errorf("monthly cost %v, want 6.05: Grace's seat only", cost)
	}
	if rep.NoSeat != 2 {
		t.Errorf("%d accounts without a seat, want 2", rep.NoSeat)
	}
	status := map[string]string{}
	for _, r := range rep.Rows {
		status[r.AccountID] = r.AccountStatus + "/" + string(r.Verdict)
	}
	for id, want := range map[string]string{"ada": "active/active", "grace": "active/idle", "bot": "app/no seat", "cust": "customer/no seat"} {
		if status[id] != want {
			t.Errorf("%s: status/verdict %q, want %q", id, status[id], want)
		}
	}
	for _, r := range rep.Longest {
		if r.AccountID != "grace" {
			t.Errorf("%s is among the idle longest", r.AccountID)
		}
	}
	var csv bytes.Buffer
	if err := WriteCSV(&csv, rep); err != nil {
		t.Fatal(err)
	}
	if n := len(readCSV(t, csv.Bytes())); n != 5 {
		t.Errorf("%d CSV records, want a header and 4 rows: accounts without a seat are listed, as no seat", n)
	}
}

// TestAccountStatusAgreesWithTheVerdict: the CSV's status and the verdict
// agree. An account whose statuses Atlassian did not give at all (none of
// accountStatus, membershipStatus and the composite status: every field of
// the v2 user is optional) held no seat and read "unknown", so an
// organisation listed that way, with product access on every account, read
// as one without a single seat, no idle seat and no cost, without an error.
// Product access is what a seat is: such an account holds its seats, as an
// active one; a status that is given still decides.
func TestAccountStatusAgreesWithTheVerdict(t *testing.T) {
	t.Parallel()
	p := atlassian.ProductActivity{ID: "ari:cloud:confluence::site/s1", Key: "confluence", LastActive: daysAgo(3), LastActiveTimestamp: daysAgo(3)}
	old := atlassian.ProductActivity{ID: "ari:cloud:confluence::site/s1", Key: "confluence", LastActive: daysAgo(200), LastActiveTimestamp: daysAgo(200)}
	users := []atlassian.OrgUser{
		{AccountID: "none", AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{p}},
		{AccountID: "none-idle", AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{old}},
		{AccountID: "no-membership-given", AccountStatus: "active", AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{p}},
		{AccountID: "deactivated", AccountStatus: "inactive", AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{p}},
		{AccountID: "suspended", MembershipStatus: "suspended", AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{p}},
	}
	want := map[string]string{"none": "active/active", "none-idle": "active/idle", "no-membership-given": "active/active",
		"deactivated": "deactivated/no seat", "suspended": "suspended/no seat"}
	rep := Build(users, Options{Days: 90, Now: idleNow})
	for _, r := range rep.Rows {
		if got := r.AccountStatus + "/" + string(r.Verdict); got != want[r.AccountID] {
			t.Errorf("%s: status/verdict %q, want %q", r.AccountID, got, want[r.AccountID])
		}
	}
	if tot := rep.Totals(); tot.Seats != 3 || tot.Idle != 1 {
		t.Errorf("totals %+v; want 3 seats, 1 idle", tot)
	}
	for _, u := range users {
		if got, want := u.HoldsSeat(), want[u.AccountID] != "deactivated/no seat" && want[u.AccountID] != "suspended/no seat"; got != want {
			t.Errorf("%s: HoldsSeat %v, want %v", u.AccountID, got, want)
		}
	}
}
