package bot

import (
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
)

// TestSummaryLineDateAgreesWithItsCount: "Last active anywhere" shows the
// day its "(yesterday)" counts from, the day the product's own line below
// shows. When Atlassian's last_active day and the UTC day of its
// last_active_timestamp differ (a timestamp written with an offset), the
// later is the last use (seat.LastDay); the summary line showed Atlassian's
// earlier day beside the count from the later one, one line above the
// product line that showed the later day.
func TestSummaryLineDateAgreesWithItsCount(t *testing.T) {
	t.Parallel()
	p := ada()
	p.Activity.Products = []atlassian.ProductActivity{{
		ID: "ari:cloud:jira-software::site/" + site1, Key: "jira-software",
		LastActive:          now.Add(-48 * time.Hour).Truncate(24 * time.Hour),
		LastActiveTimestamp: now.Add(-24 * time.Hour), // the instant's UTC day is the next one
	}}
	v := private
	yesterday := now.Add(-24 * time.Hour).UTC().Format(time.DateOnly)
	before := now.Add(-48 * time.Hour).UTC().Format(time.DateOnly)
	all := readable(joined(t, RenderLookup([]Person{p}, v)))
	var summary, line string
	for _, l := range strings.Split(all, "\n") {
		switch {
		case strings.HasPrefix(l, "Last active anywhere"):
			summary = l
		case strings.Contains(l, "*Jira Software*"):
			line = l
		}
	}
	if !strings.Contains(line, yesterday+", yesterday") {
		t.Fatalf("product line %q, want %s, yesterday", line, yesterday)
	}
	if !strings.Contains(summary, yesterday+" (yesterday)") || strings.Contains(summary, before) {
		t.Errorf("summary %q: want %s (yesterday), the day the product line shows\n%s", summary, yesterday, all)
	}
}
