package state

import (
	"context"
	"database/sql"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"
)

// postgresDatabaseWith makes a database of its own in
// LASTACTIVE_TEST_POSTGRES_URL's server with settings (ALTER DATABASE …
// SET, as a managed service or an admin configures one) and returns its
// URL, dropped at cleanup. It skips when the user may not create
// databases.
func postgresDatabaseWith(t *testing.T, settings ...string) string {
	t.Helper()
	base := os.Getenv("LASTACTIVE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL; see README)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("admin connection: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var may bool
	if err := admin.QueryRowContext(ctx, `SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&may); err != nil {
		t.Fatal(err)
	}
	if !may {
		t.Skip("the user of LASTACTIVE_TEST_POSTGRES_URL may not create databases")
	}
	name := fmt.Sprintf("t_db_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	for _, set := range settings {
		if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET "+set); err != nil {
			t.Fatalf("ALTER DATABASE SET %s: %v", set, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestPostgresSerializableDatabase: a database whose
// default_transaction_isolation is serializable (set by an admin for
// another application, or a managed service's policy). The store's writes
// are made for read committed: under serializable, appends from two
// replicas at once failed with "could not serialize access" (SQLSTATE
// 40001), counted as the store down, and two clicks on one release made
// one fail instead of losing. The store's connections now read committed
// whatever the database's default.
func TestPostgresSerializableDatabase(t *testing.T) {
	t.Parallel()
	db := postgresDatabaseWith(t, "default_transaction_isolation = serializable")
	admin, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	// A schema per case in that database, as postgresFixture does.
	fresh := func(t testing.TB) string {
		schema := fmt.Sprintf("t_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		u, _ := url.Parse(db)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, fresh fixture)
	}{
		{"ConcurrentAppendsFromTwoStores", testConcurrentAppends},
		{"ClaimRace", testClaimRace},
		{"FirstDeliveryRace", testFirstDeliveryRace},
		{"ReleaseOnceUndoOnce", testReleaseOnce},
		{"FirstDecisionWins", testFirstDecisionWins},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, fresh)
		})
	}
}

// TestPostgresSweepUnderAStatementTimeout: a role with a short
// statement_timeout (a managed service's policy: ALTER ROLE … SET
// statement_timeout) and a trail with many entries past retention (the
// first sweep after a lower LASTACTIVE_AUDIT_RETENTION, or after the bot
// was down). The sweep was one DELETE of them all, cancelled by the
// timeout every day: nothing was ever deleted, and each try marked the
// store down. It deletes in batches, each well within such a timeout.
func TestPostgresSweepUnderAStatementTimeout(t *testing.T) {
	t.Parallel()
	u, seed, ctx := seededFixture(t)
	const old = 200_000
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	seedOldEntries(ctx, t, seed, base, old)
	if _, err := seed.ExecContext(ctx, `INSERT INTO audit_target (target, audit_id) SELECT 'p@example.com', id FROM audit_entry`); err != nil {
		t.Fatal(err)
	}
	// As autovacuum would have by then: the planner's statistics.
	if _, err := seed.ExecContext(ctx, `ANALYZE audit_entry, audit_target`); err != nil {
		t.Fatal(err)
	}
	kept := AuditEntry{At: base.AddDate(1, 0, 0), Actor: "U1", Emails: []string{"ada@example.com"}, Kind: KindLookup, Outcome: OutcomeOK}
	s := open(t, u+"&statement_timeout=500ms")
	if err := s.Append(ctx, kept); err != nil {
		t.Fatal(err)
	}
	n, err := s.SweepAudit(ctx, base.AddDate(0, 6, 0))
	if err != nil || n != old {
		t.Fatalf("SweepAudit with statement_timeout=500ms: %d, %v; want %d deleted", n, err, old)
	}
	got, err := s.Audit(ctx, AuditQuery{Limit: 10})
	if err != nil || len(got) != 1 || got[0].Emails[0] != "ada@example.com" {
		t.Fatalf("after the sweep: %+v, %v; want the one entry inside retention", got, err)
	}
}

// TestPostgresSweepHalvesItsBatchUnderATimeout: a server on which a batch
// of 2,000 entries outlasts the role's statement_timeout (a busy server, a
// slow disk: here a row trigger that sleeps 0.4 ms a row, so 2,000 rows
// take 0.8 s against a 500 ms timeout, whatever the machine). Each sweep
// was cancelled at its first batch and deleted nothing, every day; the
// sweep now halves its batch until one fits.
func TestPostgresSweepHalvesItsBatchUnderATimeout(t *testing.T) {
	t.Parallel()
	u, seed, ctx := seededFixture(t)
	const old = 5_000
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	seedOldEntries(ctx, t, seed, base, old)
	slowDeletes(ctx, t, seed, "audit_entry", "0.0004")
	s := open(t, u+"&statement_timeout=500ms")
	n, err := s.SweepAudit(ctx, base.AddDate(0, 6, 0))
	if err != nil || n != old {
		t.Fatalf("SweepAudit with statement_timeout=500ms and 0.8 s a 2,000-entry batch: %d, %v; want %d deleted", n, err, old)
	}
}

// seededFixture is a fresh PostgreSQL database with the schema (as
// postgresFixture), a connection to seed it beside the store, and a
// minute for the test.
func seededFixture(t *testing.T) (string, *sql.DB, context.Context) {
	t.Helper()
	u := postgresFixture(t)
	open(t, u) // the schema
	seed, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seed.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return u, seed, ctx
}

// slowDeletes makes each row deleted from table take perRow seconds (a
// trigger that sleeps): a batch then outlasts a statement_timeout
// whatever the machine.
func slowDeletes(ctx context.Context, t *testing.T, seed *sql.DB, table, perRow string) {
	t.Helper()
	for _, q := range []string{
		`CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(` + perRow + `); RETURN OLD; END $$`,
		`CREATE TRIGGER slow_delete BEFORE DELETE ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION slow_delete()`,
	} {
		if _, err := seed.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// seedOldEntries writes n lookup entries about p@example.com, one a second
// from base, with IDs as newID makes them (nanoseconds in hex, then 8 hex
// digits), in one statement.
func seedOldEntries(ctx context.Context, t *testing.T, seed *sql.DB, base time.Time, n int) {
	t.Helper()
	if _, err := seed.ExecContext(ctx, `INSERT INTO audit_entry (id, at_us, actor, kind, outcome, detail, emails, account_ids)
		SELECT lpad(to_hex($1::bigint + g::bigint * 1000000000), 16, '0') || '00000000', $1::bigint / 1000 + g::bigint * 1000000,
		       'U1', 'lookup', 'ok', '', '["p@example.com"]', '["acc"]'
		FROM generate_series(1, $2::int) g`, base.UnixNano(), n); err != nil {
		t.Fatal(err)
	}
}

// TestPostgresKeepOrReleaseSweepHalvesItsBatchUnderATimeout: as
// TestPostgresSweepHalvesItsBatchUnderATimeout for the keep-or-release
// tables: a server on which a batch of 500 nudges outlasts the role's
// statement_timeout (a row trigger that sleeps 1.6 ms a row: 0.8 s against
// 500 ms, whatever the machine). Each daily sweep was cancelled at its
// first batch, deleted nothing, and marked the store down.
func TestPostgresKeepOrReleaseSweepHalvesItsBatchUnderATimeout(t *testing.T) {
	t.Parallel()
	u, seed, ctx := seededFixture(t)
	const old = 1_500
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := seed.ExecContext(ctx, `INSERT INTO nudge (id, round, account_id, email, product, product_key, last_active_us, slack_user, channel, ts,
			asked_us, answer, answered_us, reminded_us, escalated_us)
		 SELECT 'n' || g, 'r', 'acc' || g, 'p' || g || '@example.com', 'jira', 'jira-software', 0, 'U1', 'D1', '1.1',
			$1::bigint + g::bigint * 1000000, 'keep', $1::bigint + g::bigint * 1000000 + 1, 0, 0
		 FROM generate_series(1, 1500) g`, micros(base)); err != nil {
		t.Fatal(err)
	}
	slowDeletes(ctx, t, seed, "nudge", "0.0016")
	s := open(t, u+"&statement_timeout=500ms")
	n, err := s.SweepKeepOrRelease(ctx, base.AddDate(0, 6, 0))
	if err != nil || n != old {
		t.Fatalf("SweepKeepOrRelease with statement_timeout=500ms and 0.8 s a 500-nudge batch: %d, %v; want %d deleted", n, err, old)
	}
}
