package state

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"
)

// sweepStop is what the sweep_test_row SQLite function calls for each row
// a trigger sees deleted (nil: nothing); only
// TestSweepKeepsTheBatchesDoneBeforeItsTime sets it, on its own database.
var (
	sweepStop     atomic.Pointer[func() error]
	sweepStopOnce sync.Once
)

// TestSweepKeepsTheBatchesDoneBeforeItsTime: the expired envelope IDs of a
// busy replica set after an outage (here 20,000) and a sweep whose time
// runs out part-way through them (here: a trigger counts the rows deleted
// and, at the 3,000th, ends the sweep's context and fails the statement in
// progress: no clock involved). The DELETE of them all was one statement:
// rolled back, nothing deleted, and the same at every sweep while the table
// grew. Deleted in batches, each its own transaction, the batches done
// before the time ran out stay done.
func TestSweepKeepsTheBatchesDoneBeforeItsTime(t *testing.T) {
	t.Parallel()
	sweepStopOnce.Do(func() {
		sqlite.MustRegisterScalarFunction("sweep_test_row", 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
			if f := sweepStop.Load(); f != nil {
				return nil, (*f)()
			}
			return nil, nil
		})
	})
	s := open(t, sqliteFixture(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const rows = 20_000
	for _, q := range []string{
		`WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 20000)
		 INSERT INTO envelope_seen (id, expires_us) SELECT 'env-' || i, 1 FROM g`,
		`CREATE TRIGGER sweep_test BEFORE DELETE ON envelope_seen BEGIN SELECT sweep_test_row(); END`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var seen atomic.Int64
	f := func() error {
		if seen.Add(1) >= 3000 {
			stop()
			return errors.New("the sweep's time ran out")
		}
		return nil
	}
	sweepStop.Store(&f)
	defer sweepStop.Store(nil)
	n, err := s.Sweep(sctx, time.Now())
	if err == nil {
		t.Fatal("Sweep: no error; the test's trigger should have ended it")
	}
	var left int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM envelope_seen`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if n != sweepBatch || left != rows-sweepBatch {
		t.Fatalf("Sweep stopped at the 3,000th row: %d deleted, %d of %d left; want the first batch kept (%d deleted, %d left)",
			n, left, rows, sweepBatch, rows-sweepBatch)
	}
}

// TestPostgresSweepBatchesExpiredEnvelopesUnderAStatementTimeout: as
// TestPostgresSweepHalvesItsBatchUnderATimeout for Sweep's expired rows:
// 20,000 expired envelope IDs, a role's statement_timeout of 500 ms and
// deletes that take 0.3 ms a row (a statement trigger that sleeps: 6 s for all of
// them, 0.6 s for a batch of 2,000, whatever the machine). The one DELETE of
// them all was cancelled at every sweep, nothing deleted; batched, halved
// until a batch fits, they all go.
func TestPostgresSweepBatchesExpiredEnvelopesUnderAStatementTimeout(t *testing.T) {
	t.Parallel()
	u, seed, ctx := seededFixture(t)
	const rows = 20_000
	if _, err := seed.ExecContext(ctx, `INSERT INTO envelope_seen (id, expires_us) SELECT 'env-' || g, 1 FROM generate_series(1, $1::int) g`, rows); err != nil {
		t.Fatal(err)
	}
	// One sleep a statement, for its rows (a row trigger's pg_sleep each
	// row sleeps at least the kernel's timer slack, far more than 0.3 ms).
	for _, q := range []string{
		`CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN PERFORM pg_sleep(0.0003 * (SELECT COUNT(*) FROM gone)); RETURN NULL; END $$`,
		`CREATE TRIGGER slow_delete AFTER DELETE ON envelope_seen REFERENCING OLD TABLE AS gone
		 FOR EACH STATEMENT EXECUTE FUNCTION slow_delete()`,
	} {
		if _, err := seed.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, u+"&statement_timeout=500ms")
	n, err := s.Sweep(ctx, time.Now())
	var left int64
	if err := seed.QueryRowContext(ctx, `SELECT COUNT(*) FROM envelope_seen`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if err != nil || n != rows || left != 0 {
		t.Fatalf("Sweep with statement_timeout=500ms and 0.6 s a 2,000-row batch: %d deleted, %d left, %v; want all %d deleted", n, left, err, rows)
	}
}
