package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// TestNudgeOnLockedTablesEnds: another PostgreSQL session holding the nudge
// tables locked (a migration of a newer replica stuck in its transaction, an
// admin's psql after LOCK TABLE) made `lastactive nudge --dry-run` wait for
// ever after its org scan, and a scheduled round for up to 45 minutes: the
// engine's statements run with the round's own long context. Now every
// connection has a lock_timeout (10 s unless the URL sets one), and the
// round ends with an error naming the lock.
func TestNudgeOnLockedTablesEnds(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	f.db = postgresDatabase(t)
	env := f.env("LASTACTIVE_SEAT_PRICES=jira-software=8.60,confluence=6.05")
	if r := runBinary(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	db, err := sql.Open("pgx", f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	if _, err := conn.ExecContext(ctx, "LOCK TABLE exemption, nudge, release_request, nudge_dry_run, claim_slot IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, env, "", "nudge", "--dry-run")
	if r.code == -1 {
		t.Fatal("nudge --dry-run did not end while the nudge tables were locked")
	}
	if r.code == 0 || !strings.Contains(r.stderr, "lock") {
		t.Errorf("nudge --dry-run on locked tables: exit %d, stderr %q; want a failure naming the lock", r.code, r.stderr)
	}
}
