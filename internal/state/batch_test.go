package state

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// testAppendBatch: a batch is stored whole (across several INSERTs), is
// found by either target like single entries, and is refused whole.
func testAppendBatch(t *testing.T, fresh fixture) {
	u := fresh(t)
	s := open(t, u)
	ctx := context.Background()
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const n = 250 // three INSERTs of entries, and of targets
	batch := make([]AuditEntry, n)
	for i := range batch {
		batch[i] = AuditEntry{At: base.Add(time.Duration(i) * time.Second), Actor: fmt.Sprintf("U%d", i),
			Emails: []string{fmt.Sprintf("P%d@Example.com", i%10)}, AccountIDs: []string{fmt.Sprintf("acc-%d", i%10)},
			Kind: KindLookup, Outcome: OutcomeOK, Detail: fmt.Sprintf("entry %d", i)}
	}
	batch[7].Emails = append(batch[7].Emails, "p7@example.com") // one target, however it is written
	if err := s.AppendBatch(ctx, batch); err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	all, err := s.Audit(ctx, AuditQuery{Limit: 10000})
	if err != nil || len(all) != n {
		t.Fatalf("Audit: %d entries, %v; want %d", len(all), err, n)
	}
	if all[0].Detail != "entry 249" || all[n-1].Detail != "entry 0" || all[0].ID == all[1].ID {
		t.Errorf("newest %q, oldest %q: want entry 249 and entry 0, distinct IDs", all[0].Detail, all[n-1].Detail)
	}
	for _, target := range []string{"p7@example.com", "acc-7"} {
		got, err := s.Audit(ctx, AuditQuery{Target: target, Limit: 10000})
		if err != nil || len(got) != n/10 {
			t.Errorf("Audit(%s): %d entries, %v; want %d", target, len(got), err, n/10)
		}
	}
	var targets int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM audit_target`).Scan(&targets); err != nil {
		t.Fatal(err)
	}
	if targets != 2*n {
		t.Errorf("%d targets stored, want %d (one email and one account per entry)", targets, 2*n)
	}

	bad := append([]AuditEntry{}, batch[:3]...)
	bad[2].Kind = "drop table"
	if err := s.AppendBatch(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("a batch with an unknown kind: %v, want ErrInvalid", err)
	}
	if err := s.AppendBatch(ctx, make([]AuditEntry, MaxBatch+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a batch over MaxBatch: %v, want ErrInvalid", err)
	}
	if err := s.AppendBatch(ctx, nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
	if got, _ := s.Audit(ctx, AuditQuery{Limit: 10000}); len(got) != n {
		t.Errorf("%d entries after refused batches, want %d: a refused batch was stored in part", len(got), n)
	}

	// Two replicas writing batches at once neither fail nor lose entries.
	other := open(t, u)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := range 20 {
		wg.Go(func() {
			b := make([]AuditEntry, 25)
			for i := range b {
				b[i] = AuditEntry{Actor: fmt.Sprintf("W%d", g), Emails: []string{"x@example.com"}, Kind: KindShare, Outcome: OutcomeOK}
			}
			errs <- []*Store{s, other}[g%2].AppendBatch(ctx, b)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent AppendBatch: %v", err)
		}
	}
	if got, _ := other.Audit(ctx, AuditQuery{Target: "x@example.com", Limit: 10000}); len(got) != 500 {
		t.Errorf("%d entries from concurrent batches, want 500", len(got))
	}
}

// TestAppendBatchStartsNoGoroutinePerRow: the SQLite driver starts a
// goroutine for every statement whose context can be cancelled (to
// interrupt it). A batch of 256 entries was one statement per entry and per
// target: 768 goroutines every 50 ms under load, which cost the bot about a
// tenth of its CPU and 3 MB of stacks. The rows now run under the batch's
// transaction without a cancellable context of their own.
func TestAppendBatchStartsNoGoroutinePerRow(t *testing.T) {
	s := open(t, sqliteFixture(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	batch := make([]AuditEntry, 200)
	for i := range batch {
		batch[i] = AuditEntry{Actor: "U1", Emails: []string{fmt.Sprintf("p%d@example.com", i)}, AccountIDs: []string{fmt.Sprintf("acc-%d", i)},
			Kind: KindLookup, Outcome: OutcomeOK}
	}
	if err := s.AppendBatch(ctx, batch[:1]); err != nil { // prepares the statements
		t.Fatal(err)
	}
	before := goroutinesCreated()
	if err := s.AppendBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if n := goroutinesCreated() - before; n > 10 {
		t.Errorf("a batch of %d entries started %d goroutines; want a handful, not one per row", len(batch), n)
	}
	if got, err := s.Audit(ctx, AuditQuery{Limit: 1000}); err != nil || len(got) != 201 {
		t.Errorf("Audit: %d entries, %v; want 201", len(got), err)
	}
}

// TestAppendBatchHonoursItsDeadline: the rows run without a cancellable
// context, but a batch whose context has ended is still refused whole.
func TestAppendBatchHonoursItsDeadline(t *testing.T) {
	s := open(t, sqliteFixture(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.AppendBatch(ctx, []AuditEntry{{Kind: KindLookup, Outcome: OutcomeOK, Emails: []string{"ada@example.com"}}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("AppendBatch with a cancelled context: %v, want context.Canceled", err)
	}
	if got, _ := s.Audit(context.Background(), AuditQuery{}); len(got) != 0 {
		t.Errorf("%d entries stored by a cancelled batch, want 0", len(got))
	}
}

func goroutinesCreated() uint64 {
	sample := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}
