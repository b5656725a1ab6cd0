package state

import (
	"context"
	"errors"
	"fmt"
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

// testKeepOrReleaseSwept: a year and a half of nudges, requests, approvers'
// copies, releases and exemptions, swept past the retention, keeps the
// recent rows and those still in flight, and no others. These tables name
// people (emails, account IDs, Slack IDs) and were kept for ever, though
// the audit trail recording the same events is swept.
func testKeepOrReleaseSwept(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	const days = 548
	now := start.AddDate(0, 0, days)
	cutoff := now.AddDate(0, 0, -400)
	put := func(at time.Time, i int) Nudge {
		t.Helper()
		n, won, err := s.PutNudge(ctx, Nudge{Round: fmt.Sprintf("nudge %d", i), AccountID: fmt.Sprintf("acc-%d", i),
			Email: fmt.Sprintf("p%d@example.com", i), Product: "ari:cloud:jira::site/s1", ProductKey: "jira-software",
			LastActive: at.AddDate(0, 0, -120), SlackUser: fmt.Sprintf("U%d", i), Asked: at})
		if err != nil || !won {
			t.Fatalf("PutNudge: %v %v", won, err)
		}
		if err := s.SetNudgeMessage(ctx, n.ID, "D1", fmt.Sprintf("%d.1", i)); err != nil {
			t.Fatal(err)
		}
		return n
	}
	request := func(n Nudge, at time.Time, requester string) ReleaseRequest {
		t.Helper()
		r, _, err := s.PutRequest(ctx, ReleaseRequest{NudgeID: n.ID, AccountID: n.AccountID, Email: n.Email, Product: n.Product,
			ProductKey: n.ProductKey, Requester: requester, Created: at})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"UA", "UB"} {
			if _, err := s.PutApprovalMessage(ctx, ApprovalMessage{RequestID: r.ID, Approver: a, Channel: "D" + a, TS: "1.2"}); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	decide := func(r ReleaseRequest, decision string, at time.Time) {
		t.Helper()
		if _, err := s.Decide(ctx, r.ID, "UA", decision, at); err != nil {
			t.Fatal(err)
		}
	}
	release := func(r ReleaseRequest, st string, at time.Time) {
		t.Helper()
		rel := Release{ID: r.ID, AccountID: r.AccountID, Email: r.Email, Product: r.Product}
		if _, err := s.ClaimRelease(ctx, rel); err != nil {
			t.Fatal(err)
		}
		if st == ReleaseRunning {
			return
		}
		rel.State, rel.Steps, rel.Done = st, `[]`, at
		if st == ReleaseManual {
			rel.CheckDue = at.AddDate(0, 0, 7)
		}
		if err := s.SaveRelease(ctx, rel); err != nil {
			t.Fatal(err)
		}
		if st == ReleaseManual {
			if _, err := s.MarkChecked(ctx, rel.ID, rel.CheckDue); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Two nudges a day, each ending one of four ways within a few days.
	var old, recent []Nudge
	i := 0
	for day := range days {
		for range 2 {
			i++
			asked := start.AddDate(0, 0, day)
			n := put(asked, i)
			if _, err := s.MarkNudgeAudited(ctx, n.ID); err != nil {
				t.Fatal(err)
			}
			later := asked.AddDate(0, 0, 3)
			switch i % 4 {
			case 0: // kept by the person
				if _, err := s.AnswerNudge(ctx, n.ID, AnswerKeep, later); err != nil {
					t.Fatal(err)
				}
			case 1: // released at their word
				if _, err := s.AnswerNudge(ctx, n.ID, AnswerRelease, later); err != nil {
					t.Fatal(err)
				}
				r := request(n, later, n.SlackUser)
				decide(r, DecisionApprove, later)
				release(r, ReleaseDone, later)
				if err := s.SettleNudge(ctx, n.ID, SettledReleased, later); err != nil {
					t.Fatal(err)
				}
			case 2: // silent, escalated, kept by an approver
				if _, err := s.MarkReminded(ctx, n.ID, asked.AddDate(0, 0, 1)); err != nil {
					t.Fatal(err)
				}
				if _, err := s.MarkEscalated(ctx, n.ID, later); err != nil {
					t.Fatal(err)
				}
				r := request(n, later, "")
				decide(r, DecisionKeep, later)
				if err := s.SettleNudge(ctx, n.ID, SettledKept, later); err != nil {
					t.Fatal(err)
				}
			case 3: // silent, escalated, approved with no write key, checked
				if _, err := s.MarkEscalated(ctx, n.ID, later); err != nil {
					t.Fatal(err)
				}
				r := request(n, later, "")
				decide(r, DecisionApprove, later)
				release(r, ReleaseManual, later)
				if err := s.SettleNudge(ctx, n.ID, SettledApproved, later); err != nil {
					t.Fatal(err)
				}
			}
			// Ended (checked, for a manual release) before the cutoff:
			// swept; after it: kept.
			end := later
			if i%4 == 3 {
				end = later.AddDate(0, 0, 7)
			}
			if end.Before(cutoff) {
				old = append(old, n)
			} else {
				recent = append(recent, n)
			}
		}
	}
	// Still in flight though asked on the first day: what the follow-up,
	// a decision or a round can still act on.
	inFlight := map[string]string{}
	day0 := start.Add(time.Hour)
	i++
	n := put(day0, i) // never answered, never escalated, never audited
	inFlight[n.ID] = "unanswered and unaudited"
	i++
	n = put(day0, i)
	s.MarkNudgeAudited(ctx, n.ID)
	s.AnswerNudge(ctx, n.ID, AnswerRelease, day0)
	request(n, day0, n.SlackUser) // undecided
	inFlight[n.ID] = "request undecided"
	i++
	n = put(day0, i)
	s.MarkNudgeAudited(ctx, n.ID)
	s.AnswerNudge(ctx, n.ID, AnswerRelease, day0)
	decide(request(n, day0, n.SlackUser), DecisionApprove, day0) // approved, not yet released
	inFlight[n.ID] = "approved, release not claimed"
	i++
	n = put(day0, i)
	s.MarkNudgeAudited(ctx, n.ID)
	s.AnswerNudge(ctx, n.ID, AnswerRelease, day0)
	r := request(n, day0, n.SlackUser)
	decide(r, DecisionApprove, day0)
	release(r, ReleaseRunning, day0) // interrupted: the follow-up settles it
	inFlight[n.ID] = "release still running"
	i++
	n = put(day0, i)
	s.MarkNudgeAudited(ctx, n.ID)
	s.MarkEscalated(ctx, n.ID, day0)
	r = request(n, day0, "")
	decide(r, DecisionApprove, day0)
	if _, err := s.ClaimRelease(ctx, Release{ID: r.ID, AccountID: n.AccountID, Email: n.Email, Product: n.Product}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRelease(ctx, Release{ID: r.ID, State: ReleaseManual, Steps: "[]", Done: day0, CheckDue: now.AddDate(0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	inFlight[n.ID] = "manual release, its check not yet made"
	i++
	n = put(day0, i)
	s.MarkNudgeAudited(ctx, n.ID)
	s.MarkEscalated(ctx, n.ID, day0)
	decide(request(n, day0, ""), DecisionKeep, now.AddDate(0, 0, -10)) // decided within the retention
	inFlight[n.ID] = "decided after the cutoff"

	// Exemptions: ended before the cutoff (swept), ended after it, in force.
	for _, e := range []Exemption{
		{Email: "gone@example.com", Product: "jira-software", Until: start.AddDate(0, 1, 0), Reason: "parental leave"},
		{Email: "lately@example.com", Product: "jira-software", Until: now.AddDate(0, 0, -30), Reason: "audit season"},
		{Email: "soon@example.com", Product: "jira-software", Until: now.AddDate(0, 1, 0), Reason: "on loan"},
		{Email: "always@example.com", Product: "jira-software", Reason: "the CEO"},
	} {
		e.By, e.Created = "UA", start
		if err := s.PutExemption(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	counts := func() map[string]int {
		out := map[string]int{}
		for _, tbl := range []string{"nudge", "release_request", "approval_message", "release_done", "exemption"} {
			var c int
			if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+tbl).Scan(&c); err != nil {
				t.Fatal(err)
			}
			out[tbl] = c
		}
		return out
	}
	before := counts()
	// In batches of 100, so that several run.
	if _, err := s.sweepKeepOrRelease(ctx, cutoff, 100); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	after := counts()
	t.Logf("%d old, %d recent, %d in flight; rows before %v, after %v", len(old), len(recent), len(inFlight), before, after)
	for _, n := range old {
		if _, err := s.GetNudge(ctx, n.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("nudge of %s asked %s, ended before the cutoff %s, is kept (%v)", n.Email, n.Asked.Format(time.DateOnly), cutoff.Format(time.DateOnly), err)
		}
	}
	for _, n := range recent {
		if _, err := s.GetNudge(ctx, n.ID); err != nil {
			t.Fatalf("nudge of %s asked %s is gone: %v", n.Email, n.Asked.Format(time.DateOnly), err)
		}
	}
	for id, why := range inFlight {
		if _, err := s.GetNudge(ctx, id); err != nil {
			t.Errorf("nudge in flight (%s) is gone: %v", why, err)
		}
	}
	// What is left is exactly the recent and in-flight rows, each with its
	// request, copies and release.
	if after["nudge"] != len(recent)+len(inFlight) {
		t.Errorf("%d nudges left, want %d", after["nudge"], len(recent)+len(inFlight))
	}
	var orphans int
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM release_request r WHERE NOT EXISTS (SELECT 1 FROM nudge n WHERE n.id = r.nudge_id)) +
		(SELECT COUNT(*) FROM approval_message m WHERE NOT EXISTS (SELECT 1 FROM release_request r WHERE r.id = m.request_id)) +
		(SELECT COUNT(*) FROM release_done d WHERE NOT EXISTS (SELECT 1 FROM release_request r WHERE r.id = d.id))`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d requests, copies or releases left without their nudge or request", orphans)
	}
	if pend, err := s.PendingRequests(ctx); err != nil || len(pend) != 1 {
		t.Errorf("PendingRequests after the sweep: %d, %v; want the undecided one", len(pend), err)
	}
	if got, err := s.ApprovedUnclaimed(ctx, now); err != nil || len(got) != 1 {
		t.Errorf("ApprovedUnclaimed after the sweep: %d, %v; want 1", len(got), err)
	}
	if got, err := s.InterruptedReleases(ctx, now); err != nil || len(got) != 1 {
		t.Errorf("InterruptedReleases after the sweep: %d, %v; want 1", len(got), err)
	}
	if got, err := s.ChecksDue(ctx, now.AddDate(0, 0, 2)); err != nil || len(got) != 1 {
		t.Errorf("ChecksDue after the sweep: %d, %v; want 1", len(got), err)
	}
	ex, err := s.Exemptions(ctx, time.Time{})
	if err != nil || len(ex) != 3 {
		t.Errorf("exemptions after the sweep: %v, %v; want all but the one ended before the cutoff", ex, err)
	}
	for _, e := range ex {
		if e.Email == "gone@example.com" {
			t.Errorf("the exemption ended %s, before the cutoff, is kept", e.Until.Format(time.DateOnly))
		}
	}
	// A second sweep finds nothing more.
	if n, err := s.SweepKeepOrRelease(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second sweep: %d rows, %v; want none", n, err)
	}
}
