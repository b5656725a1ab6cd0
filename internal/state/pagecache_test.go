package state

import (
	"context"
	"fmt"
	"testing"

	"modernc.org/sqlite"
)

// cacheCounters reads SQLite's page cache counters of s's one connection:
// pages read from the file or the WAL (misses) and dirty pages written to
// the WAL before their transaction's commit (spills).
func cacheCounters(t testing.TB, s *Store) (miss, spill int) {
	t.Helper()
	ctx := context.Background()
	c, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		st := dc.(sqlite.DBStatus)
		var err error
		if miss, _, err = st.Status(sqlite.DBStatusCacheMiss, false); err != nil {
			return err
		}
		spill, _, err = st.Status(sqlite.DBStatusCacheSpill, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return miss, spill
}

// trailEntries makes n lookups of one person each, people from..from+n,
// spread over the target keys as real emails and account IDs are.
func trailEntries(from, n int) []AuditEntry {
	out := make([]AuditEntry, n)
	for i := range out {
		p := (from + i) * 7919 % 50000
		out[i] = AuditEntry{Actor: "U0123ABCD", Emails: []string{fmt.Sprintf("person%d@example.com", p)},
			AccountIDs: []string{fmt.Sprintf("5b10ac8d82e05b22cc7d%04x", p)}, Kind: KindLookup, Outcome: OutcomeOK,
			Detail: "3 products · channel C0123ABCD"}
	}
	return out
}

// TestAuditBatchStaysInThePageCache holds the audit writer's batches, as a
// load run makes them (20 lookups every 50 ms on a trail of a few thousand
// entries), inside SQLite's page cache: with 128 KiB (32 pages) a batch's
// random target inserts spilled 1.3 dirty pages an entry to the WAL before
// the commit wrote them again, and read 2.8 pages an entry back from the
// WAL, a syscall each, the largest part of the writer's CPU under load.
func TestAuditBatchStaysInThePageCache(t *testing.T) {
	t.Parallel()
	s := open(t, sqliteFixture(t))
	ctx := context.Background()
	const trail, batch, batches = 2000, 20, 50
	for i := 0; i < trail; i += 100 {
		if err := s.AppendBatch(ctx, trailEntries(i, 100)); err != nil {
			t.Fatal(err)
		}
	}
	miss0, spill0 := cacheCounters(t, s)
	for i := range batches {
		if err := s.AppendBatch(ctx, trailEntries(trail+i*batch, batch)); err != nil {
			t.Fatal(err)
		}
	}
	miss1, spill1 := cacheCounters(t, s)
	if n := spill1 - spill0; n != 0 {
		t.Errorf("%d pages spilled to the WAL before their commit in %d batches of %d entries: a batch does not fit the page cache", n, batches, batch)
	}
	if perEntry := float64(miss1-miss0) / (batches * batch); perEntry > 1.5 {
		t.Errorf("%.2f pages read an entry (cache misses), want at most 1.5: the page cache does not hold the trail's inner pages and a batch", perEntry)
	}
}
