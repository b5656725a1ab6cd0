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
