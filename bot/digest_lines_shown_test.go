package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"lastactive/digest"
	"lastactive/internal/state"
)

// TestDigestAndHomeShowTheLinesWithMostUnusedSeats: a digest or App Home
// with more product and site lines than it shows leaves out those with the
// fewest idle and never-used seats, as the idle summary does
// (TestIdleSummaryShowsTheGroupsWithMostUnusedSeats), not the last in
// alphabetical order: sixteen Compass sites with nothing idle hid the two
// Jira Software lines that held every idle seat.
func TestDigestAndHomeShowTheLinesWithMostUnusedSeats(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	d := &digest.Digest{Now: now, ReadAt: now, Days: 90, Currency: "USD"}
	snap := state.Snapshot{Taken: now, IdleDays: 90}
	for i := range 16 {
		site := fmt.Sprintf("site%02d.atlassian.net", i)
		d.Lines = append(d.Lines, digest.Line{Key: "compass", Site: site, Seats: 1, Active: 1})
		snap.Rows = append(snap.Rows, state.SnapshotRow{Product: "compass", Site: site, Seats: 1, Active: 1})
	}
	for i, idle := range []int{7, 5} {
		site := fmt.Sprintf("site9%d.atlassian.net", i)
		d.Lines = append(d.Lines, digest.Line{Key: "jira-software", Site: site, Seats: idle + 1, Active: 1, Idle: idle})
		snap.Rows = append(snap.Rows, state.SnapshotRow{Product: "jira-software", Site: site, Seats: idle + 1, Active: 1, Idle: idle})
	}
	for _, l := range d.Lines {
		d.Total.Seats += l.Seats
		d.Total.Active += l.Active
		d.Total.Idle += l.Idle
	}
	views := map[string]string{"digest": messageText(t, RenderDigest(d, ""))}
	home, err := json.Marshal(RenderHomeReport(HomeFacts{History: []state.Snapshot{snap}}))
	if err != nil {
		t.Fatal(err)
	}
	views["App Home"] = string(home)
	for name, got := range views {
		for _, want := range []string{"site90.atlassian.net", "site91.atlassian.net", "more not shown"} {
			if !strings.Contains(got, want) {
				t.Errorf("the %s lacks %q:\n%s", name, want, got)
			}
		}
		// What is shown keeps the digest's order.
		if i, j := strings.Index(got, "site00.atlassian.net"), strings.Index(got, "site90.atlassian.net"); i < 0 || j < 0 || i > j {
			t.Errorf("the %s: site00 at %d, site90 at %d: not in the digest's order", name, i, j)
		}
	}
}
