package digest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lastactive/digest"
	"lastactive/internal/state"
	"lastactive/seat"
)

// TestDigestMarksExemptSeats: the digest counted seats exempted with
// /lastactive exempt (kept on purpose) in its cost and named them among
// the people idle longest unmarked, as the idle report did before
// 642c966. The Builder now reads the exemptions in force as the report is
// made: the cost says which part is exempt seats, each line counts its
// exempt unused seats, and an exempt person is marked and named after
// the people a manager can act on (Finn, idle longest in Jira, gives his
// place to Ada; Hana comes after Gus). Exemptions that cannot be read
// are said to be so, not taken for none.
func TestDigestMarksExemptSeats(t *testing.T) {
	ctx := context.Background()
	var read []time.Time
	exemptions := func(_ context.Context, at time.Time) ([]seat.Exemption, error) {
		read = append(read, at)
		return []seat.Exemption{
			{Email: "Finn@example.com", Product: "jira"},
			{Email: "hana@example.com", Product: "confluence", Until: now.AddDate(0, 1, 0)},
			{Email: "gus@example.com", Product: "confluence", Until: now}, // ended
		}, nil
	}
	b := digest.NewBuilder(digest.Config{Exemptions: exemptions, Scanner: scannerFunc(func() (*seat.Report, error) { return report(), nil })})
	d, err := b.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(read) != 1 || !read[0].Equal(now) {
		t.Errorf("exemptions read at %v, want once at the report's time %v", read, now)
	}
	if d.ExemptCost != 8.6 || d.ExemptPriced != 1 || d.Cost != 77.4 {
		t.Errorf("cost %v, of which %v for %d exempt seats; want 77.4, of which 8.6 for 1 (Finn's Jira)", d.Cost, d.ExemptCost, d.ExemptPriced)
	}
	if d.Total.Exempt != 2 || d.ExemptionsUnread {
		t.Errorf("total exempt %d (unread %v), want 2 (Finn's Jira, Hana's Confluence)", d.Total.Exempt, d.ExemptionsUnread)
	}
	exempt := map[string]int{}
	for _, l := range d.Lines {
		exempt[l.Key+" "+l.Site] = l.Exempt
	}
	want := map[string]int{"confluence " + siteB + " " + seat.UnknownSite: 1,
		"jira-software " + siteA + " " + seat.UnknownSite: 1, "confluence " + siteA + " " + seat.UnknownSite: 0}
	if diff := cmp.Diff(want, exempt); diff != "" {
		t.Errorf("exempt unused seats by line (-want +got):\n%s", diff)
	}
	var got []string
	for _, p := range d.Longest {
		for _, i := range p.People {
			s := fmt.Sprintf("%s %s %d", p.Key, i.Name, i.DaysIdle)
			if i.Exempt {
				s += " exempt"
			}
			got = append(got, s)
		}
	}
	wantLongest := []string{"confluence Gus 95", "confluence Hana 300 exempt",
		"jira-software Eve 140", "jira-software Dan 130", "jira-software Cleo 120", "jira-software Brian 110", "jira-software Ada 100"}
	if diff := cmp.Diff(wantLongest, got); diff != "" {
		t.Errorf("idle longest (-want +got):\n%s", diff)
	}

	b = digest.NewBuilder(digest.Config{Scanner: scannerFunc(func() (*seat.Report, error) { return report(), nil }),
		Exemptions: func(context.Context, time.Time) ([]seat.Exemption, error) { return nil, errors.New("database down") }})
	if d, err = b.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if !d.ExemptionsUnread || d.Total.Exempt != 0 || d.ExemptPriced != 0 {
		t.Errorf("exemptions unreadable: unread %v, %d exempt, want unread and none", d.ExemptionsUnread, d.Total.Exempt)
	}
}

// TestDigestSnapshotKeepsExemptSeats: App Home shows the stored snapshot,
// not the digest, so the snapshot keeps each line's exempt unused seats
// and whether the exemptions were read.
func TestDigestSnapshotKeepsExemptSeats(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		ex   func(context.Context, time.Time) ([]seat.Exemption, error)
		want state.SnapshotExemptions
		n    int
	}{
		{"read", func(context.Context, time.Time) ([]seat.Exemption, error) {
			return []seat.Exemption{{Email: "finn@example.com", Product: "jira-software"}, {Email: "hana@example.com", Product: "confluence"}}, nil
		}, state.ExemptionsMarked, 2},
		{"unread", func(context.Context, time.Time) ([]seat.Exemption, error) { return nil, errors.New("database down") }, state.ExemptionsUnread, 0},
		{"not kept", nil, state.ExemptionsNotMarked, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			b := digest.NewBuilder(digest.Config{Store: st, Exemptions: c.ex, Scanner: scannerFunc(func() (*seat.Report, error) { return report(), nil })})
			if _, err := b.Build(ctx); err != nil {
				t.Fatal(err)
			}
			snap, err := st.LatestSnapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range snap.Rows {
				n += r.Exempt
			}
			if snap.Exemptions != c.want || n != c.n {
				t.Errorf("snapshot: exemptions %v, %d exempt seats; want %v, %d", snap.Exemptions, n, c.want, c.n)
			}
		})
	}
}
