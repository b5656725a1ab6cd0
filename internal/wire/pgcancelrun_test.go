package wire

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/bot"
	"lastactive/internal/state"
)

// cancelRunStore opens a Durable on a migrated schema of its own with a
// 100 ms lock_timeout and a clock the test moves. A statement waiting on a
// table lock holds is cancelled by the server (55P03, CancelledByServer as
// 57014 is); one on a table no lock holds is not, however long a loaded
// machine makes it. Before, a 100 ms statement_timeout cancelled those too
// when the server was starved (SQLSTATE 57014 on the setup's SaveSnapshot,
// a Claim that must work): the test failed, not the code.
func cancelRunStore(t *testing.T) (d *Durable, m *StoreMetrics, logs *syncBuf, lock func(tables ...string) func(), now *time.Time) {
	t.Helper()
	return lockedStore(t, "100")
}

// lockedStore is cancelRunStore with the URL's lock_timeout (ms, or a
// PostgreSQL duration); "": none, the store's default (10 s).
func lockedStore(t *testing.T, lockTimeout string) (d *Durable, m *StoreMetrics, logs *syncBuf, lock func(tables ...string) func(), now *time.Time) {
	t.Helper()
	admin, u, schema := migratedSchema(t)
	if lockTimeout != "" {
		q := u.Query()
		q.Set("lock_timeout", lockTimeout)
		u.RawQuery = q.Encode()
	}
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
// its decision and its report while the write ends the run. The decision
// is the check's (decideRun), with every table its sweep writes locked.
func TestPostgresWriteRacingACancellationLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, lock, now := cancelRunStore(t)
	defer lock("claim_slot", "envelope_seen", "scan_result", "report_scan")()
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
	d.ping(ctx)
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

// TestPostgresLockedAuditTableLeavesTheStoreUp: a lock held on audit_entry
// alone cancels every audit write, while the other tables write. The store
// stays up (the shared dedupe, the claims, nudges and exemptions work; the
// entries wait in the backlog, each failed write counted), and one WARN
// names the table at most every cancelledDownAfter. Before, 30 s of audit
// writes cancelled marked the store down (ERROR), the check's sweep wrote
// the other tables and marked it up, and the next audit write cancelled
// started the run again: down and up every 30 s, an ERROR each time.
// Every table locked, the audit writes alone still mark the store down:
// the check's write to the other tables is cancelled too.
func TestPostgresLockedAuditTableLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, m, logs, lock, now := cancelRunStore(t)
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(logs, nil)), m)
	unlock := lock("audit_entry")
	w.write(ctx, event("U1", "ada@example.com"))
	if len(w.backlog) != 1 {
		t.Fatalf("%d entries kept, want the one cancelled:\n%s", len(w.backlog), logs.String())
	}
	// Two minutes of the writer's retries, every 5 s, and the check every 30 s.
	for i := 1; i <= 24; i++ {
		*now = now.Add(auditRetryEvery)
		w.write(ctx)
		if i%6 == 0 {
			d.ping(ctx)
		}
		if !d.OK() {
			t.Fatalf("after %s of audit writes cancelled, the other tables writing: store down:\n%s",
				time.Duration(i)*auditRetryEvery, logs.String())
		}
	}
	if n := errorLines(logs); n != 0 {
		t.Errorf("%d ERROR lines, want 0:\n%s", n, logs.String())
	}
	named := countLines(logs, `"table":"audit_entry"`, "the other tables write")
	if named < 1 || named > 5 {
		t.Errorf("%d warnings naming audit_entry in 2 minutes, want 1 to 5:\n%s", named, logs.String())
	}
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	if ok, err := dd.FirstDelivery(ctx, "E-audit-locked"); !ok || err != nil || d.Store() == nil {
		t.Errorf("dedupe beside the locked audit table = %v, %v (store %v)", ok, err, d.Store() != nil)
	}
	unlock()
	w.write(ctx)
	if len(w.backlog) != 0 || !d.OK() {
		t.Fatalf("after the lock: %d kept, store ok %v:\n%s", len(w.backlog), d.OK(), logs.String())
	}

	// Every table locked and only the writer's retries: the store is down,
	// one ERROR, and back once the lock goes.
	unlock = lock("audit_entry", "envelope_seen", "claim_slot", "scan_result", "report_scan")
	w.write(ctx, event("U1", "bob@example.com"))
	for range 7 {
		*now = now.Add(auditRetryEvery)
		w.write(ctx)
	}
	if d.OK() || testutil.ToFloat64(m.ok) != 0 {
		t.Errorf("every table locked, audit writes cancelled for %s: store still up:\n%s", 7*auditRetryEvery, logs.String())
	}
	if n := errorLines(logs); n != 1 {
		t.Errorf("%d ERROR lines, want 1:\n%s", n, logs.String())
	}
	unlock()
	d.ping(ctx)
	w.write(ctx)
	if !d.OK() || len(w.backlog) != 0 {
		t.Errorf("after the lock: store ok %v, %d kept:\n%s", d.OK(), len(w.backlog), logs.String())
	}
}

// TestPostgresEveryWriteEndsACancelledRun: a write that worked ends a run of
// cancelled statements whatever wrote it (the claims, the report history,
// an exemption, keep or release), as the dedupe's, the audit writer's and
// the sweep's do. Each case holds a lock on envelope_seen throughout: the
// dedupe is cancelled 0, 10, 20 and 31 s in, the write works 15 s in.
// Before, only the dedupe, envelope-log, audit and sweep writes ended a
// run: a store whose dedupe table was locked but whose claims wrote was
// marked down (an ERROR, store_ok 0), and with it every claim, nudge and
// exemption that worked.
func TestPostgresEveryWriteEndsACancelledRun(t *testing.T) {
	var snapshot string // MarkSnapshotPosted's, saved before the run
	writes := []struct {
		name  string
		write func(ctx context.Context, d *Durable) error
	}{
		{"Claim", func(ctx context.Context, d *Durable) error {
			_, err := d.Claim(ctx, "digest", "me", time.Minute)
			return err
		}},
		{"Release", func(ctx context.Context, d *Durable) error { return d.Release(ctx, "digest", "me") }},
		{"ClaimShare", func(ctx context.Context, d *Durable) error {
			_, _, err := ShareClaims{D: d}.ClaimShare(ctx, "C1 1.2", time.Minute)
			return err
		}},
		{"SaveSnapshot", func(ctx context.Context, d *Durable) error {
			_, err := d.SaveSnapshot(ctx, state.Snapshot{IdleDays: 90, Rows: []state.SnapshotRow{{Product: "jira-software", Site: "a.atlassian.net", Seats: 1}}})
			return err
		}},
		{"MarkSnapshotPosted", func(ctx context.Context, d *Durable) error { return d.MarkSnapshotPosted(ctx, snapshot) }},
		{"PutExemption", func(ctx context.Context, d *Durable) error {
			return ExemptionStore{D: d}.PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "jira-software", By: "U1", Created: time.Now()})
		}},
		{"PutNudge", func(ctx context.Context, d *Durable) error {
			_, _, err := d.nudges().PutNudge(ctx, state.Nudge{Round: "r1", AccountID: "acc-1", Product: "ari:site/1"})
			return err
		}},
	}
	for _, tc := range writes {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			d, m, logs, lock, now := cancelRunStore(t)
			var err error
			if snapshot, err = d.Store().SaveSnapshot(ctx, state.Snapshot{IdleDays: 90}); err != nil {
				t.Fatal(err)
			}
			dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
			defer lock("envelope_seen")()
			envelopes := 0
			cancelled := func() {
				t.Helper()
				envelopes++
				if ok, err := dd.FirstDelivery(ctx, fmt.Sprintf("E-%s-%d", tc.name, envelopes)); !ok || err != nil {
					t.Fatalf("FirstDelivery on a locked table = %v, %v; want true, nil", ok, err)
				}
			}
			cancelled()
			*now = now.Add(10 * time.Second)
			cancelled()
			*now = now.Add(5 * time.Second)
			if err := tc.write(ctx, d); err != nil {
				t.Fatalf("%s beside the locked envelope_seen: %v", tc.name, err)
			}
			*now = now.Add(5 * time.Second)
			cancelled()
			*now = now.Add(11 * time.Second)
			cancelled()
			if !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(logs) != 0 {
				t.Errorf("a cancellation 16 s after %s worked marked the store down (store_ok %v):\n%s",
					tc.name, testutil.ToFloat64(m.ok), logs.String())
			}
		})
	}
}

// TestPostgresOneLockedTableLeavesTheStoreUp: a lock held on one table
// (exemption, which the check's sweep does not touch; claim_slot, which
// it does after envelope_seen) cancels every statement on it while the
// other tables write. When only those statements run, the store stays up
// (the dedupe, audit trail and the rest work) with one WARN naming the
// table at most every cancelledDownAfter. Before, 30 s of them marked the
// store down (an ERROR), the check's sweep wrote the other tables and
// marked it up, and the next one started the run again: down and up every
// 30 s.
func TestPostgresOneLockedTableLeavesTheStoreUp(t *testing.T) {
	for _, tc := range []struct {
		table string
		write func(ctx context.Context, d *Durable) error
	}{
		{"exemption", func(ctx context.Context, d *Durable) error {
			return ExemptionStore{D: d}.PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "jira-software", By: "U1", Created: time.Now()})
		}},
		{"claim_slot", func(ctx context.Context, d *Durable) error {
			_, err := d.Claim(ctx, "digest", "me", time.Minute)
			return err
		}},
		// The sweep's first statement is on envelope_seen: the other
		// tables must still be written when it is cancelled. App Home
		// opens and duplicates are deduped with no audit entry.
		{"envelope_seen", func(ctx context.Context, d *Durable) error {
			// StoreDeduper's own: it answers from memory, nil, and has
			// the Durable observe the cancellation.
			_, err := d.Store().FirstDelivery(ctx, fmt.Sprintf("E-locked-%d", time.Now().UnixNano()), time.Minute)
			if err != nil {
				d.observe(err)
			}
			return err
		}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			d, m, logs, lock, now := cancelRunStore(t)
			unlock := lock(tc.table)
			// Two minutes of one statement every 5 s, the check every 30 s.
			for i := 1; i <= 24; i++ {
				*now = now.Add(5 * time.Second)
				if err := tc.write(ctx, d); err == nil && d.OK() {
					t.Fatalf("a write to the locked %s worked", tc.table)
				}
				if i%6 == 0 {
					d.ping(ctx)
				}
				if !d.OK() || testutil.ToFloat64(m.ok) != 1 {
					t.Fatalf("after %s of statements on %s cancelled, the other tables writing: store down:\n%s",
						time.Duration(i)*5*time.Second, tc.table, logs.String())
				}
			}
			if n := errorLines(logs); n != 0 {
				t.Errorf("%d ERROR lines, want 0:\n%s", n, logs.String())
			}
			named := countLines(logs, `"table":"`+tc.table+`"`, "the other tables write")
			if named < 1 || named > 5 {
				t.Errorf("%d warnings naming %s in 2 minutes, want 1 to 5:\n%s", named, tc.table, logs.String())
			}
			unlock()
			if err := tc.write(ctx, d); err != nil || !d.OK() {
				t.Errorf("after the lock: %v, store ok %v:\n%s", err, d.OK(), logs.String())
			}
		})
	}
}

// TestPostgresRunDecidesACancelledRunAtOnce: in serve, a run of cancelled
// statements past cancelledDownAfter has Run check at once, not at the next
// PingEvery (30 s, an hour here): every table locked, the check's write is
// cancelled too and the store is down.
func TestPostgresRunDecidesACancelledRunAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, lock, _ := cancelRunStore(t)
	d.opts.PingEvery, d.opts.SweepEvery = time.Hour, time.Hour
	// Run reads the clock too (its first sweep's cancellation, the check).
	var at atomic.Int64
	at.Store(time.Now().UnixNano())
	d.clock = func() time.Time { return time.Unix(0, at.Load()) }
	decided := make(chan struct{})
	d.runDownHook = func() { close(decided) }
	// audit_entry too: Run's first sweep sweeps the audit trail even when
	// the other tables' sweep was cancelled, and a DELETE there that
	// worked would be a write, ending the run.
	defer lock("claim_slot", "envelope_seen", "scan_result", "report_scan", "audit_entry")()
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	for i := range 4 {
		if i > 0 {
			at.Add(int64(11 * time.Second))
		}
		if ok, err := d.Claim(ctx, fmt.Sprintf("slot-%d", i), "me", time.Minute); ok || err == nil {
			t.Fatalf("Claim on a locked table = %v, %v", ok, err)
		}
	}
	select {
	case <-decided:
	case <-ctx.Done():
		t.Fatalf("a run of 33 s not decided by the check:\n%s", logs.String())
	}
	// The hook runs before the report, both under runMu.
	d.runMu.Lock()
	d.runMu.Unlock()
	if d.OK() || testutil.ToFloat64(m.ok) != 0 {
		t.Errorf("every table locked, the run decided: store up:\n%s", logs.String())
	}
}

// TestPostgresLockedDedupeTableIsNamed: a lock held on envelope_seen alone,
// the audit writes working, leaves the store up and the shared dedupe
// answering from each process's memory (replicas may both answer one
// envelope). The warning, at most every 10 s, names the table. Before, it
// was the generic "operation failed; the database answers" with the
// driver's error, which names none.
func TestPostgresLockedDedupeTableIsNamed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, lock, now := cancelRunStore(t)
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(logs, nil)), m)
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	defer lock("envelope_seen")()
	for i := range 12 {
		*now = now.Add(5 * time.Second)
		if ok, err := dd.FirstDelivery(ctx, fmt.Sprintf("E-named-%d", i)); !ok || err != nil {
			t.Fatalf("FirstDelivery on a locked table = %v, %v; want true, nil", ok, err)
		}
		w.write(ctx, event("U1", "ada@example.com"))
		if len(w.backlog) != 0 || !d.OK() {
			t.Fatalf("audit write beside the locked envelope_seen: %d kept, store ok %v:\n%s", len(w.backlog), d.OK(), logs.String())
		}
	}
	warned := countLines(logs, `"level":"WARN"`)
	named := countLines(logs, `"level":"WARN"`, `"table":"envelope_seen"`)
	if named == 0 || named != warned || named > 7 {
		t.Errorf("%d of %d warnings in 60 s name envelope_seen, want all, 1 to 7:\n%s", named, warned, logs.String())
	}
}

// countLines counts the lines of logs holding every one of subs.
func countLines(logs *syncBuf, subs ...string) int {
	n := 0
lines:
	for _, l := range strings.Split(logs.String(), "\n") {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue lines
			}
		}
		n++
	}
	return n
}

// TestPostgresRunEndedBeforeItsDecisionDecidesNothing: the check asks
// cancelledDown, then decideRun decides, and a write that works between
// the two (any caller's: runMu is not held across) ends the run. The
// decision then found no run (since 0) and still wrote the sweep and
// warned of a table locked for the time since 1970 ("cancelled_for"
// 490,000 h and more), a lock already gone.
func TestPostgresRunEndedBeforeItsDecisionDecidesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, lock, now := cancelRunStore(t)
	unlock := lock("exemption")
	for range 8 {
		*now = now.Add(5 * time.Second)
		if err := (ExemptionStore{D: d}).PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "jira-software", By: "U1", Created: time.Now()}); err == nil {
			t.Fatal("a write to the locked exemption worked")
		}
	}
	unlock()
	if !d.cancelledDown() {
		t.Fatalf("40 s of cancelled statements: no run to decide:\n%s", logs.String())
	}
	// The write between the check's question and its decision.
	if _, err := d.Claim(ctx, "digest", "me", time.Minute); err != nil {
		t.Fatal(err)
	}
	if down := d.decideRun(ctx, d.Store()); down || !d.OK() || testutil.ToFloat64(m.ok) != 1 {
		t.Errorf("a run ended before its decision: down %v, store ok %v:\n%s", down, d.OK(), logs.String())
	}
	if n := countLines(logs, "the other tables write"); n != 0 {
		t.Errorf("%d warnings of a locked table for a run a write had ended:\n%s", n, logs.String())
	}
}
