package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// TestIdleFileSaysOneDayAndOneRow: the CSV sent to the requester's direct
// messages is titled and introduced with its days and rows, which were
// written with %d: "not used for 1 days", "1 rows", and "1200 rows" where
// the reply beside it says "1,200 rows". They are counted as every other
// count of the report is (seat.Count).
func TestIdleFileSaysOneDayAndOneRow(t *testing.T) {
	t.Parallel()
	person := func(i int) atlassian.OrgUser {
		return atlassian.OrgUser{AccountID: fmt.Sprintf("a%d", i), Name: "Ada", Email: fmt.Sprintf("ada%d@example.com", i), AccountStatus: "active",
			MembershipStatus: "active", AddedToOrg: daysAgo(900), Products: []atlassian.ProductActivity{{ID: "ari:cloud:confluence::site/s1",
				Key: "confluence", LastActive: daysAgo(5), LastActiveTimestamp: daysAgo(5)}}}
	}
	for _, tc := range []struct {
		people       int
		text         string
		title        string
		commentWords string
	}{
		{1, "idle 1", "Idle seats: not used for 1 day (2026-11-26)", "The full list of your /lastactive idle report: 1 row, one per person and product."},
		{1200, "idle 2", "Idle seats: not used for 2 days (2026-11-26)", "The full list of your /lastactive idle report: 1,200 rows, one per person and product."},
	} {
		var users []atlassian.OrgUser
		for i := range tc.people {
			users = append(users, person(i))
		}
		scanner := seat.NewScanner(seat.ScanConfig{Dir: atlassiantest.OrgUserList(users), Now: func() time.Time { return idleNow }})
		files := &fakeFiles{}
		cfg := ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}}),
			Scanner: scanner, Now: func() time.Time { return idleNow }, IdleDays: 90, Files: files}
		r := NewService(cfg).Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: tc.text}, nil)
		scanner.Close()
		if r.Outcome != "ok" || len(files.sent) != 1 {
			t.Fatalf("%s: outcome %q, %d files sent", tc.text, r.Outcome, len(files.sent))
		}
		if f := files.sent[0]; f.Title != tc.title || f.Comment != tc.commentWords {
			t.Errorf("%s: the file is\n title   %q\n comment %q\nwant\n title   %q\n comment %q", tc.text, f.Title, f.Comment, tc.title, tc.commentWords)
		}
	}
}
