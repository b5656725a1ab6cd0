package seat

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
)

// TestReportNamesSitesByHost: rows, groups and the CSV name a site by its
// host when the workspaces list it, and by its ID with "(unknown site)"
// when they do not (issue 15: every report and CSV names sites by host).
func TestReportNamesSitesByHost(t *testing.T) {
	sites := atlassian.NewSites([]atlassian.Workspace{{ID: "11111111-aaaa", CloudID: "11111111-aaaa", Host: "acme.atlassian.net"}})
	rep := Build(smallOrg(), Options{Days: 90, Now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Sites: sites})
	hosts := map[string]string{}
	for _, g := range rep.Groups {
		hosts[g.Site] = g.SiteName
	}
	if got := hosts["11111111-aaaa"]; got != "acme.atlassian.net" {
		t.Errorf("known site named %q, want acme.atlassian.net", got)
	}
	if got := hosts["22222222-bbbb"]; got != "22222222-bbbb "+UnknownSite {
		t.Errorf("unlisted site named %q, want its ID with %q", got, UnknownSite)
	}
	for _, r := range rep.Rows {
		if r.SiteName == "" {
			t.Errorf("row %s/%s has no site name", r.Email, r.Key)
		}
	}
	var csv bytes.Buffer
	if err := WriteCSV(&csv, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), "acme.atlassian.net") {
		t.Errorf("the CSV does not name the site by its host:\n%s", csv.String())
	}
}
