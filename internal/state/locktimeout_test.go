package state

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPostgresLockTimeoutFromTheURL: the store's connections wait at most
// 10 s for another session's lock, unless the URL says otherwise, in
// either of PostgreSQL's forms: lock_timeout=… or libpq's
// options=-c lock_timeout=… (as PGOPTIONS gives it too). Before, the
// options form was overridden by the default without a word: the server
// applies the startup packet's own settings after the options.
func TestPostgresLockTimeoutFromTheURL(t *testing.T) {
	t.Parallel()
	base := postgresFixture(t)
	for _, c := range []struct{ param, value, want string }{
		{"", "", "10s"},
		{"lock_timeout", "3s", "3s"},
		{"options", "-c lock_timeout=4s", "4s"},
		{"options", "-c statement_timeout=20s --idle-in-transaction-session-timeout=60s", "10s"},
		{"options", "--lock-timeout=5s", "5s"},
	} {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		if c.param != "" {
			// %20, not Encode's +, as libpq's URIs spell a space.
			u.RawQuery += "&" + c.param + "=" + strings.ReplaceAll(url.QueryEscape(c.value), "+", "%20")
		}
		s := open(t, u.String())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var got string
		if err := s.db.QueryRowContext(ctx, "SHOW lock_timeout").Scan(&got); err != nil {
			t.Fatal(err)
		}
		cancel()
		if got != c.want {
			t.Errorf("%s=%q: lock_timeout %s, want %s", c.param, c.value, got, c.want)
		}
	}
}

// TestPostgresSweepPastALockShorterThanTheLockTimeout: with the default
// lock_timeout (10 s) and a sweep given less (the durable store's check
// has 5 s), a lock another session holds on envelope_seen, the sweep's
// first table, must not keep it from the others: the expired claim goes,
// and the sweep says a statement failed. Before, its DELETE waited the
// sweep's whole deadline, the server never cancelling it first, and
// nothing else was swept (the check then called the store down though
// every other table writes).
func TestPostgresSweepPastALockShorterThanTheLockTimeout(t *testing.T) {
	t.Parallel()
	base := postgresFixture(t)
	s := open(t, base)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ok, err := s.Claim(ctx, "digest", "me", time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v, %v", ok, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE envelope_seen IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
	_, err = s.Sweep(sctx, time.Now().Add(time.Hour))
	late := sctx.Err()
	scancel()
	if err == nil {
		t.Error("Sweep with envelope_seen locked: no error")
	}
	var claims int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM claim_slot").Scan(&claims); err != nil {
		t.Fatal(err)
	}
	if claims != 0 {
		t.Errorf("envelope_seen locked: %d expired claims left unswept (the sweep's own deadline passed: %v), want 0", claims, late)
	}
}

// TestPostgresSweepRetriesATableThatOutlastedItsShare: a table whose
// DELETE runs out of its share of the sweep's deadline (a lock held on
// it, a large expiry) is tried again, after the other tables, with all
// the time left: the share is there so that it cannot starve the others,
// not to cut it short. Before, it was passed over for good: the periodic
// sweep's envelope_seen had a fifth of its minute where it had had all of
// it, and was rolled back at every sweep however fast the others went.
// Here the lock on envelope_seen goes as soon as claim_slot, swept after
// it, is written; the expired envelope must go in the same sweep, and an
// error, if any, names the table.
func TestPostgresSweepRetriesATableThatOutlastedItsShare(t *testing.T) {
	t.Parallel()
	base := postgresFixture(t)
	s := open(t, base)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if ok, err := s.Claim(ctx, "digest", "me", time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v, %v", ok, err)
	}
	if err := s.RecordEnvelopes(ctx, []string{"env-1"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE envelope_seen IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	s.OnWrite(func(table string) {
		if table == "claim_slot" {
			tx.Rollback()
		}
	})
	// 5 s, as the check's: a share of 1 s, less than the lock_timeout
	// (10 s), so that only the share ends the first DELETE.
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = s.Sweep(sctx, time.Now().Add(time.Hour))
	scancel()
	var seen, claims int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM envelope_seen").Scan(&seen); err != nil {
		t.Fatal(err)
	}
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM claim_slot").Scan(&claims); err != nil {
		t.Fatal(err)
	}
	if seen != 0 || claims != 0 {
		t.Errorf("after the sweep (err %v): %d expired envelopes, %d expired claims left, want 0 and 0", err, seen, claims)
	}
	if err != nil && !strings.Contains(err.Error(), "envelope_seen") {
		t.Errorf("sweep error names no table: %v", err)
	}
}

// TestPostgresSweepErrorNamesItsTable: a sweep statement that runs out of
// its time says which table it was on, in its message and to
// SweptTable; the periodic sweep's warning named none.
func TestPostgresSweepErrorNamesItsTable(t *testing.T) {
	t.Parallel()
	base := postgresFixture(t)
	s := open(t, base)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE scan_result IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
	_, err = s.Sweep(sctx, time.Now().Add(time.Hour))
	scancel()
	if err == nil {
		t.Fatal("Sweep with scan_result locked: no error")
	}
	if got := SweptTable(err); got != "scan_result" || !strings.Contains(err.Error(), "scan_result") {
		t.Errorf("SweptTable = %q, error %q: want scan_result named", got, err)
	}
}
