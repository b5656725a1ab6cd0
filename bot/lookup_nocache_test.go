package bot_test

import (
	"context"
	"testing"

	"lastactive/atlassian"
	"lastactive/bot"
	"lastactive/bot/bottest"
)

// TestCacheTTLZeroKeepsNothing: LASTACTIVE_CACHE_TTL=0 disables the cache
// (CONTRACT): each lookup, however the address is written, searches for
// the account and reads the activity again, "not found" included, and
// no answer says it came from the cache.
func TestCacheTTLZeroKeepsNothing(t *testing.T) {
	t.Parallel()
	dir := &bottest.Directory{
		ResolveFunc: func(_ context.Context, email string) (atlassian.Account, atlassian.Via, error) {
			if email == "nobody@example.com" {
				return atlassian.Account{}, atlassian.ViaAdmin, atlassian.ErrNotFound
			}
			return atlassian.Account{AccountID: "acc", AccountType: "atlassian", Email: email, Active: true}, atlassian.ViaAdmin, nil
		},
		LastActiveFunc: func(_ context.Context, id string) (*atlassian.Activity, error) {
			return &atlassian.Activity{AccountID: id, Products: []atlassian.ProductActivity{}}, nil
		},
	}
	l := bot.NewLookups(dir, bot.LookupOptions{TTL: 0})
	for _, e := range []string{"ada@example.com", "Ada@Example.com", "ada@example.com", "nobody@example.com", "nobody@example.com"} {
		if p := l.Lookup(t.Context(), e, false); p.Cached {
			t.Errorf("%s: answered from the cache with TTL 0", e)
		}
	}
	if r, a := dir.ResolveCalls.Load(), dir.LastActiveCalls.Load(); r != 5 || a != 3 {
		t.Errorf("%d searches and %d activity reads, want 5 and 3: something was kept", r, a)
	}
	if n := l.Len(); n != 0 {
		t.Errorf("%d answers kept with TTL 0", n)
	}
}
