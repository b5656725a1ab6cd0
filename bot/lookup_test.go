package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// TestCachedAnswerIsTheFetchedOne checks that the compact form the cache
// keeps gives back exactly what was fetched: every product, zero and set
// times, an empty product list, and "not found".
func TestCachedAnswerIsTheFetchedOne(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	acts := map[string]*atlassian.Activity{
		"a1": {AccountID: "a1", AddedToOrg: day.AddDate(-1, 0, 0), AddedToOrgTimestamp: day.AddDate(-1, 0, 0).Add(90 * time.Minute),
			Products: []atlassian.ProductActivity{
				{ID: "ari:cloud:jira-software::site/s1", Key: "jira-software", LastActive: day, LastActiveTimestamp: day.Add(9*time.Hour + 123)},
				{ID: "ari:cloud:confluence::site/s1", Key: "confluence"},
			}},
		"a2": {AccountID: "a2", Products: []atlassian.ProductActivity{}},
		"a3": {AccountID: "a3"},
		"a4": {AccountID: "a4"},
		"a5": {AccountID: "a5"},
	}
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			id, _, _ := strings.Cut(email, "@")
			switch id {
			case "nobody":
				return atlassian.Account{}, "", atlassian.ErrNotFound
			case "a4": // the email hidden by the person's profile visibility
				return atlassian.Account{AccountID: id, AccountType: "app", DisplayName: "N " + id}, atlassian.ViaJira, nil
			case "a5": // an email that is not the key (the key is lower case)
				return atlassian.Account{AccountID: id, AccountType: "customer", DisplayName: "N " + id, Email: strings.ToUpper(email),
					Status: atlassian.StatusSuspended}, atlassian.ViaAdmin, nil
			}
			return atlassian.Account{AccountID: id, AccountType: "atlassian", DisplayName: "N " + id, Email: email, Active: true,
				Status: atlassian.StatusActive}, atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) { return acts[id], nil },
	}
	now := time.Date(2026, 11, 26, 15, 4, 0, 0, time.UTC)
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour, Now: func() time.Time { return now }})
	for _, email := range []string{"a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com", "a5@example.com", "nobody@example.com"} {
		first := l.Lookup(t.Context(), email, false)
		again := l.Lookup(t.Context(), email, false)
		if first.Cached || !again.Cached {
			t.Fatalf("%s: cached %v then %v, want false then true", email, first.Cached, again.Cached)
		}
		again.Cached = false
		if first.Err != nil {
			// "Not found" is stamped with the time it was remembered.
			first.FetchedAt = now
		}
		if diff := cmp.Diff(first, again, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("%s: the cached answer differs from the fetched one (-fetched +cached):\n%s", email, diff)
		}
		if first.Activity != nil && again.Activity == first.Activity {
			t.Errorf("%s: the cached answer shares the fetched Activity; each hit needs its own", email)
		}
	}
}

// TestAccountOutlivesTheAnswer: once the answer's TTL has passed, the next
// lookup asks for the activity again but not for the account, and the
// account it answers with is the one first found (hidden email, an email
// that is not the key, type and status included).
func TestAccountOutlivesTheAnswer(t *testing.T) {
	t.Parallel()
	accounts := map[string]atlassian.Account{
		"ada@example.com":   {AccountID: "a1", AccountType: "atlassian", DisplayName: "Ada", Email: "ada@example.com", Active: true, Status: atlassian.StatusActive},
		"hid@example.com":   {AccountID: "a2", AccountType: "app", DisplayName: "Hidden"},
		"upper@example.com": {AccountID: "a3", AccountType: "customer", DisplayName: "Up", Email: "Upper@Example.com", Status: atlassian.StatusSuspended},
	}
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			return accounts[email], atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
			return &atlassian.Activity{AccountID: id}, nil
		},
	}
	// The cache keeps time by the wall clock: a TTL of 1 ms has passed
	// once 20 ms have; the accounts are kept for an hour.
	const ttl = time.Millisecond
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: ttl, AccountTTL: time.Hour})
	for email := range accounts {
		before := dir.ResolveCalls.Load()
		if p := l.Lookup(t.Context(), email, false); p.Err != nil || p.Cached {
			t.Fatalf("%s: err %v, cached %v", email, p.Err, p.Cached)
		}
		if got := dir.ResolveCalls.Load() - before; got != 1 {
			t.Fatalf("%s: %d account searches, want 1", email, got)
		}
	}
	time.Sleep(20 * ttl)
	for email, want := range accounts {
		before, acts := dir.ResolveCalls.Load(), dir.LastActiveCalls.Load()
		p := l.Lookup(t.Context(), email, false)
		if p.Err != nil || p.Cached {
			t.Fatalf("%s after the TTL: err %v, cached %v; want a fresh answer", email, p.Err, p.Cached)
		}
		if dir.ResolveCalls.Load() != before || dir.LastActiveCalls.Load() != acts+1 {
			t.Errorf("%s after the TTL: %d account searches and %d activity reads, want 0 and 1", email,
				dir.ResolveCalls.Load()-before, dir.LastActiveCalls.Load()-acts)
		}
		if diff := cmp.Diff(want, p.Account); diff != "" {
			t.Errorf("%s: the account kept differs from the one found (-found +kept):\n%s", email, diff)
		}
	}
}

// TestFreshVerdictReplacesTheMapping: a --fresh lookup that finds the
// email now names nobody, or several accounts, is the new truth for
// everyone: the next plain lookup must not answer with the account the
// email named before (the mapping outlives the answer by design, but not a
// search that has since said otherwise).
func TestFreshVerdictReplacesTheMapping(t *testing.T) {
	t.Parallel()
	for _, verdict := range []error{atlassian.ErrNotFound, atlassian.ErrAmbiguous} {
		t.Run(verdict.Error(), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			moved := false
			dir := &bottest.Directory{
				ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
					mu.Lock()
					defer mu.Unlock()
					if moved {
						return atlassian.Account{}, atlassian.ViaAdmin, verdict
					}
					return atlassian.Account{AccountID: "a1", AccountType: "atlassian", DisplayName: "Old", Email: email, Active: true}, atlassian.ViaAdmin, nil
				},
				// The account itself stays in the org (its email changed).
				LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
					return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
				},
			}
			// "Not found" is remembered for 1 ms: gone once 20 ms have passed.
			l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour, NotFoundTTL: time.Millisecond})
			const email = "old@example.com"
			if p := l.Lookup(t.Context(), email, false); p.Err != nil {
				t.Fatalf("first lookup: %v", p.Err)
			}
			mu.Lock()
			moved = true
			mu.Unlock()
			if p := l.Lookup(t.Context(), email, true); !errors.Is(p.Err, verdict) {
				t.Fatalf("--fresh lookup: err %v, want %v", p.Err, verdict)
			}
			time.Sleep(20 * time.Millisecond)
			p := l.Lookup(t.Context(), email, false)
			if !errors.Is(p.Err, verdict) {
				t.Errorf("plain lookup after --fresh said %q: err %v, account %q (cached %v); want %q",
					verdict, p.Err, p.Account.AccountID, p.Cached, verdict)
			}
		})
	}
}

// TestFreshAccountReplacesTheAnswer: a --fresh lookup that finds the email
// now names another account, and then cannot read that account's activity
// (a bad minute upstream), must not leave the old account's answer to be
// served under this email for the rest of its hour.
func TestFreshAccountReplacesTheAnswer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	owner := "old"
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			mu.Lock()
			defer mu.Unlock()
			return atlassian.Account{AccountID: owner, AccountType: "atlassian", DisplayName: owner, Email: email, Active: true}, atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
			if id != "old" {
				return nil, &atlassian.Error{Kind: atlassian.ErrUnavailable, API: atlassian.Admin}
			}
			return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
		},
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
	const email = "shared@example.com"
	if p := l.Lookup(t.Context(), email, false); p.Err != nil {
		t.Fatalf("first lookup: %v", p.Err)
	}
	mu.Lock()
	owner = "new"
	mu.Unlock()
	if p := l.Lookup(t.Context(), email, true); !errors.Is(p.Err, atlassian.ErrUnavailable) {
		t.Fatalf("--fresh lookup: err %v, want unavailable", p.Err)
	}
	if p := l.Lookup(t.Context(), email, false); p.Err == nil && p.Account.AccountID == "old" {
		t.Errorf("plain lookup after --fresh found account %q: answered with the old account %q (cached %v)",
			"new", p.Account.AccountID, p.Cached)
	}
}

// TestFreshDoesNotJoinAPlainFlight: a --fresh lookup (or Refresh) asked
// while a plain lookup of the same person is in flight runs its own
// search: the plain one may be answering from the saved mapping, and the
// asker wanted Atlassian read again.
func TestFreshDoesNotJoinAPlainFlight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var reads atomic.Int32
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			return atlassian.Account{AccountID: "acc-1", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaJira, nil
		},
		LastActiveFunc: func(ctx context.Context, id string) (*atlassian.Activity, error) {
			if reads.Add(1) == 1 {
				<-release // the first (plain) flight waits
			}
			return &atlassian.Activity{AccountID: id}, nil
		},
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
	plain := make(chan bot.Person, 1)
	go func() { plain <- l.Lookup(context.Background(), "ada@example.com", false) }()
	for reads.Load() == 0 {
		time.Sleep(time.Millisecond) // until the plain flight is upstream
	}
	// Were it to join the plain flight, it would wait for the release
	// below, which comes only after it: its deadline would end it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if p := l.Lookup(ctx, "ada@example.com", true); p.Err != nil || p.Cached {
		t.Errorf("fresh lookup: err %v, cached %v; want its own read of Atlassian", p.Err, p.Cached)
	}
	close(release)
	if p := <-plain; p.Err != nil {
		t.Errorf("plain lookup: %v", p.Err)
	}
	if n := dir.ResolveCalls.Load(); n != 2 {
		t.Errorf("%d searches, want 2 (the plain one and the fresh one)", n)
	}
}

// TestCachedAnswerKeepsFarDates: the cache keeps times as Unix nanoseconds,
// which hold only the years 1678 to 2262. A date outside them (a last
// active day in year 1, a join date in 9999, as a broken upstream may send)
// came back from the cache as another date: an idle seat read again within
// the TTL turned active, or a join date moved by centuries. What cannot be
// kept exactly is not cached: the next lookup asks again and answers alike.
func TestCachedAnswerKeepsFarDates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 15, 4, 0, 0, time.UTC)
	acts := map[string]*atlassian.Activity{
		"old": {AccountID: "old", Products: []atlassian.ProductActivity{
			{ID: "ari:cloud:jira-software::site/s1", Key: "jira-software", LastActive: time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)},
			{ID: "ari:cloud:confluence::site/s1", Key: "confluence", LastActiveTimestamp: time.Date(1600, 5, 1, 9, 0, 0, 0, time.UTC)},
		}},
		"far": {AccountID: "far", AddedToOrg: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
			AddedToOrgTimestamp: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), Products: []atlassian.ProductActivity{}},
	}
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			id, _, _ := strings.Cut(email, "@")
			return atlassian.Account{AccountID: id, AccountType: "atlassian", Email: email, Active: true, Status: atlassian.StatusActive}, atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) { return acts[id], nil },
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour, Now: func() time.Time { return now }})
	for _, email := range []string{"old@example.com", "far@example.com"} {
		first := l.Lookup(t.Context(), email, false)
		again := l.Lookup(t.Context(), email, false)
		first.Cached, again.Cached = false, false
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("%s: the second answer differs from the first (-first +second):\n%s", email, diff)
		}
	}
}

// TestPlainFlightDoesNotUndoAFreshVerdict: a plain lookup that started on
// the old email → account mapping and is still reading that account's
// activity when a --fresh lookup (or Refresh) finds the email now names
// nobody, or another account, must not write the old account's answer
// back over the fresh verdict when it ends: everyone would be told about
// the old account for the next hour.
func TestPlainFlightDoesNotUndoAFreshVerdict(t *testing.T) {
	t.Parallel()
	for _, moved := range []string{"nobody", "new"} {
		t.Run(moved, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var searches, oldReads atomic.Int32
			dir := &bottest.Directory{
				ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
					if searches.Add(1) == 1 {
						return atlassian.Account{AccountID: "old", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaAdmin, nil
					}
					if moved == "nobody" {
						return atlassian.Account{}, atlassian.ViaAdmin, atlassian.ErrNotFound
					}
					return atlassian.Account{AccountID: "new", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaAdmin, nil
				},
				LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
					if id == "old" && oldReads.Add(1) == 1 {
						<-release // the plain flight, still reading the old account
					}
					return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
				},
			}
			l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
			const email = "moved@example.com"
			plain := make(chan bot.Person, 1)
			go func() { plain <- l.Lookup(context.Background(), email, false) }()
			for oldReads.Load() == 0 {
				time.Sleep(time.Millisecond) // until the plain flight reads the old account
			}
			fresh := l.Lookup(t.Context(), email, true)
			close(release)
			<-plain
			p := l.Lookup(t.Context(), email, false)
			if p.Account.AccountID == "old" {
				t.Errorf("plain lookup after --fresh found %q (err %v): answered with the old account (cached %v, err %v)",
					moved, fresh.Err, p.Cached, p.Err)
			}
		})
	}
}

// TestForgetDropsTheAnswerAndARunningFlights: after a change to a person's
// access (Forget), the next lookup reads Atlassian again, whether the
// answer was kept under the address released or another one of the same
// account, and a plain lookup that was reading the old access when the
// change came keeps nothing.
func TestForgetDropsTheAnswerAndARunningFlights(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var reads, blocked atomic.Int32
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			return atlassian.Account{AccountID: "acc", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
			if reads.Add(1) == 3 {
				blocked.Add(1)
				<-release // the third read: a plain flight reading the access before the change
			}
			return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
		},
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: time.Hour})
	l.Lookup(t.Context(), "ada@example.com", false)
	l.Lookup(t.Context(), "ada.l@example.com", false)
	l.Forget("ADA@example.com", "acc")
	if n := l.Len(); n != 0 {
		t.Fatalf("%d answers kept after Forget, want 0", n)
	}
	plain := make(chan bot.Person, 1)
	go func() { plain <- l.Lookup(context.Background(), "ada@example.com", false) }()
	for blocked.Load() == 0 {
		time.Sleep(time.Millisecond) // until the plain flight reads the access
	}
	l.Forget("ada@example.com", "acc")
	close(release)
	<-plain
	if p := l.Lookup(t.Context(), "ada@example.com", false); p.Cached {
		t.Errorf("the lookup that read the access before the change kept its answer past Forget")
	}
}
