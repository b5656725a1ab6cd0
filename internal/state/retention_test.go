package state

import (
	"context"
	"testing"
	"time"
)

// testSnapshotsSwept: a year of digests leaves a bounded report history.
// Every digest made records a snapshot (a private /lastactive digest, App
// Home's Scan now, lastactive digest without --post), and nothing ever
// deleted one: an organisation whose agents ask for ten digests a day kept
// 3,650 snapshots a year, each with a row per product and site, though the
// digest reads only the newest SnapshotsKept posted ones and the newest
// SnapshotsKept of any kind. The sweep, run as the bot runs it through the
// year, must leave those and no more.
func testSnapshotsSwept(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	rows := []SnapshotRow{
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 50000, Active: 40000, Idle: 9000},
		{Product: "confluence", Site: "acme.atlassian.net", Seats: 30000, Active: 20000, Idle: 9000},
	}
	var lastPosted, lastAny string
	var posted int
	for day := range 365 {
		now := start.AddDate(0, 0, day)
		for i := range 10 {
			id, err := s.SaveSnapshot(ctx, Snapshot{Taken: now.Add(time.Duration(i) * time.Hour), IdleDays: 90, Rows: rows})
			if err != nil {
				t.Fatal(err)
			}
			lastAny = id
		}
		if day%7 == 0 { // the weekly digest, posted
			id, err := s.SaveSnapshot(ctx, Snapshot{Taken: now.Add(12 * time.Hour), IdleDays: 90, Rows: rows})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkSnapshotPosted(ctx, id); err != nil {
				t.Fatal(err)
			}
			lastPosted, lastAny = id, id
			posted++
		}
		if _, err := s.Sweep(ctx, now.Add(13*time.Hour)); err != nil {
			t.Fatalf("Sweep on day %d: %v", day, err)
		}
	}
	var scans, scanRows int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_scan`).Scan(&scans); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_row`).Scan(&scanRows); err != nil {
		t.Fatal(err)
	}
	if scans > 2*SnapshotsKept || scanRows > 2*SnapshotsKept*len(rows) {
		t.Errorf("after a year of sweeps %d snapshots and %d rows are kept; want at most %d and %d",
			scans, scanRows, 2*SnapshotsKept, 2*SnapshotsKept*len(rows))
	}
	// What the digest reads is all there.
	got, err := s.PostedSnapshots(ctx, SnapshotsKept)
	if err != nil || len(got) != min(posted, SnapshotsKept) || got[0].ID != lastPosted || len(got[len(got)-1].Rows) != len(rows) {
		t.Errorf("PostedSnapshots after the sweeps: %v, %d snapshots (want %d, newest %s, with their rows)", err, len(got), min(posted, SnapshotsKept), lastPosted)
	}
	all, err := s.Snapshots(ctx, time.Time{}, SnapshotsKept)
	if err != nil || len(all) != SnapshotsKept || all[0].ID != lastAny || len(all[len(all)-1].Rows) != len(rows) {
		t.Errorf("Snapshots after the sweeps: %v, %d snapshots (want %d, newest %s, with their rows)", err, len(all), SnapshotsKept, lastAny)
	}
}
