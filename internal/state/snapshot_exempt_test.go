package state

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testSnapshotExempt: App Home shows the stored snapshot, which kept no
// word of the seats exempted with /lastactive exempt that its digest
// marked, so the Home tab counted them as seats to reclaim. A snapshot now
// keeps each row's exempt unused seats and whether the exemptions were
// read (rows that name one product and site twice add theirs up); one
// saved without saying (a snapshot from before) reads as not marked.
func testSnapshotExempt(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		in   Snapshot
		rows []SnapshotRow
	}{
		{Snapshot{IdleDays: 90, Exemptions: ExemptionsMarked, Rows: []SnapshotRow{
			{Product: "jira-software", Site: "acme.atlassian.net", Seats: 20, Idle: 5, NeverUsed: 2, Exempt: 3},
			{Product: "confluence", Site: "acme.atlassian.net", Seats: 9, Idle: 1},
			{Product: "jira-software", Site: "acme.atlassian.net", Seats: 1, Idle: 1, Exempt: 1},
		}}, []SnapshotRow{
			{Product: "confluence", Site: "acme.atlassian.net", Seats: 9, Idle: 1},
			{Product: "jira-software", Site: "acme.atlassian.net", Seats: 21, Idle: 6, NeverUsed: 2, Exempt: 4},
		}},
		{Snapshot{IdleDays: 90, Exemptions: ExemptionsUnread, Rows: []SnapshotRow{{Product: "confluence", Site: "a", Seats: 1, Idle: 1}}},
			[]SnapshotRow{{Product: "confluence", Site: "a", Seats: 1, Idle: 1}}},
		{Snapshot{IdleDays: 90, Rows: []SnapshotRow{{Product: "confluence", Site: "a", Seats: 1, Idle: 1}}},
			[]SnapshotRow{{Product: "confluence", Site: "a", Seats: 1, Idle: 1}}},
	} {
		c.in.Taken = at.Add(time.Duration(i) * time.Hour)
		id, err := s.SaveSnapshot(ctx, c.in)
		if err != nil {
			t.Fatalf("SaveSnapshot: %v", err)
		}
		got, err := s.LatestSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := c.in
		want.ID, want.Rows = id, c.rows
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("snapshot %d read back (-want +got):\n%s", i, diff)
		}
	}
}
