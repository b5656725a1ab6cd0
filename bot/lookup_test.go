package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestLookupCoalescesFirstAskers asks about a new person from many
// goroutines at once, round after round, and wants exactly one upstream
// chain per person per round. The directory answers at once, so flights end
// while other askers are still arriving: an asker that missed the cache just
// before a flight finished must find the answer, not start a second chain.
// Run it hard with: go test -race -count=300 -cpu=1,2,4 -run Coalesc ./bot/...
func TestLookupCoalescesFirstAskers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	chains := map[string]int{}
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			return atlassian.Account{AccountID: "acc-" + email, AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaJira, nil
		},
		// A chain ends with the activity read; the account is cached apart,
		// so a second chain may skip Resolve but never LastActive.
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
			mu.Lock()
			chains[strings.TrimPrefix(id, "acc-")]++
			mu.Unlock()
			return &atlassian.Activity{AccountID: id}, nil
		},
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
	const rounds, askers = 50, 8
	for round := range rounds {
		email := fmt.Sprintf("person%d@example.com", round)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range askers {
			wg.Go(func() {
				<-start
				if p := l.Lookup(context.Background(), email, false); p.Err != nil {
					t.Errorf("round %d: %v", round, p.Err)
				}
			})
		}
		close(start)
		wg.Wait()
		mu.Lock()
		n := chains[email]
		mu.Unlock()
		if n != 1 {
			t.Fatalf("round %d: %d upstream chains for one person, want 1", round, n)
		}
	}
	if got := dir.ResolveCalls.Load(); got != rounds {
		t.Errorf("FindAccount calls = %d, want %d (one per person)", got, rounds)
	}
}
