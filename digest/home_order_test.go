package digest_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lastactive/digest"
	"lastactive/seat"
)

// TestLatestRowsInTheDigestsOrder: App Home lists the latest snapshot's
// rows as the store gives them, by product key, where the digest (and the
// idle report) go by product name: Atlassian Guard (key guard) came second
// in the digest and after Confluence and Focus on App Home, whose first
// 15 lines were then not the digest's. Latest gives them in the digest's
// order.
func TestLatestRowsInTheDigestsOrder(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	b := digest.NewBuilder(digest.Config{Store: st, Scanner: scannerFunc(func() (*seat.Report, error) {
		rep := report()
		rep.Groups = []seat.Group{
			{Key: "atlas", Site: siteA, Seats: 1, Active: 1},
			{Key: "guard", Site: siteA, Seats: 4, Idle: 4},
			{Key: "confluence", Site: siteA, Seats: 10, Active: 9, Idle: 1},
			{Key: "focus", Site: siteA, Seats: 2, Idle: 2},
			{Key: "jira-software", Site: siteA, Seats: 20, Active: 10, Idle: 6, Never: 3, New: 1},
		}
		return rep, nil
	})})
	d, err := b.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, l := range d.Lines {
		want = append(want, l.Key)
	}
	h, err := b.History(ctx)
	if err != nil || len(h) != 1 {
		t.Fatalf("history: %d snapshots, %v", len(h), err)
	}
	for _, r := range h[0].Rows {
		got = append(got, r.Product)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("App Home's rows (-digest's order +got):\n%s", diff)
	}
}
