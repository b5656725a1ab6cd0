package wire

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
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
	admin, u, schema := postgresSchema(t)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	var logs syncBuf
	// The schema is made without the timeout: a migration may take longer.
	if first, _ := openTestDurable(t, u.String(), &logs); first.Store() == nil {
		t.Fatalf("store not open:\n%s", logs.String())
	}
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
