package wire

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/internal/state"
)

// TestPostgresLockedKeepOrReleaseTableIsObserved: a lock held on one of
// the keep-or-release tables cancels every statement on it (a click's
// Keep, a round's nudge, a release's claim) while the other tables write.
// As for exemption or claim_slot (TestPostgresOneLockedTableLeavesTheStoreUp,
// TestPostgresLockWaitPastTheCallersDeadlineLeavesTheStoreUp), the
// statements join the run of cancelled ones, the store stays up, and a
// WARN at most every cancelledDownAfter says a table's statements fail
// while the others write, naming it when the server cancelled them.
// Before, the nudge store's statements reported to nothing: two minutes
// of clicks cancelled on a locked nudge table left no line naming it, no
// run, no check.
func TestPostgresLockedKeepOrReleaseTableIsObserved(t *testing.T) {
	for _, tc := range []struct {
		table string
		call  func(ctx context.Context, d *Durable) error
	}{
		{"nudge", func(ctx context.Context, d *Durable) error {
			_, _, err := d.nudges().PutNudge(ctx, state.Nudge{Round: "r1", AccountID: fmt.Sprint("acc-", time.Now().UnixNano()), Product: "ari:site/1"})
			return err
		}},
		{"nudge", func(ctx context.Context, d *Durable) error { // a read
			_, err := d.nudges().Unanswered(ctx)
			return err
		}},
		{"release_request", func(ctx context.Context, d *Durable) error {
			_, err := d.nudges().Decide(ctx, "req-1", "U2", state.DecisionApprove, time.Now())
			return err
		}},
		{"release_done", func(ctx context.Context, d *Durable) error {
			_, err := d.nudges().ClaimRelease(ctx, state.Release{ID: fmt.Sprint("rel-", time.Now().UnixNano()), AccountID: "acc-1", Product: "ari:site/1"})
			return err
		}},
		// The engine's own audit entries join the same run: the audit
		// run's check writes on the caller's goroutine with the caller's
		// context, done by then when its deadline ended the wait, and so
		// never decided (the audit writer's context outlives its writes).
		{"audit_entry", func(ctx context.Context, d *Durable) error {
			return d.nudges().Append(ctx, state.AuditEntry{Actor: "U1", Kind: state.KindNudge, Outcome: state.OutcomeOK})
		}},
	} {
		for _, lockTimeout := range []string{"100", ""} {
			name := tc.table + "/lock_timeout=" + cmp.Or(lockTimeout, "default")
			t.Run(name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				d, m, logs, lock, now := lockedStore(t, lockTimeout)
				unlock := lock(tc.table)
				// Two minutes of one statement every 5 s, the check every
				// 30 s. With the default lock_timeout (10 s) the caller's
				// deadline ends each wait, as a click's would.
				for i := 1; i <= 24; i++ {
					*now = now.Add(5 * time.Second)
					cctx, ccancel := context.WithTimeout(ctx, lockWaitDeadline)
					if lockTimeout != "" {
						cctx, ccancel = context.WithCancel(ctx)
					}
					err := tc.call(cctx, d)
					ccancel()
					if err == nil {
						t.Fatalf("a statement on the locked %s worked", tc.table)
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
				want := []string{`"level":"WARN"`, "the other tables write"}
				if lockTimeout != "" {
					want = append(want, `"table":"`+tc.table+`"`)
				}
				if n := countLines(logs, want...); n < 1 || n > 5 {
					t.Errorf("%d warnings holding %s in 2 minutes, want 1 to 5:\n%s", n, strings.Join(want, " "), logs.String())
				}
				unlock()
			})
		}
	}
}

// TestPostgresNudgeStoreRefusedValueLeavesTheStoreUp: PostgreSQL refuses a
// NUL in a text value (22021), which an Atlassian answer can carry in an
// account ID ("\u0000" in its JSON) into a round's nudge. The database
// answered, as for a value state refuses itself (ErrInvalid): the nudge
// fails and the store stays up. Observed as a failure since the nudge
// store's errors are, it marked the store down (an ERROR, store_ok 0, the
// shared dedupe, claims and audit off) until the next check, each round.
func TestPostgresNudgeStoreRefusedValueLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, m, logs, _, _ := lockedStore(t, "")
	_, _, err := d.nudges().PutNudge(ctx, state.Nudge{Round: "r1", AccountID: "acc-\x00-1", Product: "ari:site/1"})
	if err == nil {
		t.Fatal("PostgreSQL stored a NUL in a text column")
	}
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 || errorLines(logs) != 0 {
		t.Errorf("a value PostgreSQL refused (%v) marked the store down (store_ok %v):\n%s", err, testutil.ToFloat64(m.ok), logs.String())
	}
}
