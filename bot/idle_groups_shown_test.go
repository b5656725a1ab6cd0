package bot

import (
	"fmt"
	"strings"
	"testing"

	"lastactive/atlassian"
	"lastactive/seat"
)

// TestIdleSummaryShowsTheGroupsWithMostUnusedSeats: when the organisation
// has more product and site lines than the summary shows, those it leaves
// out are the ones with the fewest idle and never-used seats, not the last
// in alphabetical order: the summary is where a manager looks for waste,
// and "Jira Software" on four sites, after Compass and Confluence, was
// where most of it was, each line hidden.
func TestIdleSummaryShowsTheGroupsWithMostUnusedSeats(t *testing.T) {
	t.Parallel()
	var users []atlassian.OrgUser
	n := 0
	add := func(key, site string, idle, active int) {
		for i := range idle + active {
			ago := 400
			if i >= idle {
				ago = 3
			}
			n++
			users = append(users, atlassian.OrgUser{AccountID: fmt.Sprintf("acc-%d", n), Name: fmt.Sprintf("P%d", n),
				AccountStatus: "active", MembershipStatus: "active", AddedToOrg: daysAgo(900),
				Products: []atlassian.ProductActivity{{ID: "ari:cloud:" + key + "::site/" + site, Key: key,
					LastActive: daysAgo(ago), LastActiveTimestamp: daysAgo(ago)}}})
		}
	}
	// Ten lines that sort first, each with one seat in use and none idle.
	for i := range 10 {
		add("compass", fmt.Sprintf("site%02d", i), 0, 1)
	}
	// Two that sort last, with the waste.
	add("jira-software", "site90", 7, 1)
	add("jira-software", "site91", 5, 1)
	rep := seat.Build(users, seat.Options{Days: 90, Now: idleNow, Prices: seat.Prices{"jira-software": 8.60}})
	rep.ReadAt = idleNow
	got := messageText(t, RenderIdleReport(rep, Delivery{File: "x.csv", Rows: len(rep.Rows)}))
	for _, want := range []string{"Jira Software on site90 (unknown site)*: 8 seats", "Jira Software on site91 (unknown site)*: 6 seats",
		"…and 3 more"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	// The lines shown keep the report's order (product, then site), as the
	// CLI's table and the digest list them.
	if i, j := strings.Index(got, "Compass on site00"), strings.Index(got, "Jira Software on site90"); i < 0 || j < 0 || i > j {
		t.Errorf("Compass at %d, Jira Software at %d: not in the report's order:\n%s", i, j, got)
	}
}
