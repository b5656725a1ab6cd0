package wire

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// cancelRunStore opens a Durable on a migrated schema of its own with a
// 100 ms statement_timeout and a clock the test moves.
func cancelRunStore(t *testing.T) (d *Durable, m *StoreMetrics, logs *syncBuf, lock func(tables ...string) func(), now *time.Time) {
	t.Helper()
	admin, u, schema := migratedSchema(t)
	q := u.Query()
	q.Set("statement_timeout", "100")
	u.RawQuery = q.Encode()
	logs = &syncBuf{}
	d, m = openTestDurable(t, u.String(), logs)
	if d.Store() == nil {
		t.Fatalf("store not open:\n%s", logs.String())
	}
	at := time.Now()
	now = &at
	d.clock = func() time.Time { return *now }
	// lock holds tables in another session until the func it returns.
	lock = func(tables ...string) func() {
		t.Helper()
		// The transaction outlives this call: a context cancelled at its
		// return would roll it back.
		ctx := context.Background()
		tx, err := admin.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, tb := range tables {
			tables[i] = schema + "." + tb
		}
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+strings.Join(tables, ", ")+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		var once bool
		unlock := func() {
			if !once {
				once = true
				tx.Rollback()
			}
		}
		t.Cleanup(unlock)
		return unlock
	}
	return d, m, logs, lock, now
}

func errorLines(logs *syncBuf) int { return strings.Count(logs.String(), `"level":"ERROR"`) }

// TestPostgresWriteRacingACancellationLeavesTheStoreUp: a write that worked
// (a dedupe's, whose claim on the envelope the server stored) while a
// cancellation past cancelledDownAfter was marking the store down must not
// leave the store down: the database writes. Before, the write ended the
// run (cancelledSince set to 0) beside the cancellation's decision,
// unseen by it, and the store stayed down, store_ok 0, until the next
// check about a second later. runDownHook holds the cancellation between
// its decision and its report while the write ends the run.
func TestPostgresWriteRacingACancellationLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, lock, now := cancelRunStore(t)
	defer lock("claim_slot")()
	claims := 0
	cancelled := func() {
		t.Helper()
		claims++
		if ok, err := d.Claim(ctx, fmt.Sprintf("slot-%d", claims), "me", time.Minute); ok || err == nil {
			t.Fatalf("Claim on a locked table = %v, %v; want false and the server's cancellation", ok, err)
		}
	}
	for range 3 {
		cancelled()
		*now = now.Add(10 * time.Second)
	}
	*now = now.Add(time.Second)
	wrote := make(chan struct{})
	d.runDownHook = func() {
		go func() {
			d.wrote()
			close(wrote)
		}()
	}
	cancelled()
	<-wrote
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 {
		t.Errorf("a write that worked beside the cancellation that ended a run left the store down (store_ok %v):\n%s",
			testutil.ToFloat64(m.ok), logs.String())
	}
}

// TestPostgresIsolatedCancellationsAreNotARun: two statements the server
// cancelled 31 s apart, with reads that worked between them and nothing
// cancelled, are two isolated cancellations, not a run of them: the store
// stays up. Before, the second one marked the store down (one ERROR,
// store_ok 0) since no write had worked between them; a run now needs its
// cancellations close together (no gap past cancelledDownAfter/2).
func TestPostgresIsolatedCancellationsAreNotARun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, lock, now := cancelRunStore(t)
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	cancelled := func(id string) {
		t.Helper()
		defer lock("envelope_seen")()
		if ok, err := dd.FirstDelivery(ctx, id); !ok || err != nil {
			t.Fatalf("FirstDelivery on a locked table = %v, %v; want true, nil", ok, err)
		}
	}
	cancelled("E-isolated-1")
	for range 3 {
		*now = now.Add(10 * time.Second)
		if _, err := d.Snapshots(ctx, time.Time{}, 10); err != nil {
			t.Fatalf("a read between the cancellations failed: %v", err)
		}
	}
	*now = now.Add(time.Second)
	cancelled("E-isolated-2")
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(logs) != 0 {
		t.Errorf("two cancellations 31 s apart, reads working between, marked the store down (store_ok %v):\n%s",
			testutil.ToFloat64(m.ok), logs.String())
	}
}
