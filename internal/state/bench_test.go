package state

import (
	"context"
	"fmt"
	"os"
	"testing"
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
