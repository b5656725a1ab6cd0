package wire

import (
	"context"
	"database/sql"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection

	"lastactive/internal/state"
)

// TestPostgresStatementEndedByARestartLeavesTheStoreUp: a write running
// when PostgreSQL ends its backend (a restart, a failover, an admin's
// pg_terminate_backend) fails, and nothing can make that one succeed; but
// the database answers the next moment, and the store must not be marked
// down for it: on each replica that would turn the shared dedupe off
// (commands answered twice) and make audit and exempt say the database is
// unavailable until the next check.
func TestPostgresStatementEndedByARestartLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, u, schema := postgresSchema(t)
	app := "pgrestart_" + schema
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", app)
	u.RawQuery = q.Encode()

	var logs syncBuf
	d, _ := openTestDurable(t, u.String(), &logs)
	if d.Store() == nil {
		t.Fatalf("store not open:\n%s", logs.String())
	}
	if ok, err := d.Claim(ctx, "digest", "a", time.Hour); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	// Hold the slot's row, so that the next claim waits on it, inside
	// PostgreSQL, until its backend is ended.
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT 1 FROM "+schema+".claim_slot WHERE slot = 'digest' FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	claimed := make(chan error, 1)
	go func() {
		_, err := d.Claim(ctx, "digest", "a", time.Hour)
		claimed <- err
	}()
	var pid int
	for pid == 0 {
		err := admin.QueryRowContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&pid)
		if err != nil && err != sql.ErrNoRows {
			t.Fatalf("find the waiting claim: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatal("the claim never waited on the row")
		}
	}
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend($1, 10000)", pid); err != nil {
		t.Fatal(err)
	}
	if err := <-claimed; err == nil {
		t.Fatal("the claim whose backend was ended succeeded")
	}
	tx.Rollback()
	if d.Store() == nil {
		t.Errorf("one statement ended by the server marked the store down while the database answers:\n%s", logs.String())
	}
	if ok, err := d.Claim(ctx, "digest", "a", time.Hour); err != nil || !ok {
		t.Errorf("the next claim: %v %v", ok, err)
	}
}

// TestPostgresDigestStoreCallsHaveADeadline: a digest reads the report
// history and records its snapshot through the Durable; with those tables
// locked by another session (a long migration, an admin's LOCK TABLE) or a
// server that stopped answering, each call gives up on its own deadline and
// the digest goes on without its change and chart. Before, they had only
// the caller's context: `lastactive digest` (none) waited for ever,
// `/lastactive digest` until the stop, the scheduled digest 35 minutes.
func TestPostgresDigestStoreCallsHaveADeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := openPGDurable(t, false)
	tx, err := p.admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE "+p.schema+".report_scan, "+p.schema+".report_row IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	defer func(was time.Duration) { storeCallTimeout = was }(storeCallTimeout)
	storeCallTimeout = 200 * time.Millisecond
	for name, call := range map[string]func(context.Context) error{
		"PostedSnapshots": func(ctx context.Context) error { _, err := p.d.PostedSnapshots(ctx, 10); return err },
		"Snapshots":       func(ctx context.Context) error { _, err := p.d.Snapshots(ctx, time.Time{}, 10); return err },
		"SaveSnapshot": func(ctx context.Context) error {
			_, err := p.d.SaveSnapshot(ctx, state.Snapshot{IdleDays: 90, Rows: []state.SnapshotRow{{Product: "jira-software"}}})
			return err
		},
	} {
		p.d.report(nil) // up again, as the next check would say: the database answers
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		err := call(cctx)
		late := cctx.Err() != nil
		ccancel()
		if err == nil || late {
			t.Errorf("%s on a locked table: %v (the caller's own deadline passed: %v); want it to give up on its own", name, err, late)
		}
	}
}

// pgDurable is a Durable on a schema of its own of the test PostgreSQL
// (postgresSchema), what the tests of this file start from.
type pgDurable struct {
	admin  *sql.DB
	schema string
	d      *Durable
	m      *StoreMetrics
	logs   *syncBuf
	// freeze stops the server answering, through a freezing proxy
	// (freezingProxy); nil unless asked for.
	freeze func()
}

// openPGDurable opens one, with the URL settings in set (key, value,
// …) beside search_path, through a freezing proxy when frozen is true.
func openPGDurable(t *testing.T, frozen bool, set ...string) pgDurable {
	t.Helper()
	admin, u, schema := postgresSchema(t)
	q := u.Query()
	q.Set("search_path", schema)
	for i := 0; i+1 < len(set); i += 2 {
		q.Set(set[i], set[i+1])
	}
	u.RawQuery = q.Encode()
	p := pgDurable{admin: admin, schema: schema, logs: &syncBuf{}}
	if frozen {
		u.Host, p.freeze = freezingProxy(t, u.Host)
	}
	p.d, p.m = openTestDurable(t, u.String(), p.logs)
	if p.d.Store() == nil {
		t.Fatalf("store not open:\n%s", p.logs.String())
	}
	return p
}

// postgresSchema skips without LASTACTIVE_TEST_POSTGRES_URL; otherwise it
// makes a schema of the test's own (dropped at its end) and returns an
// admin connection, the server's URL (search_path not yet set) and the
// schema's name.
// postgresSchemaURL is the URL of a fresh schema of the test PostgreSQL
// (postgresSchema), as the store opens it: search_path set to the schema.
func postgresSchemaURL(t *testing.T) string {
	_, u, schema := postgresSchema(t)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func postgresSchema(t *testing.T) (admin *sql.DB, u *url.URL, schema string) {
	t.Helper()
	base := os.Getenv("LASTACTIVE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema = fmt.Sprintf("w_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	if u, err = url.Parse(base); err != nil {
		t.Fatal(err)
	}
	return admin, u, schema
}

// TestPostgresNudgeStoreCallsHaveADeadline: keep or release reads and
// writes nudges, requests and releases through the store; with a
// PostgreSQL that stopped answering (paused, a half-dead network path: the
// connection stays open and nothing comes back), each call gives up on its
// own deadline, as the digest's do. lock_timeout bounds only a wait for a
// lock. Before, the calls had only their callers' deadlines: a click on
// Keep, Release, Approve or Undo waited its whole minute before its
// "unavailable" reply, App Home its 30 s, a scheduled round 45 minutes, and
// `lastactive nudge` for ever.
func TestPostgresNudgeStoreCallsHaveADeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := openPGDurable(t, true)
	app, err := Build(Settings{AdminAPIURL: "http://127.0.0.1:1", OrgID: "org-1", APIKey: "key", Reports: true, State: p.d,
		Nudge: NudgeSettings{Approvers: []string{"UAPPROVER"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if app.Nudge == nil {
		t.Fatal("no keep or release engine")
	}
	records := NudgeRecords{D: p.d}
	// The server answers: the engine's reads work.
	if _, err := records.Unanswered(ctx); err != nil {
		t.Fatalf("before the freeze: %v", err)
	}
	p.freeze()
	defer func(was time.Duration) { nudgeStoreTimeout = was }(nudgeStoreTimeout)
	nudgeStoreTimeout = 200 * time.Millisecond
	for name, call := range map[string]func(context.Context) error{
		"Answer (Keep)":      func(ctx context.Context) error { return app.Nudge.Answer(ctx, "U1", "n1", true) },
		"Decide (Approve)":   func(ctx context.Context) error { return app.Nudge.Decide(ctx, "UAPPROVER", "r1", true) },
		"Undo":               func(ctx context.Context) error { return app.Nudge.Undo(ctx, "UAPPROVER", "x1") },
		"App Home nudges":    func(ctx context.Context) error { _, err := records.Unanswered(ctx); return err },
		"App Home approvals": func(ctx context.Context) error { _, err := records.PendingRequests(ctx); return err },
	} {
		// The caller's own deadline, short of the test's: past it, the
		// call had none of its own.
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		err := call(cctx)
		late := cctx.Err() != nil
		ccancel()
		if err == nil || late {
			t.Errorf("%s on a server that stopped answering: %v (the caller's own deadline passed: %v); want it to give up on its own", name, err, late)
		}
	}
}

// freezingProxy forwards loopback connections to upstream until freeze is
// called; from then on it forwards nothing either way and answers no new
// connection, while keeping every connection open: a server that stopped
// answering. It returns its own host:port.
func freezingProxy(t *testing.T, upstream string) (addr string, freeze func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var frozen atomic.Bool
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		defer dst.Close()
		defer src.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if frozen.Load() {
				<-done
				return
			}
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if frozen.Load() {
				wg.Add(1)
				go func() { defer wg.Done(); <-done; c.Close() }()
				continue
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go pipe(up, c)
			go pipe(c, up)
		}
	}()
	return ln.Addr().String(), func() { frozen.Store(true) }
}

// TestPostgresDedupeOnAServerThatStoppedAnsweringCallsItDown: a dedupe
// query past its own budget leaves the store up when the database still
// answers (a lock, a loaded machine), but a server that stopped answering
// altogether must still be called down: until then every envelope waits
// the whole budget on its socket's drain loop, the envelopes behind it
// too, until the next periodic check (up to PingEvery and its own 5 s).
func TestPostgresDedupeOnAServerThatStoppedAnsweringCallsItDown(t *testing.T) {
	p := openPGDurable(t, true)
	dd := &StoreDeduper{D: p.d, Memory: &memDedupe{}, Metrics: p.m}
	if ok, err := dd.FirstDelivery(context.Background(), "E-before"); !ok || err != nil {
		t.Fatalf("FirstDelivery before the freeze = %v, %v", ok, err)
	}
	p.freeze()
	if ok, err := dd.FirstDelivery(context.Background(), "E-frozen"); !ok || err != nil {
		t.Errorf("FirstDelivery on a frozen server = %v, %v; want true, nil (from memory)", ok, err)
	}
	if p.d.OK() {
		t.Errorf("a dedupe query that timed out on a server answering nothing left the store up:\n%s", p.logs.String())
	}
}

// TestPostgresDedupeOnABusyPoolLeavesTheStoreUp: a dedupe query that ran
// out of its budget waiting for one of the pool's connections (every one
// busy with the store's other users: a nudge round, a digest, clicks)
// says nothing about the database, and neither does a ping that waits in
// the same queue: the store must stay up for the clicks, claims and audit
// lines beside it, as after any slow dedupe answer.
func TestPostgresDedupeOnABusyPoolLeavesTheStoreUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// No lock_timeout: the store's statement holds the pool's connection
	// until the test lets go of the lock, not for the default 10 s, past
	// which a check waiting in the pool would have passed.
	p := openPGDurable(t, false, "pool_max_conns", "1", "lock_timeout", "0")
	st := p.d.Store()
	// Another session holds the dedupe table: a store statement waits on
	// it with the pool's only connection.
	tx, err := p.admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE "+p.schema+".envelope_seen IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		st.FirstDelivery(ctx, "E-holding-the-pool", time.Hour)
	}()
	for {
		var waiting int
		if err := p.admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_locks WHERE NOT granted").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the store's statement never waited on the lock")
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The check on a connection of its own must be given time to connect
	// on a loaded machine (500 ms was not always enough under -race), yet
	// less than the lock is held: a check through the pool would wait for
	// the busy connection past it and still mark the store down.
	dd := &StoreDeduper{D: p.d, Memory: &memDedupe{}, Metrics: p.m, pingWait: 10 * time.Second}
	if ok, err := dd.FirstDelivery(context.Background(), "E-next"); !ok || err != nil {
		t.Errorf("FirstDelivery on a busy pool = %v, %v; want true, nil (from memory)", ok, err)
	}
	if !p.d.OK() {
		t.Errorf("a dedupe query that waited for a busy pool marked the store down:\n%s", p.logs.String())
	}
	tx.Rollback()
	<-busy
}

// TestPostgresDedupeOnAFrozenServerWithEveryConnectionStuckCallsItDown: a
// server that stopped answering keeps every pooled connection busy with
// the statements stuck on it, so the pool looks as busy as a loaded one.
// The dedupe must still tell the two apart and call the store down, not
// leave every envelope waiting its whole budget on its socket's drain
// loop until some slower writer's timeout or the next check.
func TestPostgresDedupeOnAFrozenServerWithEveryConnectionStuckCallsItDown(t *testing.T) {
	p := openPGDurable(t, true, "pool_max_conns", "1")
	st := p.d.Store()
	dd := &StoreDeduper{D: p.d, Memory: &memDedupe{}, Metrics: p.m}
	if ok, err := dd.FirstDelivery(context.Background(), "E-before"); !ok || err != nil {
		t.Fatalf("FirstDelivery before the freeze = %v, %v", ok, err)
	}
	p.freeze()
	// A statement stuck on the frozen server holds the pool's only
	// connection, as the audit writer's or a click's does.
	ctx, cancel := context.WithCancel(context.Background())
	stuck := make(chan struct{})
	go func() {
		defer close(stuck)
		st.FirstDelivery(ctx, "E-stuck", time.Hour)
	}()
	defer func() { cancel(); <-stuck }()
	for !st.PoolBusy() {
		select {
		case <-stuck:
			t.Fatal("the stuck statement returned on a frozen server")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if ok, err := dd.FirstDelivery(context.Background(), "E-frozen"); !ok || err != nil {
		t.Errorf("FirstDelivery on a frozen server = %v, %v; want true, nil (from memory)", ok, err)
	}
	if p.d.OK() {
		t.Errorf("a dedupe query on a frozen server whose every connection was stuck left the store up:\n%s", p.logs.String())
	}
}
