package state

import (
	"context"
	"database/sql"
	"hash/crc64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
)

// TestPostgresMigrationLockHeldElsewhere: a session that holds the
// migration lock and does not end (a lastactive migrate stuck on another
// host, an admin's psql after pg_advisory_lock) does not keep a store whose
// schema is current from opening: there is nothing to migrate, so nothing
// to wait for. Before, every start took the lock, so every replica's
// store stayed down for as long as the session lived, each try failing
// after its minute with a bare "context deadline exceeded". When there is
// something to migrate, the wait's error names the lock.
func TestPostgresMigrationLockHeldElsewhere(t *testing.T) {
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL; see README)")
	}
	t.Parallel()
	u := postgresFixture(t)
	s := open(t, u) // migrated: the schema is current
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var schema string
	if err := s.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	holder, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	id := int64(crc64.Checksum([]byte("lastactive state "+schema), crc64.MakeTable(crc64.ECMA)) >> 1)
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
		t.Fatal(err)
	}

	uctx, ucancel := context.WithTimeout(ctx, 10*time.Second)
	from, to, err := s.Upgrade(uctx)
	late := uctx.Err() != nil
	ucancel()
	if err != nil || late || from != to || to != KnownVersion() {
		t.Errorf("Upgrade of a current schema with the lock held elsewhere: %d → %d, %v (waited out its deadline: %v); want current at once", from, to, err, late)
	}

	// One version back: now there is something to migrate, and the lock
	// to wait for.
	if _, err := s.db.ExecContext(ctx, "DELETE FROM state_migrations WHERE version_id = $1", KnownVersion()); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Second)
	defer wcancel()
	err = s.migrate(wctx, func(p *goose.Provider) error { _, err := p.Up(wctx); return err })
	if err == nil || !strings.Contains(err.Error(), "migration lock") {
		t.Errorf("migrate with the lock held elsewhere: %v; want the wait for the migration lock named", err)
	}
}
