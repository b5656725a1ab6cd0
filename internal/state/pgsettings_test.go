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
