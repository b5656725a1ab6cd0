package wire

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/digest"
	"lastactive/seat"
)

// noWorkspaces is a workspaces read that fails, as the Admin API's does
// when it is down or refuses the key's scope.
type noWorkspaces struct{}

func (noWorkspaces) Workspaces(context.Context) ([]atlassian.Workspace, error) {
	return nil, errors.New("workspaces: 503 Service Unavailable")
}

// fixedWorkspaces is a workspaces read that always gives the same list.
type fixedWorkspaces []atlassian.Workspace

func (f fixedWorkspaces) Workspaces(context.Context) ([]atlassian.Workspace, error) { return f, nil }

// TestStoredScanNamesItsSitesByHost: a replica (or the process after a
// restart) whose workspaces read fails, and that takes another's published
// org scan from the store, names the sites of its digest, its idle report
// and the Full list by their host, as they were when the scan read them,
// never by a bare cloud ID with "(unknown site)". On SQLite, and on
// PostgreSQL when one is given.
func TestStoredScanNamesItsSitesByHost(t *testing.T) {
	t.Parallel()
	sqlite, _ := sqliteURL(t)
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return sqlite },
		"postgres": postgresSchemaURL,
	}
	for name, dsn := range stores {
		t.Run(name, func(t *testing.T) {
			url := dsn(t)
			var logs syncBuf
			d1, _ := openTestDurable(t, url, &logs)
			d2, _ := openTestDurable(t, url, &logs)
			if d1.Store() == nil || d2.Store() == nil {
				t.Fatalf("store not open:\n%s", logs.String())
			}
			atl := atlassiantest.NewServer(atlassiantest.GenerateOrg(30, 1, time.Now()))
			t.Cleanup(atl.Close)
			client, err := Atlassian(fakeSettings(atl))
			if err != nil {
				t.Fatal(err)
			}
			scanner := func(d *Durable, holder string, book *seat.SiteBook) *seat.Scanner {
				r := seat.NewScanner(seat.ScanConfig{Dir: client, TTL: time.Hour, Sites: book,
					Share: &ScanShare{D: d, Holder: holder, IdleDays: 90, TTL: time.Hour}})
				t.Cleanup(r.Close)
				return r
			}
			ctx := t.Context()
			first, err := scanner(d1, "one", seat.NewSiteBook(client, seat.SiteBookOptions{})).Report(ctx, seat.Options{Days: 90}, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range first.Groups {
				if strings.Contains(g.SiteName, seat.UnknownSite) {
					t.Fatalf("the scanning replica names %s's site %q", g.Key, g.SiteName)
				}
			}
			atl.ResetRequests()

			// The other replica cannot read the workspaces, and takes the
			// published scan.
			book := seat.NewSiteBook(noWorkspaces{}, seat.SiteBookOptions{})
			other := scanner(d2, "two", book)
			dg, err := digest.NewBuilder(digest.Config{Scanner: other, Sites: book, IdleDays: 90}).Build(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(atl.Requests()); n != 0 {
				t.Fatalf("the second replica called Atlassian %d times instead of taking the published scan", n)
			}
			if len(dg.Lines) == 0 {
				t.Fatal("the digest has no lines")
			}
			for _, l := range dg.Lines {
				if l.Site != atlassiantest.HostMain && l.Site != atlassiantest.HostSecond {
					t.Errorf("digest line %s names its site %q, want its host", l.Key, l.Site)
				}
			}
			for _, p := range dg.Longest {
				for _, i := range p.People {
					if strings.Contains(i.Site, seat.UnknownSite) {
						t.Errorf("digest: %s's site in %s is %q, want its host", i.Name, p.Key, i.Site)
					}
				}
			}
			for _, l := range dg.Lines {
				if l.Key == "jira-software" && l.Site == atlassiantest.HostMain && l.Capacity != 50 {
					t.Errorf("Jira Software on %s: capacity %d, want the 50 the scan found", l.Site, l.Capacity)
				}
			}

			// A read of the workspaces that works names the sites it lists
			// (a renamed site by its new host); the scan's names fill in
			// only for the sites it does not list.
			renamed := seat.NewSiteBook(fixedWorkspaces{{ID: atlassiantest.SiteMain, CloudID: atlassiantest.SiteMain,
				Type: "jira", Host: "acme-renamed.atlassian.net"}}, seat.SiteBookOptions{})
			dg, err = digest.NewBuilder(digest.Config{Scanner: scanner(d2, "three", renamed), Sites: renamed, IdleDays: 90}).Build(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range dg.Lines {
				if l.Site != "acme-renamed.atlassian.net" && l.Site != atlassiantest.HostSecond {
					t.Errorf("with the workspaces read again, digest line %s names its site %q", l.Key, l.Site)
				}
				if l.Capacity != 0 {
					t.Errorf("with the workspaces read again, %s on %s has the capacity %d the fresh read does not give", l.Key, l.Site, l.Capacity)
				}
			}

			rep, err := other.Report(ctx, seat.Options{Days: 90}, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			var csv bytes.Buffer
			if err := seat.WriteCSV(&csv, rep); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(csv.String(), seat.UnknownSite) || !strings.Contains(csv.String(), atlassiantest.HostMain) {
				t.Errorf("the Full list from the stored scan names sites by cloud ID:\n%.600s", csv.String())
			}
		})
	}
}

// TestStoredScanSitesAreCheckedAsTheAPIs: the sites of a result read back
// from the store were taken as they stood, though the Admin API's own
// workspaces are held to a plain DNS name for a host and a capacity of at
// most 2^31-1: a stored document with a host of Slack markup, a URL or a
// path named a site by it in every digest and report, and capacities near
// the int limit made the digest's total wrap negative.
func TestStoredScanSitesAreCheckedAsTheAPIs(t *testing.T) {
	t.Parallel()
	res := scanResult{Sites: []scanSite{
		{CloudID: "c1", Host: "acme.atlassian.net", Type: "jira", Capacity: 50},
		{CloudID: "c2", Host: "<!channel> see evil.example", Type: "jira", Capacity: 5},
		{CloudID: "c3", Host: "https://evil.example/x", Type: "jira"},
		{CloudID: "c4", Host: "evil.example|acme.atlassian.net", Type: "jira"},
		{CloudID: "c5", Host: "big.atlassian.net", Type: "jira", Capacity: math.MaxInt},
	}}
	got := res.scanned().Sites
	hosts := atlassian.NewSites(got)
	if h, ok := hosts.Host("c1"); !ok || h != "acme.atlassian.net" {
		t.Errorf("a plain host was not kept: %q", h)
	}
	for _, id := range []string{"c2", "c3", "c4"} {
		if h, ok := hosts.Host(id); ok {
			t.Errorf("site %s is named %q, which is no host", id, h)
		}
	}
	for _, w := range got {
		if w.Capacity < 0 || w.Capacity > 1<<31-1 {
			t.Errorf("site %s keeps a capacity of %d, past what the Admin API's reader accepts", w.CloudID, w.Capacity)
		}
	}
}
