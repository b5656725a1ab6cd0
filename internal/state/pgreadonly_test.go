package state

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPostgresReadOnlyDatabase: a database that refuses writes (a
// read-only standby behind the URL after a failover, or
// default_transaction_read_only = on) answers pings, so the store was
// called available: check said "ok", and serve marked it up again at
// each check after every write had failed. PingWrite says that it
// refuses writes.
func TestPostgresReadOnlyDatabase(t *testing.T) {
	t.Parallel()
	db := postgresDatabaseWith(t)
	open(t, db) // migrated while writable
	admin, err := sql.Open("pgx", os.Getenv("LASTACTIVE_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := strings.TrimPrefix(mustParse(t, db).Path, "/")
	if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	s := open(t, db) // a current schema opens without writing
	err = s.PingWrite(ctx)
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "refuses writes") {
		t.Fatalf("PingWrite on a read-only database: %v; want ErrReadOnly saying it refuses writes", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v; it answers", err)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
