package wire

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/bot"
)

// lockWaitDeadline is the caller's deadline in these tests: shorter than
// the store's default lock_timeout (10 s), as the audit writer's 5 s, a
// share's or a slot's release (2 s, 5 s) and the exempt command's reads
// (3 s) are, so that the caller's deadline, not the server, ends a wait
// for another session's lock.
const lockWaitDeadline = 300 * time.Millisecond

// TestPostgresLockWaitPastTheCallersDeadlineLeavesTheStoreUp: with the
// store's default lock_timeout (10 s, no setting in the URL), a statement
// waiting on a lock another session holds runs out of its caller's
// shorter deadline before the server cancels it. The database answers:
// the store must stay up (store_ok 1, no ERROR), as it does for the
// server's own cancellation, and a run of such waits with the other
// tables writing leaves it up with a warning. Before, each such statement
// marked the store down (an ERROR, store_ok 0, the shared dedupe, claims
// and audit turned off) until the next check a second later: a lock held
// for minutes flapped it down and up. The cancelled-run tests never saw
// it: they set a 100 ms lock_timeout, shorter than every caller's.
func TestPostgresLockWaitPastTheCallersDeadlineLeavesTheStoreUp(t *testing.T) {
	for _, tc := range []struct {
		table string
		write func(ctx context.Context, d *Durable) error
		// also are tables locked beside table.
		also []string
	}{
		{"exemption", func(ctx context.Context, d *Durable) error {
			return ExemptionStore{D: d}.PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "jira-software", By: "U1", Created: time.Now()})
		}, nil},
		{"claim_slot", func(ctx context.Context, d *Durable) error {
			return d.Release(ctx, "digest", "me")
		}, nil},
		// The check's sweep begins with envelope_seen: waiting there its
		// whole 5 s, it wrote none of the other tables, and the store was
		// called down, though they write.
		{"exemption", func(ctx context.Context, d *Durable) error {
			return ExemptionStore{D: d}.PutExemption(ctx, bot.Exemption{Email: "ada@example.com", Product: "jira-software", By: "U1", Created: time.Now()})
		}, []string{"envelope_seen"}},
	} {
		t.Run(strings.Join(append([]string{tc.table}, tc.also...), ","), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			d, m, logs, lock, now := lockedStore(t, "")
			unlock := lock(append([]string{tc.table}, tc.also...)...)
			// A minute of one statement every 5 s, the check every 30 s.
			for i := 1; i <= 12; i++ {
				*now = now.Add(5 * time.Second)
				wctx, wcancel := context.WithTimeout(ctx, lockWaitDeadline)
				err := tc.write(wctx, d)
				wcancel()
				if err == nil {
					t.Fatalf("a write to the locked %s worked", tc.table)
				}
				if i%6 == 0 {
					d.ping(ctx)
				}
				if !d.OK() || testutil.ToFloat64(m.ok) != 1 {
					t.Fatalf("after %s of statements on the locked %s past their deadline, the other tables writing: store down:\n%s",
						time.Duration(i)*5*time.Second, tc.table, logs.String())
				}
			}
			if n := errorLines(logs); n != 0 {
				t.Errorf("%d ERROR lines, want 0:\n%s", n, logs.String())
			}
			if n := countLines(logs, `"level":"WARN"`, "the other tables write"); n != 1 {
				t.Errorf("%d warnings that a table's statements fail while the others write, want 1:\n%s", n, logs.String())
			}
			unlock()
			if err := tc.write(ctx, d); err != nil || !d.OK() {
				t.Errorf("after the lock: %v, store ok %v:\n%s", err, d.OK(), logs.String())
			}
		})
	}
}

// TestPostgresDeadlineOnAServerThatStoppedAnsweringCallsItDown: a
// statement past its caller's deadline is a wait, not the store down
// (TestPostgresLockWaitPastTheCallersDeadlineLeavesTheStoreUp), but it
// asks Run to check at once (probeNow), not at the next PingEvery, and on
// a server that stopped answering that check calls the store down. The
// test makes the check Run would (Run's first sweep on the frozen server
// would hold it a minute).
func TestPostgresDeadlineOnAServerThatStoppedAnsweringCallsItDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := openPGDurable(t, true)
	p.freeze()
	wctx, wcancel := context.WithTimeout(ctx, lockWaitDeadline)
	err := p.d.Release(wctx, "digest", "me")
	wcancel()
	if err == nil {
		t.Fatal("Release on a frozen server worked")
	}
	select {
	case <-p.d.probeNow:
	default:
		t.Fatalf("a statement past its deadline asked for no check:\n%s", p.logs.String())
	}
	p.d.ping(ctx)
	if p.d.OK() || testutil.ToFloat64(p.m.ok) != 0 {
		t.Errorf("a statement past its deadline on a frozen server, then the check: store up (store_ok %v):\n%s",
			testutil.ToFloat64(p.m.ok), p.logs.String())
	}
}

// TestPostgresAuditWritePastItsDeadlineLeavesTheStoreUp: with the default
// lock_timeout (10 s), an audit write waiting on a lock held on
// audit_entry runs out of its own 5 s first. The entry is kept for another
// try and the store stays up (the audit run decides later, as for the
// server's cancellation). Before, the write marked the store down, an
// ERROR, and the dedupe, claims and exemptions with it, every 5 s of
// retries while the lock was held.
func TestPostgresAuditWritePastItsDeadlineLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, m, logs, lock, _ := lockedStore(t, "")
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(logs, nil)), m)
	unlock := lock("audit_entry")
	w.write(ctx, event("U1", "ada@example.com"))
	if len(w.backlog) != 1 {
		t.Fatalf("%d entries kept, want the one past its deadline:\n%s", len(w.backlog), logs.String())
	}
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(logs) != 0 {
		t.Errorf("an audit write past its deadline on a locked audit_entry marked the store down (store_ok %v):\n%s",
			testutil.ToFloat64(m.ok), logs.String())
	}
	unlock()
	w.write(ctx)
	if len(w.backlog) != 0 || !d.OK() {
		t.Errorf("after the lock: %d kept, store ok %v:\n%s", len(w.backlog), d.OK(), logs.String())
	}
}
