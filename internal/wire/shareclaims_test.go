package wire

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestShareClaimOutOfItsBudgetLeavesTheStoreUp: a Share's claim has half a
// second (the bot's budget: a slow database costs the double click's guard
// across replicas, not the Share). A claim that ran out of it while another
// writer held SQLite's write lock, as the daily audit sweep or a stored org
// scan does for seconds, marked the whole store unavailable: store_ok 0, the
// error line 'state store unavailable', and until the next check every
// dedupe, claim and audit entry off the store, though every other write
// simply waited its turn.
func TestShareClaimOutOfItsBudgetLeavesTheStoreUp(t *testing.T) {
	t.Parallel()
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	ctx := context.Background()
	conn := lockSQLite(t, path, "BEGIN IMMEDIATE")
	c := ShareClaims{D: d}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	won, _, err := c.ClaimShare(cctx, "k1", time.Minute)
	cancel()
	if err == nil || won {
		t.Fatalf("claim while another writer holds the lock: won %v, err %v; want its budget run out", won, err)
	}
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 {
		t.Errorf("a Share claim that ran out of its own budget marked the store unavailable:\n%s", logs.String())
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if won, release, err := c.ClaimShare(ctx, "k1", time.Minute); err != nil || !won || release == nil {
		t.Fatalf("claim once the lock is free: won %v, err %v", won, err)
	}
}
