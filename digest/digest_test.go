package digest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastactive/atlassian"
	"lastactive/digest"
	"lastactive/internal/state"
	"lastactive/seat"
)

const (
	siteA = "58d24034-e3ec-11ed-b5ea-0242ac120002"
	siteB = "7c3e9f20-5a1b-4c2d-9e8f-0123456789ab"
)

var now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func idleRow(key, site, name string, days int) seat.Row {
	return seat.Row{Key: key, Site: site, Name: name, Email: name + "@example.com", DaysIdle: days,
		LastActive: now.AddDate(0, 0, -days), Verdict: seat.VerdictIdle}
}

func report() *seat.Report {
	rep := &seat.Report{Days: 90, Currency: "EUR", Now: now, ReadAt: now.Add(-time.Minute), Accounts: 40, NoSeat: 2,
		Groups: []seat.Group{
			{Key: "jira-software", Site: siteA, Seats: 20, Active: 10, Idle: 6, Never: 3, New: 1, Price: 8.6, HasPrice: true},
			{Key: "confluence", Site: siteA, Seats: 10, Active: 9, Idle: 1},
			{Key: "confluence", Site: siteB, Seats: 5, Active: 2, Idle: 3},
		}}
	for i, name := range []string{"Ada", "Brian", "Cleo", "Dan", "Eve", "Finn"} {
		rep.Rows = append(rep.Rows, idleRow("jira-software", siteA, name, 100+i*10))
	}
	rep.Rows = append(rep.Rows, idleRow("confluence", siteA, "Gus", 95), idleRow("confluence", siteB, "Hana", 300),
		seat.Row{Key: "confluence", Site: siteA, Name: "Ivy", Verdict: seat.VerdictActive})
	return rep
}

var workspaces = []atlassian.Workspace{
	{CloudID: siteA, Type: "jira", Host: "acme.atlassian.net", Capacity: 25},
	{CloudID: siteA, Type: "confluence", Host: "acme.atlassian.net"},
}

func TestMake(t *testing.T) {
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 90, Rows: []state.SnapshotRow{
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 18, Active: 11, Idle: 3, NeverUsed: 3},
		{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Active: 9, Idle: 1},
	}}, {Taken: now.AddDate(0, 0, -14)}}
	d := digest.Make(report(), workspaces, earlier)

	wantLines := []digest.Line{
		// Not in the last digest, whose every line this one has: new since.
		{Key: "confluence", Site: siteB + " " + seat.UnknownSite, Seats: 5, Active: 2, Idle: 3, Change: digest.Change{Added: true}},
		{Key: "confluence", Site: "acme.atlassian.net", Seats: 10, Active: 9, Idle: 1, Change: digest.Change{Known: true}},
		{Key: "jira-software", Site: "acme.atlassian.net", Capacity: 25, Seats: 20, Active: 10, Idle: 6, Never: 3, New: 1,
			Price: 8.6, HasPrice: true, Change: digest.Change{Known: true, Seats: 2, Active: -1, Idle: 3}},
	}
	if diff := cmp.Diff(wantLines, d.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	wantTotal := digest.Change{Known: true, Seats: 7, Active: 1, Idle: 6, Never: 0}
	// Capacity is known for one line of three: a total of 25 would read
	// "35 seats of 25 licensed", so no total capacity is given.
	if d.Total.Change != wantTotal || d.Total.Seats != 35 || d.Total.Capacity != 0 {
		t.Errorf("total = %+v, want 35 seats, no capacity, change %+v", d.Total, wantTotal)
	}
	if cost, _ := report().MonthlyCost(); !d.Priced || d.Cost != cost {
		t.Errorf("cost = %v (priced %v), want %v", d.Cost, d.Priced, cost)
	}
	if !d.Previous.Equal(earlier[0].Taken) {
		t.Errorf("previous = %v, want %v", d.Previous, earlier[0].Taken)
	}

	var names [][]string
	for _, p := range d.Longest {
		var n []string
		for _, i := range p.People {
			n = append(n, p.Key+":"+i.Name)
		}
		names = append(names, n)
	}
	wantNames := [][]string{
		{"confluence:Hana", "confluence:Gus"},
		{"jira-software:Finn", "jira-software:Eve", "jira-software:Dan", "jira-software:Cleo", "jira-software:Brian"},
	}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("idle longest (-want +got):\n%s", diff)
	}

	if len(d.History) != 3 || !d.History[0].Taken.Equal(earlier[1].Taken) || !d.History[2].Taken.Equal(now) {
		t.Errorf("history not oldest first ending now: %+v", d.History)
	}
}

func TestMakeFirstDigestHasNoChange(t *testing.T) {
	d := digest.Make(report(), nil, nil)
	if !d.Previous.IsZero() || d.Total.Change.Known || len(d.History) != 1 {
		t.Errorf("first digest: previous %v, change %+v, history %d", d.Previous, d.Total.Change, len(d.History))
	}
	for _, l := range d.Lines {
		if l.Change.Known || (l.Site != siteA+" "+seat.UnknownSite && l.Site != siteB+" "+seat.UnknownSite) {
			t.Errorf("line %+v: without workspaces the site is its cloud ID with %q and nothing is compared", l, seat.UnknownSite)
		}
	}
}

type scannerFunc func() (*seat.Report, error)

func (f scannerFunc) Report(context.Context, seat.Options, bool, func()) (*seat.Report, error) {
	return f()
}

// Each Build records a snapshot, and the next compares with it.
func TestBuildRecordsAndCompares(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	idle := 6
	at := now
	b := digest.NewBuilder(digest.Config{Store: st, Scanner: scannerFunc(func() (*seat.Report, error) {
		rep := report()
		rep.Now = at
		rep.Groups[0].Idle = idle
		return rep, nil
	})})
	first, err := b.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idle, at = 9, now.AddDate(0, 0, 7)
	second, err := b.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Total.Change.Known || !second.Total.Change.Known || second.Total.Change.Idle != 3 {
		t.Errorf("changes: first %+v, second %+v, want none then +3 idle", first.Total.Change, second.Total.Change)
	}
	if len(second.History) != 2 || !second.Previous.Equal(now) {
		t.Errorf("second digest: history %d, previous %v", len(second.History), second.Previous)
	}
	snaps, ok, err := digest.Latest(ctx, st)
	if err != nil || !ok || len(snaps) != 2 || !snaps[1].Taken.Equal(at) {
		t.Errorf("Latest = %d snapshots, %v, %v", len(snaps), ok, err)
	}
}

// TestChangeSinceThePostedDigest: the channel's "change since the last
// digest" is against the last digest posted, not a private one made since
// (a /lastactive digest, Scan now): before, Monday's channel digest said
// "+1 idle since Friday" for a Friday nobody in the channel saw.
func TestChangeSinceThePostedDigest(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	idle, at := 6, now
	b := digest.NewBuilder(digest.Config{Store: st, Scanner: scannerFunc(func() (*seat.Report, error) {
		rep := report()
		rep.Now = at
		rep.Groups[0].Idle = idle
		return rep, nil
	})})
	posted, err := b.Build(ctx) // Monday, to the channel
	if err != nil {
		t.Fatal(err)
	}
	if err := b.MarkPosted(ctx, posted); err != nil {
		t.Fatal(err)
	}
	idle, at = 8, now.AddDate(0, 0, 4)
	private, err := b.Build(ctx) // Friday, privately
	if err != nil {
		t.Fatal(err)
	}
	if private.Total.Change.Idle != 2 || !private.Previous.Equal(now) {
		t.Errorf("private digest: change %+v since %v, want +2 since the posted one", private.Total.Change, private.Previous)
	}
	idle, at = 9, now.AddDate(0, 0, 7)
	next, err := b.Build(ctx) // the next Monday
	if err != nil {
		t.Fatal(err)
	}
	if next.Total.Change.Idle != 3 || !next.Previous.Equal(now) {
		t.Errorf("next channel digest: change %+v since %v, want +3 since %v (the posted one)", next.Total.Change, next.Previous, now)
	}
	if len(next.History) != 2 {
		t.Errorf("chart history %d, want the posted digest and this one", len(next.History))
	}
}

// TestPostedBaselineOutlivesPrivateDigests: however many private digests
// (or Scan now) come after the last posted one, the channel's change is
// against it, and the chart draws the posted digests' history (before, 103
// private ones pushed the posted one out of the read: "no change" where it
// was +3, and a chart of one busy day instead of the weeks).
func TestPostedBaselineOutlivesPrivateDigests(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	idle, at := 6, now
	b := digest.NewBuilder(digest.Config{Store: st, Scanner: scannerFunc(func() (*seat.Report, error) {
		rep := report()
		rep.Now = at
		rep.Groups[0].Idle = idle
		return rep, nil
	})})
	for w := range 3 { // three weekly digests, posted
		at = now.AddDate(0, 0, 7*w)
		d, err := b.Build(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.MarkPosted(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	posted := at
	idle = 8
	for i := range digest.MaxHistory + 5 { // a busy day of Scan now
		at = posted.Add(time.Duration(i+1) * time.Minute)
		if _, err := b.Build(ctx); err != nil {
			t.Fatal(err)
		}
	}
	idle, at = 9, posted.AddDate(0, 0, 7)
	next, err := b.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next.Total.Change.Idle != 3 || !next.Previous.Equal(posted) {
		t.Errorf("change %+v since %v, want +3 since %v (the last posted digest)", next.Total.Change, next.Previous, posted)
	}
	if len(next.History) != 4 || !next.History[0].Taken.Equal(now) {
		t.Errorf("chart history of %d snapshots from %v, want the 3 posted and this one", len(next.History), next.History[0].Taken)
	}
	// App Home: the posted digests' history, ending with the newest snapshot
	// of any kind (here the last Build's, not posted).
	home, ok, err := digest.Latest(ctx, st)
	if err != nil || !ok || len(home) != 4 || !home[0].Taken.Equal(now) || !home[3].Taken.Equal(at) || home[3].Posted {
		t.Errorf("Latest: %d snapshots (%v, %v), want the 3 posted then the newest", len(home), ok, err)
	}
}

// openStore is a migrated SQLite store in the test's directory.
func openStore(t *testing.T) *state.Store {
	t.Helper()
	ctx := context.Background()
	st, err := state.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestNoChangeAcrossAnotherIdlePeriod: the last digest counted idle at 30
// days, this one at 90 (LASTACTIVE_IDLE_DAYS was changed in between). Its
// counts are not comparable: nobody stopped or started using anything, yet
// the digest said "−7 idle" as if seven people had come back. The change
// is left out, and the digest keeps the other period to say why.
func TestNoChangeAcrossAnotherIdlePeriod(t *testing.T) {
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 30, Posted: true, Rows: []state.SnapshotRow{
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 20, Active: 3, Idle: 13, NeverUsed: 3},
		{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Active: 4, Idle: 6},
	}}}
	d := digest.Make(report(), workspaces, earlier)
	if d.Total.Change.Known {
		t.Errorf("total change %+v against a digest with another idle period", d.Total.Change)
	}
	for _, l := range d.Lines {
		if l.Change.Known {
			t.Errorf("%s on %s: change %+v against a digest with another idle period", l.Key, l.Site, l.Change)
		}
	}
	if d.PreviousDays != 30 {
		t.Errorf("PreviousDays = %d, want 30: the reader is told the period changed", d.PreviousDays)
	}

	// The same period (and snapshots stored before periods were kept) compare.
	for _, days := range []int{90, 0} {
		earlier[0].IdleDays = days
		if d := digest.Make(report(), workspaces, earlier); !d.Total.Change.Known || d.PreviousDays != 0 {
			t.Errorf("previous period %d: change %+v, PreviousDays %d; want a change", days, d.Total.Change, d.PreviousDays)
		}
	}
}

// TestLongestNamesEachPersonOnce: the people idle longest in a product
// are people: someone idle in Jira on two sites is named once, at their
// longest, not twice ("Ada (300 days), Ada (200 days)") in place of
// another person. Two people of one name are two people.
func TestLongestNamesEachPersonOnce(t *testing.T) {
	rep := report()
	rep.Rows = nil
	row := func(id, name, site string, days int) seat.Row {
		r := idleRow("jira-software", site, name, days)
		r.AccountID = id
		return r
	}
	rep.Rows = append(rep.Rows, row("ada", "Ada", siteA, 300), row("bob", "Bob", siteA, 250), row("sam1", "Sam", siteA, 120),
		row("ada", "Ada", siteB, 200), row("sam2", "Sam", siteB, 110))
	d := digest.Make(rep, workspaces, nil)
	var got []string
	for _, p := range d.Longest {
		for _, i := range p.People {
			got = append(got, fmt.Sprintf("%s %d", i.Name, i.DaysIdle))
		}
	}
	if diff := cmp.Diff([]string{"Ada 300", "Bob 250", "Sam 120", "Sam 110"}, got); diff != "" {
		t.Errorf("idle longest (-want +got):\n%s", diff)
	}
}

// TestSitesInOneOrder: the digest listed a product's sites by host name,
// the idle report (Slack and the CLI, and its CSV) by cloud ID, so the same
// two sites came in two orders. Here the cloud IDs sort the other way from
// the hosts: every list goes by host, as people read them.
func TestSitesInOneOrder(t *testing.T) {
	t.Parallel()
	ws := []atlassian.Workspace{
		{CloudID: siteA, Type: "confluence", Host: "zeta.atlassian.net"},
		{CloudID: siteB, Type: "confluence", Host: "alpha.atlassian.net"},
	}
	used := func(site string) []atlassian.ProductActivity {
		last := now.AddDate(0, 0, -200)
		return []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/" + site, Key: "confluence", LastActive: last, LastActiveTimestamp: last}}
	}
	users := []atlassian.OrgUser{
		{AccountID: "a", Name: "Ada", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: now.AddDate(-3, 0, 0), Products: used(siteA)},
		{AccountID: "b", Name: "Bo", AccountStatus: "active", MembershipStatus: "active", AddedToOrg: now.AddDate(-3, 0, 0), Products: used(siteB)},
	}
	rep := seat.Build(users, seat.Options{Days: 90, Now: now, Sites: atlassian.NewSites(ws)})
	want := []string{"alpha.atlassian.net", "zeta.atlassian.net"}
	var groups, rows, lines []string
	for _, g := range rep.Groups {
		groups = append(groups, g.SiteName)
	}
	for _, r := range rep.Rows {
		rows = append(rows, r.SiteName)
	}
	for _, l := range digest.Make(rep, ws, nil).Lines {
		lines = append(lines, l.Site)
	}
	for name, got := range map[string][]string{"report groups": groups, "CSV rows": rows, "digest lines": lines} {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s by site (-want +got):\n%s", name, diff)
		}
	}
}

// A site the workspaces do not list is named by its ID with "(unknown
// site)", as lookups and the idle report name it: never a bare cloud ID
// (issue 17: sites by host name; the contract: never by a bare cloud ID).
func TestUnknownSiteIsNamedSo(t *testing.T) {
	d := digest.Make(report(), workspaces, nil)
	want := siteB + " " + seat.UnknownSite
	for _, l := range d.Lines {
		if l.Site == siteB {
			t.Errorf("line %s names its site by a bare cloud ID %q, want %q", l.Key, l.Site, want)
		}
	}
	for _, p := range d.Longest {
		for _, i := range p.People {
			if i.Site == siteB {
				t.Errorf("%s: %s's site is a bare cloud ID %q, want %q", p.Key, i.Name, i.Site, want)
			}
		}
	}
}

// TestChangeJoinsASiteNamedByIDBefore: a digest whose sites could not be
// named (the workspaces unread, no hosts kept with its scan) stored its
// rows under the cloud ID with "(unknown site)"; the next digest, which
// names the same site by its host, still gives each line its change since
// then, not a line with no change beside the previous one's; the chart
// draws each product through both.
func TestChangeJoinsASiteNamedByIDBefore(t *testing.T) {
	earlier := []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: 90, Posted: true, Rows: []state.SnapshotRow{
		{Product: "jira-software", Site: siteA + " " + seat.UnknownSite, Seats: 18, Active: 11, Idle: 3, NeverUsed: 3},
		{Product: "confluence", Site: siteA + " " + seat.UnknownSite, Seats: 10, Active: 9, Idle: 1},
		{Product: "confluence", Site: siteB + " " + seat.UnknownSite, Seats: 4, Active: 2, Idle: 2},
	}}}
	d := digest.Make(report(), workspaces, earlier)
	want := map[[2]string]digest.Change{
		{"jira-software", "acme.atlassian.net"}:        {Known: true, Seats: 2, Active: -1, Idle: 3},
		{"confluence", "acme.atlassian.net"}:           {Known: true},
		{"confluence", siteB + " " + seat.UnknownSite}: {Known: true, Seats: 1, Idle: 1},
	}
	for _, l := range d.Lines {
		if got, w := l.Change, want[[2]string{l.Key, l.Site}]; got != w {
			t.Errorf("%s on %s: change %+v, want %+v", l.Key, l.Site, got, w)
		}
	}
	// The chart counts a product over all its sites, whatever they were called.
	for _, se := range digest.Trend(d.History) {
		if len(se.Points) != 2 {
			t.Errorf("chart: %s has %d points, want one for each digest", se.Key, len(se.Points))
		}
	}
}

// TestHistoryIsKeptByTheSweep: the store's sweep keeps the newest
// state.SnapshotsKept snapshots of each kind; the digest must read no more.
func TestHistoryIsKeptByTheSweep(t *testing.T) {
	t.Parallel()
	if digest.MaxHistory > state.SnapshotsKept {
		t.Errorf("the digest reads %d snapshots; the sweep keeps %d", digest.MaxHistory, state.SnapshotsKept)
	}
}
