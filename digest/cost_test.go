package digest_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/digest"
	"lastactive/internal/backoff/backofftest"
	"lastactive/seat"
)

// TestDigestCost50k: a digest of a 50,000-person organisation costs
// ⌈50,000/100⌉ users-search calls when no fresh scan exists, and none when
// one does (the Scanner's TTL), whatever else it reads (the workspaces).
func TestDigestCost50k(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 generated accounts")
	}
	const people = 50_000
	org := atlassiantest.GenerateOrg(people, 7, now)
	srv := atlassiantest.NewServer(org)
	defer srv.Close()
	client, err := atlassian.New(atlassian.Config{AdminBaseURL: srv.URL(), OrgID: srv.OrgID(), APIKey: atlassiantest.APIKey},
		atlassian.WithAdminRate(rate.Inf, 1),             // pacing off: this counts calls, not seconds
		atlassian.WithClock(&backofftest.Clock{At: now})) // the org's dates are as of now, which is not today
	if err != nil {
		t.Fatal(err)
	}
	scanner := seat.NewScanner(seat.ScanConfig{Dir: client, TTL: time.Hour, Now: func() time.Time { return now }})
	defer scanner.Close()
	members := 0 // the generated org has people Jira knows but the directory does not
	for _, u := range org.Users {
		if !u.NotMember {
			members++
		}
	}
	b := digest.NewBuilder(digest.Config{Scanner: scanner, Sites: client})

	for _, c := range []struct {
		name string
		want int
	}{
		{"no fresh scan", (members + 99) / 100},
		{"a fresh scan", 0},
	} {
		before := srv.CountEndpoint(atlassiantest.EndpointUsersSearch)
		d, err := b.Build(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := srv.CountEndpoint(atlassiantest.EndpointUsersSearch) - before
		t.Logf("%s: %d users-search calls for %d accounts", c.name, got, d.Accounts)
		if got != c.want {
			t.Errorf("%s: %d users-search calls, want %d", c.name, got, c.want)
		}
		if d.Total.Seats == 0 {
			t.Errorf("%s: empty digest", c.name)
		}
	}
}
