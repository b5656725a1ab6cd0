package wire

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestPostgresStatementTimeoutLeavesTheStoreUp: a database with a short
// statement_timeout (ALTER DATABASE … SET, a managed service's policy)
// cancels a statement that waits on another session's lock or a loaded
// server (57014), and lock_timeout one that waits on a lock (55P03). The
// database answered: the store must not be marked down for it, any more
// than for a dedupe past its own budget or a statement ended by a restart.
// Before, one such dedupe or audit write called the store down on the
// replica: lastactive_store_ok 0, the shared dedupe off (a redelivery to
// another replica answered twice), and audit and exempt saying the database
// was unavailable until the next check.
func TestPostgresStatementTimeoutLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, u, schema := migratedSchema(t)
	for _, c := range []struct{ name, param, value string }{
		{"statement_timeout", "statement_timeout", "100"},
		{"lock_timeout", "lock_timeout", "100"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := u.Query()
			q.Set(c.param, c.value)
			v := *u
			v.RawQuery = q.Encode()
			var logs syncBuf
			d, m := openTestDurable(t, v.String(), &logs)
			if d.Store() == nil {
				t.Fatalf("store not open:\n%s", logs.String())
			}
			before, err := d.Store().CountAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := admin.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, "LOCK TABLE "+schema+".envelope_seen, "+schema+".audit_entry IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
			dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
			if ok, err := dd.FirstDelivery(ctx, "E-locked-"+c.name); !ok || err != nil {
				t.Errorf("FirstDelivery on a locked table = %v, %v; want true, nil (from memory)", ok, err)
			}
			if !d.OK() {
				t.Errorf("a dedupe the database cancelled for its %s marked the store down while the database answers:\n%s", c.name, logs.String())
			}
			d.report(nil)
			w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
			w.write(ctx, event("U1", "ada@example.com"))
			if !d.OK() {
				t.Errorf("an audit write the database cancelled for its %s marked the store down while the database answers:\n%s", c.name, logs.String())
			}
			if len(w.backlog) != 1 {
				t.Errorf("%d entries kept for another try, want 1", len(w.backlog))
			}
			// Each is counted; under a lock held for minutes, every
			// envelope's would be logged.
			if n := strings.Count(logs.String(), "the database answers"); n != 1 {
				t.Errorf("%d warnings for two cancelled statements, want 1:\n%s", n, logs.String())
			}
			tx.Rollback()
			// The next write takes the one kept.
			w.write(ctx)
			if n, err := d.store.Load().CountAudit(ctx); err != nil || n != before+1 || len(w.backlog) != 0 {
				t.Errorf("after the lock: %d stored (%v), %d kept; want 1, 0", n-before, err, len(w.backlog))
			}
		})
	}
}

// TestPostgresCancelledRunMarksTheStoreDown: an isolated statement the
// server cancels leaves the store up, but when it cancels every statement
// for cancelledDownAfter (a table locked for minutes, storage stalled under
// a statement_timeout), no write working between, the store is down: one
// ERROR and lastactive_store_ok 0, as for any database writing nothing.
// The check (SHOW transaction_read_only) touches no table and answers
// through the lock: it must neither end the run nor call the store up
// while the tables stay locked. A write that works ends the run. Before,
// the store stayed up with every write cancelled.
func TestPostgresCancelledRunMarksTheStoreDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, u, schema := migratedSchema(t)
	var logs syncBuf
	q := u.Query()
	// lock_timeout, not statement_timeout: only the statements waiting on
	// the test's lock are cancelled, not one a loaded machine slows past
	// 100 ms (cancelRunStore).
	q.Set("lock_timeout", "100")
	u.RawQuery = q.Encode()
	d, m := openTestDurable(t, u.String(), &logs)
	if d.Store() == nil {
		t.Fatalf("store not open:\n%s", logs.String())
	}
	now := time.Now()
	start := now
	d.clock = func() time.Time { return now }
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	envelopes := 0
	cancelled := func(what string) {
		t.Helper()
		envelopes++
		if ok, err := dd.FirstDelivery(ctx, fmt.Sprintf("E-run-%d", envelopes)); !ok || err != nil {
			t.Fatalf("%s: FirstDelivery on a locked table = %v, %v; want true, nil", what, ok, err)
		}
	}
	lock := func() func() {
		t.Helper()
		tx, err := admin.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+schema+".envelope_seen, "+schema+".audit_entry, "+
			schema+".claim_slot, "+schema+".scan_result, "+schema+".report_scan IN ACCESS EXCLUSIVE MODE"); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		return func() { tx.Rollback() }
	}
	errorLines := func() int { return strings.Count(logs.String(), `"level":"ERROR"`) }

	unlock := lock()
	defer func() { unlock() }()
	cancelled("first")
	// A lock held cancels statements close together (the audit writer's
	// retries every 5 s, every envelope's dedupe): one every 10 s here.
	for now.Add(10 * time.Second).Before(start.Add(d.cancelledDownAfter)) {
		now = now.Add(10 * time.Second)
		cancelled("within the run")
	}
	now = start.Add(d.cancelledDownAfter - time.Second)
	cancelled("within the run")
	if !d.OK() || errorLines() != 0 {
		t.Fatalf("cancelled statements for less than %s marked the store down:\n%s", d.cancelledDownAfter, logs.String())
	}
	// The check answers through the lock: it does not end the run.
	d.ping(ctx)
	now = now.Add(2 * time.Second)
	cancelled("past the run")
	// The check decides, at once in serve (Run): its own write to the
	// tables is cancelled too.
	d.ping(ctx)
	if d.OK() || testutil.ToFloat64(m.ok) != 0 {
		t.Fatalf("every statement cancelled for %s, no write working: store_ok %v, want 0:\n%s",
			d.cancelledDownAfter+time.Second, testutil.ToFloat64(m.ok), logs.String())
	}
	// Nor does it call the store up while the tables stay locked.
	d.ping(ctx)
	d.ping(ctx)
	if d.OK() {
		t.Errorf("the check called the store up while every write is cancelled:\n%s", logs.String())
	}
	if n := errorLines(); n != 1 {
		t.Errorf("%d ERROR lines, want 1:\n%s", n, logs.String())
	}
	unlock()
	unlock = func() {}
	d.ping(ctx)
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 {
		t.Fatalf("store still down after the lock went:\n%s", logs.String())
	}

	// A write that works ends a run: a cancellation after it starts anew.
	unlock = lock()
	cancelled("a new run")
	unlock()
	unlock = func() {}
	w.write(ctx, event("U1", "ada@example.com"))
	if len(w.backlog) != 0 {
		t.Fatalf("audit write after the lock kept %d entries:\n%s", len(w.backlog), logs.String())
	}
	// Cancellations close together, 31 s after the run's first but 21 s
	// after the write.
	unlock = lock()
	for _, step := range []time.Duration{10 * time.Second, 10 * time.Second, 11 * time.Second} {
		now = now.Add(step)
		cancelled("after a write")
	}
	if !d.OK() {
		t.Errorf("a cancellation after a write that worked marked the store down:\n%s", logs.String())
	}
	if n := errorLines(); n != 1 {
		t.Errorf("%d ERROR lines, want 1:\n%s", n, logs.String())
	}
}

// migratedSchema is postgresSchema with the search path set in u and the
// schema migrated by a first Durable, without the timeouts the tests then
// set (a migration may take longer).
func migratedSchema(t *testing.T) (admin *sql.DB, u *url.URL, schema string) {
	t.Helper()
	admin, u, schema = postgresSchema(t)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	var logs syncBuf
	if first, _ := openTestDurable(t, u.String(), &logs); first.Store() == nil {
		t.Fatalf("store not open:\n%s", logs.String())
	}
	return admin, u, schema
}

// TestPostgresSweepEndsACancelledRun: the periodic sweep deleting from the
// tables is a write that worked, as the check's own sweep is: a
// cancellation after it starts a run anew. Before, an isolated
// cancellation, a sweep that worked and another cancellation past
// cancelledDownAfter marked the store down.
func TestPostgresSweepEndsACancelledRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, u, schema := migratedSchema(t)
	q := u.Query()
	// lock_timeout, not statement_timeout: only the statements waiting on
	// the test's lock are cancelled, not one a loaded machine slows past
	// 100 ms (cancelRunStore).
	q.Set("lock_timeout", "100")
	u.RawQuery = q.Encode()
	var logs syncBuf
	d, m := openTestDurable(t, u.String(), &logs)
	if d.Store() == nil {
		t.Fatalf("store not open:\n%s", logs.String())
	}
	now := time.Now()
	d.clock = func() time.Time { return now }
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	cancelled := func(id string) {
		t.Helper()
		tx, err := admin.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+schema+".envelope_seen IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		if ok, err := dd.FirstDelivery(ctx, id); !ok || err != nil {
			t.Fatalf("FirstDelivery on a locked table = %v, %v; want true, nil", ok, err)
		}
	}
	// Cancellations close together, 31 s from the first, the sweep 10 s
	// in.
	cancelled("E-sweep-1")
	now = now.Add(10 * time.Second)
	cancelled("E-sweep-2")
	last := time.Now()
	d.sweep(ctx, &last)
	now = now.Add(10 * time.Second)
	cancelled("E-sweep-3")
	now = now.Add(11 * time.Second)
	cancelled("E-sweep-4")
	if !d.OK() {
		t.Errorf("a cancellation after a sweep that worked marked the store down:\n%s", logs.String())
	}
}
