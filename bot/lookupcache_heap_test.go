package bot

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"lastactive/atlassian"
)

// TestCacheEstimateMatchesTheHeap fills each lookup cache alone, as the
// lookups fill it (compactAccount, compact), and compares what its
// estimate counts with what the heap grew by, after a GC each side: the
// budgets are only as good as the estimate. It is not parallel, so no
// other test allocates meanwhile; the many entries make what else the
// runtime allocates small beside them.
func TestCacheEstimateMatchesTheHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("fills about 60 MB")
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	now := day.Add(48 * time.Hour)
	activity := func(person, products int, ownSites bool) *atlassian.Activity {
		ps := make([]atlassian.ProductActivity, products)
		for i := range ps {
			id := fmt.Sprintf("ari:cloud:jira::site/%08d", i)
			if ownSites {
				id = fmt.Sprintf("ari:cloud:jira::site/%08d-%08d", person, i)
			}
			ps[i] = atlassian.ProductActivity{ID: id, Key: "jira-software", LastActive: day, LastActiveTimestamp: day.Add(time.Hour)}
		}
		return &atlassian.Activity{AccountID: fmt.Sprint("acc", person), Products: ps, AddedToOrg: day}
	}
	acct := func(key string, person int) *account {
		return compactAccount(key, atlassian.Account{AccountID: fmt.Sprintf("712020:%08d-1c4d-4e5f-8a9b-0c1d2e3f4a5b", person),
			DisplayName: fmt.Sprintf("Firstname %d Lastname", person), Email: key, AccountType: "atlassian", Status: atlassian.StatusActive})
	}
	key := func(person int) string { return fmt.Sprintf("firstname.lastname.%d@example.com", person) }
	const noBudget = 1 << 62
	for _, tc := range []struct {
		name     string
		people   int
		products int  // 0: the accounts cache
		ownSites bool // each person's products on sites nobody else has
	}{
		{"accounts", 50_000, 0, false},
		{"answers, 20 products", 20_000, 20, false},
		{"answers, 5,000 products", 200, 5000, false},
		// A hostile Atlassian naming a site of its own for each product
		// of each person: every ID is interned (unique.Make), and lives
		// as long as a cached answer holds its handle.
		{"answers, 5,000 products on sites of their own", 20, 5000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The shared sites are interned before, as an organisation's
			// few are after its first answers.
			warm := compact(Person{Activity: activity(-1, tc.products, false)}, nil)
			var estimated int64
			var kept any
			heap := heapGrowth(func() {
				if tc.products == 0 {
					c := newTTLCache(noBudget, accountSize)
					for i := range tc.people {
						k := key(i)
						c.Set(k, acct(k, i), time.Hour)
					}
					estimated, kept = c.Bytes(), c
					return
				}
				c := newAnswersCache(noBudget)
				for i := range tc.people {
					k := key(i)
					c.Set(k, compact(Person{Activity: activity(i, tc.products, tc.ownSites), FetchedAt: now}, acct(k, i)), time.Hour)
				}
				estimated, kept = c.Bytes(), c
			})
			runtime.KeepAlive(kept)
			runtime.KeepAlive(warm)
			ratio := float64(heap) / float64(estimated)
			t.Logf("%d entries: heap grew %d B (%d a person), estimated %d B (%d a person): heap/estimate %.2f",
				tc.people, heap, heap/int64(tc.people), estimated, estimated/int64(tc.people), ratio)
			if ratio < 0.75 || ratio > 1.25 {
				t.Errorf("the estimate is off by more than 25%%: the heap grew %.2f times what was counted", ratio)
			}
		})
	}
}

// heapGrowth is how much fill grows the live heap by, GC each side; what
// fill keeps must be kept alive by the caller after it returns.
func heapGrowth(fill func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}
