package wire

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestPostgresPeriodicSweepPastALockedTableSweepsTheAuditTrail: a lock
// held on envelope_seen cancels the periodic sweep's DELETE there; the
// daily sweep of the audit trail, which that table has nothing to do with,
// must run all the same. Before, the sweep's error returned before it, at
// every sweep the lock lasted: the trail kept entries past its retention.
func TestPostgresPeriodicSweepPastALockedTableSweepsTheAuditTrail(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, _, logs, lock, _ := lockedStore(t, "300ms")
	old := time.Now().Add(-d.opts.Retention - time.Hour)
	if err := d.Store().Append(ctx, state.AuditEntry{At: old, Actor: "U1", Emails: []string{"ada@example.com"},
		Kind: state.KindLookup, Outcome: state.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	defer lock("envelope_seen")()
	var last time.Time
	d.sweep(ctx, &last)
	n, err := d.Store().CountAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || last.IsZero() {
		t.Errorf("sweep with envelope_seen locked: %d audit entries past retention left (daily sweep done: %v):\n%s", n, !last.IsZero(), logs.String())
	}
	if !strings.Contains(logs.String(), `"table":"envelope_seen"`) {
		t.Errorf("the sweep's warning names no table:\n%s", logs.String())
	}
}

// TestPostgresSweepOutOfTimeWarningNamesTheTable: a sweep statement that
// ran out of the sweep's time, not cancelled by the server, names its
// table in the warning, as a cancelled one does: the driver's error names
// none.
func TestPostgresSweepOutOfTimeWarningNamesTheTable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, _, logs, lock, _ := lockedStore(t, "")
	defer lock("scan_result")()
	// The budget covers the steps before scan_result too, and a new
	// connection for them: 1 s was sometimes spent connecting under a
	// loaded -race run ("sweep report snapshots: failed to connect"), and
	// the warning named report_scan. It stays under the connections'
	// lock_timeout (10 s): the sweep's deadline ends the wait, not the
	// server.
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := d.Store().Sweep(sctx, time.Now())
	scancel()
	if err == nil {
		t.Fatal("Sweep with scan_result locked: no error")
	}
	d.observe(err)
	if !strings.Contains(logs.String(), `"table":"scan_result"`) {
		t.Errorf("observe(%v): the warning names no table:\n%s", err, logs.String())
	}
}
