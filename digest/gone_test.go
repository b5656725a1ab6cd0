package digest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastactive/digest"
	"lastactive/internal/state"
)

// TestChangeCountsWhatIsGone: a product (or a site) in the last digest and
// not in this one, all its seats released or its site gone, took its seats
// out of the total's change with no line saying so: "10 idle (−4 idle)"
// above lines that only went up (Jira +3), the 10 idle Trello seats that
// made the difference named nowhere. What is gone is listed, with the
// change to nothing, and a line the last digest did not have is said to be
// new to it, so the lines' changes add up to the total's.
func TestChangeCountsWhatIsGone(t *testing.T) {
	prev := func(days int, rows ...state.SnapshotRow) []state.Snapshot {
		return []state.Snapshot{{Taken: now.AddDate(0, 0, -7), IdleDays: days, Posted: true, Rows: rows}}
	}
	jira := state.SnapshotRow{Product: "jira-software", Site: "acme.atlassian.net", Seats: 18, Active: 11, Idle: 3, NeverUsed: 3}
	conf := state.SnapshotRow{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Active: 9, Idle: 1}
	confB := state.SnapshotRow{Product: "confluence", Site: "7c3e9f20-5a1b-4c2d-9e8f-0123456789ab (unknown site)", Seats: 5, Active: 2, Idle: 3}
	trello := state.SnapshotRow{Product: "trello", Site: "acme.atlassian.net", Seats: 10, Idle: 10}
	oldSite := state.SnapshotRow{Product: "confluence", Site: "old.atlassian.net", Seats: 4, Active: 1, Idle: 2, NeverUsed: 1}
	gone := func(r state.SnapshotRow) digest.Line {
		return digest.Line{Key: r.Product, Site: r.Site,
			Change: digest.Change{Known: true, Seats: -r.Seats, Active: -r.Active, Idle: -r.Idle, Never: -r.NeverUsed}}
	}
	cases := []struct {
		name    string
		earlier []state.Snapshot
		want    []digest.Line
		added   []string // product on site of the lines not in the last digest
	}{
		{"first digest", nil, nil, nil},
		{"nothing gone", prev(90, jira, conf, confB), nil, nil},
		{"a product gone", prev(90, jira, conf, confB, trello), []digest.Line{gone(trello)}, nil},
		{"a site gone", prev(90, jira, conf, confB, oldSite), []digest.Line{gone(oldSite)}, nil},
		{"a product added", prev(90, conf, confB), nil, []string{"jira-software on acme.atlassian.net"}},
		{"a site added", prev(90, jira, conf), nil, []string{"confluence on " + confB.Site}},
		{"another idle period compares nothing", prev(30, jira, conf, confB, trello), nil, nil},
		// The sites unread now: this digest's lines are named by cloud ID,
		// the last one's by host. Neither gone nor added: the same seats,
		// named otherwise (and no change is given for them).
		{"sites unread now", prev(90, jira, conf), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := workspaces
			if tc.name == "sites unread now" {
				ws = nil
			}
			d := digest.Make(report(), ws, tc.earlier)
			if diff := cmp.Diff(tc.want, d.Gone); diff != "" {
				t.Errorf("gone (-want +got):\n%s", diff)
			}
			var added []string
			for _, l := range d.Lines {
				if l.Change.Added {
					added = append(added, l.Key+" on "+l.Site)
				}
			}
			if diff := cmp.Diff(tc.added, added); diff != "" {
				t.Errorf("lines not in the last digest (-want +got):\n%s", diff)
			}
			if !d.Total.Change.Known || ws == nil {
				return
			}
			var sum digest.Change
			for _, l := range append(append([]digest.Line(nil), d.Lines...), d.Gone...) {
				if l.Change.Added {
					// From none: its counts are its change.
					l.Change = digest.Change{Known: true, Seats: l.Seats, Active: l.Active, Idle: l.Idle, Never: l.Never}
				}
				if !l.Change.Known {
					t.Fatalf("%s on %s: neither a change nor said to be new", l.Key, l.Site)
				}
				sum.Seats += l.Change.Seats
				sum.Active += l.Change.Active
				sum.Idle += l.Change.Idle
				sum.Never += l.Change.Never
			}
			sum.Known = true
			if sum != d.Total.Change {
				t.Errorf("the lines' changes add up to %+v, the total's is %+v", sum, d.Total.Change)
			}
			for _, s := range d.Snapshot().Rows {
				if s.Seats == 0 {
					t.Errorf("the snapshot records the gone line %s on %s", s.Product, s.Site)
				}
			}
		})
	}
}
