package bot_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestForgetReachesEveryFlightRunning: a release (Forget) that lands while
// a lookup of the person is upstream, reading the access as it was, must
// leave nothing of that read in the cache, or every lookup for the next
// TTL shows the seat just freed. TestForgetDropsTheAnswerAndARunningFlights
// covers a plain flight under the address released; this covers the two
// others: a --fresh lookup (Refresh), whose writes win over plain flights,
// and a plain lookup of the same account under another address (a Slack
// profile's), which Forget cannot find among the answers kept because it
// has kept none yet.
func TestForgetReachesEveryFlightRunning(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		email string
		fresh bool
	}{
		{"fresh", "ada@example.com", true},
		{"other address", "ada.l@example.com", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var blocked atomic.Int32
			dir := &bottest.Directory{
				ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
					return atlassian.Account{AccountID: "acc", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaAdmin, nil
				},
				LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
					if blocked.Add(1) == 1 {
						<-release // the read of the access before the change
					}
					return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
				},
			}
			l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
			done := make(chan bot.Person, 1)
			go func() { done <- l.Lookup(context.Background(), c.email, c.fresh) }()
			for blocked.Load() == 0 {
				time.Sleep(time.Millisecond) // until the flight reads the access
			}
			l.Forget("ada@example.com", "acc") // the release, done meanwhile
			close(release)
			<-done
			if p := l.Lookup(t.Context(), c.email, false); p.Cached {
				t.Errorf("the lookup that read the access before the release kept its answer past Forget (%d reads of the access)",
					dir.LastActiveCalls.Load())
			}
		})
	}
}
