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

	"github.com/jackc/pgx/v5/stdlib"
)

// TestPostgresEndedConnectionsAreNotUsed: after a restart or a failover of
// PostgreSQL (here: pg_terminate_backend of each of the store's backends,
// which is what a restart does to them, with no downtime), the pooled
// connections are dead, their server's "terminating connection" (57P01)
// waiting in them. The next write must go to a fresh connection, not fail
// on a dead one: a failed dedupe answers a command twice across replicas,
// a failed claim skips a digest.
func TestPostgresEndedConnectionsAreNotUsed(t *testing.T) {
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL; see README)")
	}
	t.Parallel()
	ctx := context.Background()
	u, err := url.Parse(postgresFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's database is shared with other tests: end only this
	// store's backends, found by their application_name.
	app := fmt.Sprintf("restart_%08x", mrand.Uint32())
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := open(t, u.String())
	admin, err := sql.Open("pgx", os.Getenv("LASTACTIVE_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	// warm fills the pool with connections used just now (twice: the first
	// reuse of a new connection is checked by the driver anyway).
	warm := func() {
		t.Helper()
		for range 2 {
			var conns []*sql.Conn
			for tries := 0; len(conns) < 4; tries++ {
				c, err := s.db.Conn(ctx)
				if err == nil {
					if err = c.PingContext(ctx); err != nil {
						c.Close() // one left dead by the last step
					}
				}
				if err != nil {
					if tries > 20 {
						t.Fatalf("warm: %v", err)
					}
					continue
				}
				conns = append(conns, c)
			}
			for _, c := range conns {
				c.Close()
			}
		}
	}
	// restart ends every backend of the store, and waits until they are gone.
	restart := func() {
		t.Helper()
		var n int
		err := admin.QueryRowContext(ctx, `WITH mine AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = $1)
			SELECT COUNT(*) FROM mine WHERE pg_terminate_backend(pid, 10000)`, app).Scan(&n)
		if err != nil {
			t.Fatalf("pg_terminate_backend: %v", err)
		}
		if n == 0 {
			t.Fatal("no backend of the store to end: the pool was not warmed")
		}
	}
	steps := []struct {
		name string
		do   func(i int) error
	}{
		{"FirstDelivery", func(i int) error {
			won, err := s.FirstDelivery(ctx, fmt.Sprintf("env-%d", i), time.Minute)
			if err == nil && !won {
				err = fmt.Errorf("a new envelope ID was taken for a redelivery")
			}
			return err
		}},
		{"Claim", func(i int) error {
			won, err := s.Claim(ctx, fmt.Sprintf("slot-%d", i), "me", time.Minute)
			if err == nil && !won {
				err = fmt.Errorf("a free slot was not taken")
			}
			return err
		}},
		{"Append", func(i int) error {
			return s.Append(ctx, AuditEntry{Actor: "U1", Emails: []string{"ada@example.com"}, Kind: KindLookup, Outcome: OutcomeOK})
		}},
		{"AppendBatch", func(i int) error {
			return s.AppendBatch(ctx, []AuditEntry{{Actor: "U1", Emails: []string{"ada@example.com"}, Kind: KindLookup, Outcome: OutcomeOK}})
		}},
		{"Exempt", func(i int) error {
			_, err := s.Exempt(ctx, "ada@example.com", "jira-software", time.Now())
			return err
		}},
	}
	// A connection left as it was is not pinged before its reuse (no round
	// trip added to each statement).
	warm()
	c, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Raw(func(dc any) error {
		if serverSpoke(dc.(*stdlib.Conn).Conn().PgConn().Conn()) {
			return fmt.Errorf("a healthy idle connection is taken for one the server spoke on")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	c.Close()
	for i, st := range steps {
		warm()
		restart()
		if err := st.do(i); err != nil {
			t.Errorf("%s on the first use after the backends ended: %v", st.name, err)
		}
	}
}

// TestPostgresPoolDropsIdleConnectionsBeforeALoadBalancer: a connection is
// never kept idle as long as a load balancer's 5-minute idle timeout
// (database/sql's cleaner runs every max-idle-time, so a connection may
// idle for twice that), and none lives for ever.
func TestPostgresPoolDropsIdleConnectionsBeforeALoadBalancer(t *testing.T) {
	t.Parallel()
	const balancerIdle = 5 * time.Minute
	if pgMaxIdleTime <= 0 || 2*pgMaxIdleTime >= balancerIdle {
		t.Errorf("idle connections are closed after %v, so kept up to %v: a load balancer drops them at %v", pgMaxIdleTime, 2*pgMaxIdleTime, balancerIdle)
	}
	if pgMaxLifetime <= 0 || pgMaxLifetime > time.Hour {
		t.Errorf("a connection lives %v: after a failover it may stay on the old primary", pgMaxLifetime)
	}
}
