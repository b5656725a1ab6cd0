package state

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// benchBackends opens a migrated Store per backend: SQLite always,
// PostgreSQL when LASTACTIVE_TEST_POSTGRES_URL is set.
func benchBackends(b *testing.B, run func(b *testing.B, s *Store)) {
	type backend struct {
		name  string
		fresh fixture
	}
	backends := []backend{{"sqlite", sqliteFixture}}
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") != "" {
		backends = append(backends, backend{"postgres", postgresFixture})
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			run(b, open(b, be.fresh(b)))
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			e := AuditEntry{Actor: "U123", Emails: []string{fmt.Sprintf("p%d@example.com", i%1000)}, AccountIDs: []string{"acc"}, Kind: KindLookup, Outcome: OutcomeOK, Detail: "3 products"}
			if err := s.Append(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFirstDelivery(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			ok, err := s.FirstDelivery(ctx, fmt.Sprintf("env-%d", i), 0)
			if err != nil || !ok {
				b.Fatalf("FirstDelivery = %v, %v", ok, err)
			}
		}
	})
}

// BenchmarkAppendBatch reports the cost per entry of batches of 64, the
// audit writer's most (compare with BenchmarkAppend).
func BenchmarkAppendBatch(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		b.ReportAllocs()
		batch := make([]AuditEntry, 64)
		i := 0
		for b.Loop() {
			for j := range batch {
				i++
				batch[j] = AuditEntry{Actor: "U123", Emails: []string{fmt.Sprintf("p%d@example.com", i%1000)}, AccountIDs: []string{"acc"}, Kind: KindLookup, Outcome: OutcomeOK, Detail: "3 products"}
			}
			if err := s.AppendBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/entry")
	})
}

// seedPersonTrails fills s with a year of trail shaped as in production,
// for BenchmarkAuditPerson: 100,000 lookups of 10,000 other people; a heavy
// person looked up 5,000 times with their account ID; a weekly digest
// naming 2,000 account IDs (the heavy person's among them); and the worst
// case for AuditPerson, a person whose 8 account IDs each have 10,000
// entries naming them alone.
func seedPersonTrails(b *testing.B, s *Store) {
	ctx := context.Background()
	now := time.Now()
	year := 365 * 24 * time.Hour
	var batch []AuditEntry
	add := func(i, n int, e AuditEntry) {
		e.At = now.Add(-time.Duration(float64(year) * float64(n-i) / float64(n+1)))
		e.Outcome = OutcomeOK
		batch = append(batch, e)
		if len(batch) == MaxBatch {
			if err := s.AppendBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for i := range 100000 {
		p := i * 7919 % 10000
		add(i, 100000, AuditEntry{Actor: "U1", Emails: []string{fmt.Sprintf("p%d@example.com", p)}, AccountIDs: []string{fmt.Sprintf("acc-p%d", p)}, Kind: KindLookup, Detail: "3 products"})
	}
	for i := range 5000 {
		add(i, 5000, AuditEntry{Actor: "U2", Emails: []string{"heavy@example.com"}, AccountIDs: []string{"acc-heavy"}, Kind: KindLookup, Detail: "3 products"})
	}
	for i := range 52 {
		ids := []string{"acc-heavy"}
		for a := range 8 {
			ids = append(ids, fmt.Sprintf("acc-worst-%d", a))
		}
		for p := len(ids); p < 2000; p++ {
			ids = append(ids, fmt.Sprintf("acc-p%d", p))
		}
		add(i, 52, AuditEntry{Actor: "U3", AccountIDs: ids, Kind: KindReport, Detail: "seat digest"})
	}
	for a := range 8 {
		add(a, 8, AuditEntry{Actor: "U4", Emails: []string{"worst@example.com"}, AccountIDs: []string{fmt.Sprintf("acc-worst-%d", a)}, Kind: KindLookup, Detail: "3 products"})
		for i := range 10000 {
			add(i, 10000, AuditEntry{Actor: "U5", AccountIDs: []string{fmt.Sprintf("acc-worst-%d", a)}, Kind: KindNudge, Detail: "jira-software"})
		}
	}
	if len(batch) > 0 {
		if err := s.AppendBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditPerson reads one person's trail as lastactive audit EMAIL
// does (all of it, or --since 30d; 10,001 entries at most) and as the Slack
// view does (90 days, 1,000 entries), by email alone (Audit, as before
// AuditPerson) and with the entries naming their account IDs (AuditPerson).
func BenchmarkAuditPerson(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		seedPersonTrails(b, s)
		ctx := context.Background()
		day := 24 * time.Hour
		for _, c := range []struct {
			name string
			q    AuditQuery
		}{
			{"heavy/cli", AuditQuery{Target: "heavy@example.com", Limit: MaxAuditLimit + 1}},
			{"heavy/cli-30d", AuditQuery{Target: "heavy@example.com", Limit: MaxAuditLimit + 1, Since: time.Now().Add(-30 * day)}},
			{"heavy/slack", AuditQuery{Target: "heavy@example.com", Limit: 1000, Since: time.Now().Add(-90 * day), NotKind: KindSkip}},
			{"worst/cli", AuditQuery{Target: "worst@example.com", Limit: MaxAuditLimit + 1}},
			{"worst/cli-30d", AuditQuery{Target: "worst@example.com", Limit: MaxAuditLimit + 1, Since: time.Now().Add(-30 * day)}},
			{"worst/slack", AuditQuery{Target: "worst@example.com", Limit: 1000, Since: time.Now().Add(-90 * day), NotKind: KindSkip}},
		} {
			for _, r := range []struct {
				name string
				read func(context.Context, AuditQuery) ([]AuditEntry, error)
			}{{"email", s.Audit}, {"person", s.AuditPerson}} {
				b.Run(c.name+"/"+r.name, func(b *testing.B) {
					b.ReportAllocs()
					n := 0
					for b.Loop() {
						got, err := r.read(ctx, c.q)
						if err != nil {
							b.Fatal(err)
						}
						n = len(got)
					}
					b.ReportMetric(float64(n), "entries")
				})
			}
		}
	})
}

// BenchmarkAppendBatchLoadRun is the audit writer's batch as a load run
// makes it: 20 lookups of people spread over the keys, on a trail of a few
// thousand entries (2,000 first, growing as it runs). It reports the page
// cache's misses (a pread each) and spills (dirty pages written to the WAL
// before the commit writes them again) per entry with the time.
func BenchmarkAppendBatchLoadRun(b *testing.B) {
	s := open(b, sqliteFixture(b))
	ctx := context.Background()
	const trail, batch = 2000, 20
	for i := 0; i < trail; i += 100 {
		if err := s.AppendBatch(ctx, trailEntries(i, 100)); err != nil {
			b.Fatal(err)
		}
	}
	miss0, spill0 := cacheCounters(b, s)
	b.ReportAllocs()
	next := trail
	for b.Loop() {
		if err := s.AppendBatch(ctx, trailEntries(next, batch)); err != nil {
			b.Fatal(err)
		}
		next += batch
	}
	miss1, spill1 := cacheCounters(b, s)
	n := float64(b.N * batch)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/entry")
	b.ReportMetric(float64(miss1-miss0)/n, "misses/entry")
	b.ReportMetric(float64(spill1-spill0)/n, "spills/entry")
}
