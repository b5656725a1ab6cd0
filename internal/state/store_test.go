package state

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that makes a schema per test
)

// A fixture makes a fresh, empty database and returns its URL; every Store
// opened on that URL shares it, as replicas would.
type fixture func(t testing.TB) string

func sqliteFixture(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "state.db")
}

// postgresFixture gives each test its own schema in the database of
// LASTACTIVE_TEST_POSTGRES_URL (through search_path), dropped at cleanup,
// so tests and concurrent runs never see each other's rows.
func postgresFixture(t testing.TB) string {
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
	schema := fmt.Sprintf("t_%d_%08x", time.Now().UnixNano(), mrand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("LASTACTIVE_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens and migrates a Store on url, closed at cleanup.
func open(t testing.TB, url string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	contract(t, sqliteFixture)
}

func TestPostgres(t *testing.T) {
	if os.Getenv("LASTACTIVE_TEST_POSTGRES_URL") == "" {
		t.Skip("LASTACTIVE_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL; see README)")
	}
	t.Parallel()
	contract(t, postgresFixture)
}

// contract is what every backend must do.
func contract(t *testing.T, fresh fixture) {
	tests := []struct {
		name string
		run  func(t *testing.T, fresh fixture)
	}{
		{"MigrateTwice", testMigrateTwice},
		{"MigrateConcurrently", testMigrateConcurrently},
		{"Ping", testPing},
		{"AuditByEitherTarget", testAuditByEitherTarget},
		{"AuditRefusesUnknownKind", testAuditRefusesUnknownKind},
		{"AuditSweep", testAuditSweep},
		{"AuditSweepByTwoReplicas", testAuditSweepByTwoReplicas},
		{"AuditSinceIsInclusive", testAuditSinceIsInclusive},
		{"ConcurrentAppendsFromTwoStores", testConcurrentAppends},
		{"AppendBatch", testAppendBatch},
		{"AuditTakesAnyText", testAuditTakesAnyText},
		{"AuditKeepsEachPersonsOutcome", testAuditKeepsEachPersonsOutcome},
		{"AuditLookalikeIsAnotherPerson", testAuditLookalikeIsAnotherPerson},
		{"AuditPersonPairsOnlyFoundAccounts", testAuditPersonPairsOnlyFoundAccounts},
		{"AuditPersonPairsOutsideTheWindow", testAuditPersonPairsOutsideTheWindow},
		{"AuditPersonEmailReassigned", testAuditPersonEmailReassigned},
		{"AuditAccountReadsItsEmail", testAuditAccountReadsItsEmail},
		{"AuditRefoldedAtUpgrade", testAuditRefoldedAtUpgrade},
		{"RefusedCopiesAskedAgainAtUpgrade", testRefusedCopiesAskedAgainAtUpgrade},
		{"Snapshots", testSnapshots},
		{"SnapshotsSwept", testSnapshotsSwept},
		{"SnapshotExempt", testSnapshotExempt},
		{"ButtonKeys", testButtonKeys},
		{"FirstDelivery", testFirstDelivery},
		{"FirstDeliveryRace", testFirstDeliveryRace},
		{"Claim", testClaim},
		{"ClaimRace", testClaimRace},
		{"ResultBlob5MB", testResultBlob},
		{"Sweep", testSweep},
		{"Exemptions", testExemptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, fresh)
		})
	}
}

func testMigrateTwice(t *testing.T, fresh fixture) {
	s := open(t, fresh(t)) // migrates once
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	sqlFiles, err := fs.Glob(migrations, "migrations/*.sql")
	files := len(sqlFiles) + len(goMigrations(sqliteBackend))
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := s.db.QueryRow(`SELECT MAX(version_id) FROM state_migrations`).Scan(&version); err != nil {
		t.Fatalf("read schema version: %v", err)
	}
	if version != files {
		t.Errorf("schema version %d, want %d (one per embedded migration)", version, files)
	}
	var applied int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM state_migrations WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != files {
		t.Errorf("%d migrations recorded after migrating twice, want %d", applied, files)
	}
}

// Two replicas start together and both migrate the same fresh database.
func testMigrateConcurrently(t *testing.T, fresh fixture) {
	u := fresh(t)
	ctx := context.Background()
	stores := make([]*Store, 2)
	for i := range stores {
		s, err := Open(ctx, u)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("store %d: Migrate: %v", i, err)
		}
	}
	if err := stores[1].Append(ctx, AuditEntry{Kind: KindLookup, Outcome: OutcomeOK}); err != nil {
		t.Errorf("Append after concurrent migrations: %v", err)
	}
}

func testPing(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	s.Close()
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping after Close: no error")
	}
}

func testAuditByEitherTarget(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	entries := []AuditEntry{
		{At: base, Actor: "U1", Emails: []string{"Ada@Example.com"}, AccountIDs: []string{"acc-ada"}, Kind: KindLookup, Outcome: OutcomeOK, Detail: "3 products"},
		{At: base.Add(time.Minute), Actor: "U2", Emails: []string{"grace@example.com"}, Kind: KindLookup, Outcome: OutcomeFailed},
		{At: base.Add(2 * time.Minute), Actor: "U1", AccountIDs: []string{"acc-ada"}, Kind: KindShare, Outcome: OutcomeOK},
		{At: base.Add(3 * time.Minute), Actor: "U3", Kind: KindReport, Outcome: OutcomeOK, Detail: "idle 90"},
		// A time in another zone is stored as the same instant, read back in UTC.
		{At: base.Add(4 * time.Minute).In(time.FixedZone("CET", 3600)), Actor: "U9", Emails: []string{"ada@example.com", "grace@example.com"}, Kind: KindRefusal, Outcome: OutcomeRefused},
	}
	for _, e := range entries {
		if err := s.Append(ctx, e); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	details := func(es []AuditEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%s %s %s", e.At.Format("15:04"), e.Actor, e.Kind))
		}
		return out
	}
	tests := []struct {
		name string
		q    AuditQuery
		want []string
	}{
		{"everyone newest first", AuditQuery{}, []string{"09:04 U9 refusal", "09:03 U3 report", "09:02 U1 share", "09:01 U2 lookup", "09:00 U1 lookup"}},
		{"by email any case", AuditQuery{Target: "ADA@example.COM"}, []string{"09:04 U9 refusal", "09:00 U1 lookup"}},
		{"by account ID", AuditQuery{Target: "acc-ada"}, []string{"09:02 U1 share", "09:00 U1 lookup"}},
		{"since", AuditQuery{Target: "grace@example.com", Since: base.Add(2 * time.Minute)}, []string{"09:04 U9 refusal"}},
		{"limit", AuditQuery{Limit: 2}, []string{"09:04 U9 refusal", "09:03 U3 report"}},
		{"nobody", AuditQuery{Target: "nobody@example.com"}, nil},
		{"one kind", AuditQuery{Kind: KindLookup}, []string{"09:01 U2 lookup", "09:00 U1 lookup"}},
		{"all but one kind", AuditQuery{Target: "ada@example.com", NotKind: KindLookup}, []string{"09:04 U9 refusal"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Audit(ctx, tc.q)
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			if diff := cmp.Diff(tc.want, details(got)); diff != "" {
				t.Errorf("Audit(%+v) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
	got, err := s.Audit(ctx, AuditQuery{Target: "acc-ada", Since: base, Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("Audit: %v, %d entries", err, len(got))
	}
	want := AuditEntry{ID: got[0].ID, At: base.Add(2 * time.Minute), Actor: "U1", Emails: []string{}, AccountIDs: []string{"acc-ada"}, Kind: KindShare, Outcome: OutcomeOK}
	if diff := cmp.Diff(want, got[0]); diff != "" || got[0].ID == "" || got[0].At.Location() != time.UTC {
		t.Errorf("entry read back (-want +got):\n%s (ID %q, zone %v)", diff, got[0].ID, got[0].At.Location())
	}
}

func testAuditRefusesUnknownKind(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	err := s.Append(context.Background(), AuditEntry{Kind: "delete everything"})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Append with an unknown kind: %v, want ErrInvalid", err)
	}
	if got, _ := s.Audit(context.Background(), AuditQuery{}); len(got) != 0 {
		t.Errorf("refused entry was stored: %+v", got)
	}
}

func testAuditSweep(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, age := range []int{500, 401, 399, 10, 0} { // days
		e := AuditEntry{At: now.AddDate(0, 0, -age), Actor: "U1", Emails: []string{"ada@example.com"}, AccountIDs: []string{"acc"}, Kind: KindLookup, Outcome: OutcomeOK}
		if err := s.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.SweepAudit(ctx, now.Add(-DefaultAuditRetention))
	if err != nil {
		t.Fatalf("SweepAudit: %v", err)
	}
	if n != 2 {
		t.Errorf("SweepAudit deleted %d, want 2 (500 and 401 days old)", n)
	}
	left, err := s.Audit(ctx, AuditQuery{Target: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 3 {
		t.Errorf("%d entries left, want 3", len(left))
	}
	var targets int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM audit_target`).Scan(&targets); err != nil {
		t.Fatal(err)
	}
	if targets != 6 { // 3 entries × (email + account)
		t.Errorf("%d audit targets left, want 6: swept entries left their targets behind", targets)
	}
	if n, err := s.SweepAudit(ctx, now.Add(-DefaultAuditRetention)); err != nil || n != 0 {
		t.Errorf("second SweepAudit = %d, %v; want 0, nil", n, err)
	}
}

// Every replica sweeps the trail past its retention, and replicas started
// together (a rolling update) do so at the same moment, while commands go
// on being recorded: the two sweeps of one database, each in batches of its
// own, must neither fail (a deadlock, a busy file) nor count an entry
// twice, and must leave every entry written meanwhile, with its targets.
func testAuditSweepByTwoReplicas(t *testing.T, fresh fixture) {
	u := fresh(t)
	a, b := open(t, u), open(t, u)
	ctx := context.Background()
	now := time.Now().UTC()
	const expired, written = 2*sweepBatch + 500, 40
	var batch []AuditEntry
	for i := range expired {
		batch = append(batch, AuditEntry{At: now.AddDate(0, 0, -500).Add(time.Duration(i) * time.Second), Actor: "U1",
			Emails: []string{fmt.Sprintf("p%d@example.com", i%50)}, AccountIDs: []string{fmt.Sprintf("acc-%d", i%50)}, Kind: KindLookup, Outcome: OutcomeOK})
		if len(batch) == MaxBatch || i == expired-1 {
			if err := a.AppendBatch(ctx, batch); err != nil {
				t.Fatalf("AppendBatch: %v", err)
			}
			batch = nil
		}
	}
	var wg sync.WaitGroup
	swept := make([]int64, 2)
	errs := make([]error, 3)
	for i, s := range []*Store{a, b} {
		wg.Go(func() { swept[i], errs[i] = s.SweepAudit(ctx, now.Add(-DefaultAuditRetention)) })
	}
	wg.Go(func() {
		for i := range written {
			e := AuditEntry{Actor: "U2", Emails: []string{fmt.Sprintf("p%d@example.com", i)}, AccountIDs: []string{fmt.Sprintf("acc-%d", i)}, Kind: KindLookup, Outcome: OutcomeOK}
			if err := []*Store{a, b}[i%2].Append(ctx, e); err != nil {
				errs[2] = err
				return
			}
		}
	})
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d (sweep, sweep, append): %v", i, err)
		}
	}
	if swept[0]+swept[1] != expired {
		t.Errorf("the two sweeps deleted %d and %d entries, %d in all; want %d in all", swept[0], swept[1], swept[0]+swept[1], expired)
	}
	left, err := b.Audit(ctx, AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != written {
		t.Errorf("%d entries left, want the %d written during the sweeps", len(left), written)
	}
	var targets int
	if err := a.db.QueryRow(`SELECT COUNT(*) FROM audit_target`).Scan(&targets); err != nil {
		t.Fatal(err)
	}
	if targets != 2*written {
		t.Errorf("%d audit targets left, want %d (an email and an account for each entry left)", targets, 2*written)
	}
}

// Writers in two Stores on one database (two replicas, or for SQLite two
// connections fighting over the file lock) never fail with "busy".
func testConcurrentAppends(t *testing.T, fresh fixture) {
	u := fresh(t)
	stores := []*Store{open(t, u), open(t, u)}
	ctx := context.Background()
	const goroutines, each = 20, 10
	errs := make(chan error, goroutines*each)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				e := AuditEntry{Actor: fmt.Sprintf("U%d", g), Emails: []string{fmt.Sprintf("p%d@example.com", i)}, Kind: KindLookup, Outcome: OutcomeOK}
				if err := stores[g%2].Append(ctx, e); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Append: %v", err)
	}
	got, err := stores[0].Audit(ctx, AuditQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != goroutines*each {
		t.Errorf("%d entries stored, want %d", len(got), goroutines*each)
	}
}

func testSnapshots(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	if _, err := s.LatestSnapshot(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LatestSnapshot on an empty store: %v, want ErrNotFound", err)
	}
	week := 7 * 24 * time.Hour
	first := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var saved []Snapshot
	for i := range 3 {
		snap := Snapshot{Taken: first.Add(time.Duration(i) * week), IdleDays: 90, Rows: []SnapshotRow{
			{Product: "jira-software", Site: "acme.atlassian.net", Seats: 100 + i, Capacity: 150, Active: 80, Idle: 15 + i, NeverUsed: 3, New: 2},
			{Product: "confluence", Site: "acme.atlassian.net", Seats: 50, Active: 40, Idle: 10 - i},
		}}
		id, err := s.SaveSnapshot(ctx, snap)
		if err != nil {
			t.Fatalf("SaveSnapshot: %v", err)
		}
		snap.ID = id
		// Read back ordered by product and site.
		snap.Rows[0], snap.Rows[1] = snap.Rows[1], snap.Rows[0]
		saved = append(saved, snap)
	}
	got, err := s.Snapshots(ctx, first.Add(week), 0)
	if err != nil {
		t.Fatalf("Snapshots: %v", err)
	}
	if diff := cmp.Diff([]Snapshot{saved[2], saved[1]}, got); diff != "" {
		t.Errorf("Snapshots since week 2 (-want +got):\n%s", diff)
	}
	got, err = s.Snapshots(ctx, time.Time{}, 2)
	if err != nil || len(got) != 2 || got[0].ID != saved[2].ID || got[1].ID != saved[1].ID {
		t.Errorf("Snapshots limit 2: %v, %+v", err, got)
	}
	latest, err := s.LatestSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(saved[2], latest); diff != "" {
		t.Errorf("LatestSnapshot (-want +got):\n%s", diff)
	}

	// Posted: saved as given, and set later by MarkSnapshotPosted.
	posted, err := s.SaveSnapshot(ctx, Snapshot{Taken: first.Add(3 * week), Posted: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSnapshotPosted(ctx, saved[1].ID); err != nil {
		t.Fatalf("MarkSnapshotPosted: %v", err)
	}
	if err := s.MarkSnapshotPosted(ctx, "no-such-snapshot"); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkSnapshotPosted of an unknown ID: %v, want ErrNotFound", err)
	}
	got, err = s.Snapshots(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{posted: true, saved[2].ID: false, saved[1].ID: true, saved[0].ID: false}
	for _, snap := range got {
		if snap.Posted != want[snap.ID] {
			t.Errorf("snapshot %s posted %v, want %v", snap.ID, snap.Posted, want[snap.ID])
		}
	}
	onlyPosted, err := s.PostedSnapshots(ctx, 0)
	if err != nil || len(onlyPosted) != 2 || onlyPosted[0].ID != posted || onlyPosted[1].ID != saved[1].ID || len(onlyPosted[1].Rows) != 2 {
		t.Errorf("PostedSnapshots: %v, %+v; want the two posted, newest first, with their rows", err, onlyPosted)
	}
}

func testFirstDelivery(t *testing.T, fresh fixture) {
	u := fresh(t)
	a, b := open(t, u), open(t, u)
	ctx := context.Background()
	first := func(s *Store, id string) bool {
		t.Helper()
		ok, err := s.FirstDelivery(ctx, id, 0)
		if err != nil {
			t.Fatalf("FirstDelivery(%q): %v", id, err)
		}
		return ok
	}
	if !first(a, "env-1") {
		t.Fatal("first delivery of env-1 not first")
	}
	if first(a, "env-1") || first(b, "env-1") {
		t.Fatal("redelivery of env-1 counted as first (same store or the other replica)")
	}
	if !first(b, "env-2") {
		t.Fatal("env-2 not first")
	}
	// Kept 30 minutes, then swept; an envelope ID seen again after that is new.
	if n, err := a.Sweep(ctx, time.Now().Add(29*time.Minute)); err != nil || n != 0 {
		t.Fatalf("Sweep before the TTL: %d, %v", n, err)
	}
	if first(b, "env-1") {
		t.Fatal("env-1 forgotten before its TTL")
	}
	if n, err := a.Sweep(ctx, time.Now().Add(31*time.Minute)); err != nil || n != 2 {
		t.Fatalf("Sweep after the TTL removed %d, %v; want 2", n, err)
	}
	if !first(a, "env-1") {
		t.Fatal("env-1 still remembered after the sweep")
	}
	// An expired entry that no sweep removed yet does not block a new delivery.
	b.now = func() time.Time { return time.Now().Add(time.Hour) }
	if !first(b, "env-2") {
		t.Fatal("expired, unswept env-2 blocked a new first delivery")
	}
	if _, err := a.FirstDelivery(ctx, "", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty envelope ID: %v, want ErrInvalid", err)
	}
	// An envelope ID past what PostgreSQL's index takes (about 2.7 KB;
	// random, so that it does not compress below that): "index row size
	// exceeds maximum" was an error that called the store down on every
	// replica. It is deduplicated as any other.
	long := make([]byte, 4096)
	for i := range long {
		long[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[mrand.IntN(62)]
	}
	if !first(a, string(long)) || first(a, string(long)) {
		t.Fatal("a 4 KB envelope ID: not first, then first again")
	}
	// The batched write of a single process: one such ID (or a NUL) in a
	// batch failed the whole transaction, the other envelopes beside it
	// not kept across a restart.
	if err := a.RecordEnvelopes(ctx, []string{string(long), "Ev\x00NUL", "env-batch"}, 0); err != nil {
		t.Fatalf("RecordEnvelopes with a 4 KB and a NUL envelope ID: %v", err)
	}
	if seen, err := a.RecentEnvelopes(ctx); err != nil || seen["env-batch"].IsZero() {
		t.Fatalf("RecentEnvelopes: %v; env-batch not kept", err)
	}
}

// race runs 20 goroutines, alternating between two Stores on one database,
// and returns how many won.
func race(t *testing.T, fresh fixture, try func(s *Store, g int) (bool, error)) int {
	t.Helper()
	u := fresh(t)
	stores := []*Store{open(t, u), open(t, u)}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  int
		start = make(chan struct{})
	)
	for g := range 20 {
		wg.Go(func() {
			<-start
			ok, err := try(stores[g%2], g)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("goroutine %d: %v", g, err)
			}
			if ok {
				wins++
			}
		})
	}
	close(start)
	wg.Wait()
	return wins
}

func testFirstDeliveryRace(t *testing.T, fresh fixture) {
	wins := race(t, fresh, func(s *Store, _ int) (bool, error) {
		return s.FirstDelivery(context.Background(), "Ev0123ABC", 0)
	})
	if wins != 1 {
		t.Fatalf("%d goroutines saw the first delivery, want exactly 1", wins)
	}
}

func testClaimRace(t *testing.T, fresh fixture) {
	wins := race(t, fresh, func(s *Store, g int) (bool, error) {
		return s.Claim(context.Background(), "digest 2026-W49", fmt.Sprintf("replica-%d", g), time.Hour)
	})
	if wins != 1 {
		t.Fatalf("%d goroutines took the slot, want exactly 1", wins)
	}
}

func testClaim(t *testing.T, fresh fixture) {
	u := fresh(t)
	a, b := open(t, u), open(t, u)
	ctx := context.Background()
	claim := func(s *Store, holder string) bool {
		t.Helper()
		ok, err := s.Claim(ctx, "org scan", holder, 10*time.Minute)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		return ok
	}
	if !claim(a, "a") {
		t.Fatal("a could not take a free slot")
	}
	if claim(b, "b") {
		t.Fatal("b took a slot a holds")
	}
	if !claim(a, "a") {
		t.Fatal("a could not renew its own claim")
	}
	if err := b.Release(ctx, "org scan", "b"); err != nil {
		t.Fatal(err)
	}
	if claim(b, "b") {
		t.Fatal("b's Release of a claim it does not hold freed the slot")
	}
	if err := a.Release(ctx, "org scan", "a"); err != nil {
		t.Fatal(err)
	}
	if !claim(b, "b") {
		t.Fatal("b could not take the slot a released")
	}
	// b's claim expires: a retakes the slot without any sweep.
	a.now = func() time.Time { return time.Now().Add(11 * time.Minute) }
	if !claim(a, "a") {
		t.Fatal("a could not retake an expired claim")
	}
	if _, err := a.Claim(ctx, "", "a", time.Minute); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty slot: %v, want ErrInvalid", err)
	}
}

// The org scan's result is gzip'd JSON of ~50,000 rows: a few MB, stored by
// one replica and read by another.
func testResultBlob(t *testing.T, fresh fixture) {
	u := fresh(t)
	a, b := open(t, u), open(t, u)
	ctx := context.Background()
	blob := make([]byte, 5<<20)
	rand.Read(blob)
	if _, err := b.Result(ctx, "org scan 90d"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Result before PutResult: %v, want ErrNotFound", err)
	}
	if err := a.PutResult(ctx, "org scan 90d", blob, time.Hour); err != nil {
		t.Fatalf("PutResult 5 MB: %v", err)
	}
	got, err := b.Result(ctx, "org scan 90d")
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	if !bytes.Equal(got, blob) {
		t.Fatalf("5 MB blob came back different (%d bytes)", len(got))
	}
	// Replacing works, and an empty blob is not "not found".
	if err := a.PutResult(ctx, "org scan 90d", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Result(ctx, "org scan 90d"); err != nil || len(got) != 0 {
		t.Fatalf("empty result: %d bytes, %v", len(got), err)
	}
	b.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := b.Result(ctx, "org scan 90d"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired result: %v, want ErrNotFound", err)
	}
}

func testSweep(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	now := time.Now()
	if _, err := s.FirstDelivery(ctx, "short", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FirstDelivery(ctx, "long", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "slot", "me", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.PutResult(ctx, "res", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, AuditEntry{At: now.AddDate(-5, 0, 0), Kind: KindLookup}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(ctx, now.Add(2*time.Minute))
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n != 3 {
		t.Errorf("Sweep removed %d rows, want 3 (short envelope, claim, result)", n)
	}
	if ok, _ := s.FirstDelivery(ctx, "long", 0); ok {
		t.Error("Sweep removed an envelope that had not expired")
	}
	if got, _ := s.Audit(ctx, AuditQuery{}); len(got) != 1 {
		t.Errorf("Sweep touched the audit trail: %d entries left, want 1", len(got))
	}
}

func testExemptions(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	ex := []Exemption{
		{Email: "Ada@Example.com", Product: "confluence", Reason: "writes the handbook twice a year", By: "U1"},
		{Email: "grace@example.com", Product: "jira-software", Until: now.AddDate(0, 1, 0), Reason: "on leave", By: "U2"},
		{Email: "old@example.com", Product: "jira-software", Until: now.AddDate(0, 0, -1), Reason: "was on leave", By: "U2"},
	}
	for _, e := range ex {
		if err := s.PutExemption(ctx, e); err != nil {
			t.Fatalf("PutExemption: %v", err)
		}
	}
	got, err := s.Exemptions(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []Exemption{
		{Email: "ada@example.com", Product: "confluence", Reason: "writes the handbook twice a year", By: "U1", Created: now},
		{Email: "grace@example.com", Product: "jira-software", Until: now.AddDate(0, 1, 0), Reason: "on leave", By: "U2", Created: now},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Exemptions in force (-want +got):\n%s", diff)
	}
	if all, _ := s.Exemptions(ctx, time.Time{}); len(all) != 3 {
		t.Errorf("all exemptions: %d, want 3", len(all))
	}
	for _, tc := range []struct {
		email, product string
		at             time.Time
		want           bool
	}{
		{"ADA@example.com", "confluence", now, true},
		{"ada@example.com", "jira-software", now, false},
		{"grace@example.com", "jira-software", now.AddDate(0, 2, 0), false},
		{"old@example.com", "jira-software", now, false},
	} {
		if got, err := s.Exempt(ctx, tc.email, tc.product, tc.at); err != nil || got != tc.want {
			t.Errorf("Exempt(%s, %s, %v) = %v, %v; want %v", tc.email, tc.product, tc.at, got, err, tc.want)
		}
	}
	// Replacing keeps one row per email and product.
	ex[0].Reason = "still writes the handbook"
	if err := s.PutExemption(ctx, ex[0]); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.Exemptions(ctx, time.Time{}); len(all) != 3 || all[0].Reason != "still writes the handbook" {
		t.Errorf("after replacing: %+v", all)
	}
	if ok, err := s.RemoveExemption(ctx, "ADA@example.com", "confluence"); err != nil || !ok {
		t.Errorf("RemoveExemption = %v, %v; want true", ok, err)
	}
	if ok, err := s.RemoveExemption(ctx, "ada@example.com", "confluence"); err != nil || ok {
		t.Errorf("second RemoveExemption = %v, %v; want false", ok, err)
	}
	if err := s.PutExemption(ctx, Exemption{Product: "confluence"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("exemption without email: %v, want ErrInvalid", err)
	}
	// A look-alike address is not the person it imitates (U+212A KELVIN
	// SIGN folds to k in Unicode): kelvin's exemption does not keep the
	// nudges away from an account that only looks like his, nor does a
	// look-alike's remove end his.
	if err := s.PutExemption(ctx, Exemption{Email: "kelvin@example.com", Product: "confluence", Reason: "on leave", By: "U1"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Exempt(ctx, "\u212Aelvin@example.com", "confluence", now); err != nil || got {
		t.Errorf("a look-alike of an exempt address is exempt: %v, %v", got, err)
	}
	if ok, err := s.RemoveExemption(ctx, "\u212Aelvin@example.com", "confluence"); err != nil || ok {
		t.Errorf("a look-alike's remove ended the exemption: %v, %v", ok, err)
	}
	if err := s.PutExemption(ctx, Exemption{Email: "\u212Aelvin@example.com", Product: "jira-software", Reason: "x", By: "U1"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Exempt(ctx, "kelvin@example.com", "jira-software", now); err != nil || got {
		t.Errorf("an exemption of a look-alike address holds for the address it imitates: %v, %v", got, err)
	}
}

// testAuditTakesAnyText: an upstream value with a NUL byte or invalid UTF-8
// (a broken or hostile answer) in an entry is stored, cleaned: PostgreSQL
// refuses such text, and one refused entry would hold up the audit writer's
// whole backlog behind it.
func testAuditTakesAnyText(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	e := AuditEntry{Actor: "U1\x00", Emails: []string{"ada@example.com"}, AccountIDs: []string{"acc\x00-1", "acc-\xff2"},
		Kind: KindLookup, Outcome: OutcomeOK, Detail: "detail \x00\xfe"}
	if err := s.AppendBatch(ctx, []AuditEntry{e}); err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	got, err := s.Audit(ctx, AuditQuery{Target: "acc-1"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Audit by the cleaned account ID: %v, %v", got, err)
	}
	for _, v := range append([]string{got[0].Actor, got[0].Detail}, got[0].AccountIDs...) {
		if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
			t.Errorf("stored %q", v)
		}
	}
}

// testAuditKeepsEachPersonsOutcome: an entry of several people keeps each
// one's own outcome (migration 15), read back whole by the whole trail, one
// person's and an account's, and found by email in any ASCII case or by
// account ID; text PostgreSQL refuses is cleaned out of it, as elsewhere.
func testAuditKeepsEachPersonsOutcome(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	people := []PersonResult{
		{Email: "ada@example.com", AccountID: "acc-ada", Outcome: OutcomeOK},
		{Email: "grace@example.com", AccountID: "acc-grace", Outcome: OutcomeFailed, Reason: "unavail\x00able"},
		{Email: "nobody@example.com", Outcome: "not_found"},
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e := AuditEntry{At: at, Actor: "U1", Emails: []string{"ada@example.com", "grace@example.com", "nobody@example.com"},
		AccountIDs: []string{"acc-ada", "acc-grace"}, Kind: KindLookup, Outcome: "partial", People: people}
	if err := s.AppendBatch(ctx, []AuditEntry{e, {At: at.Add(time.Minute), Actor: "U2", Emails: []string{"ada@example.com"}, Kind: KindLookup, Outcome: OutcomeOK}}); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(people)
	want[1].Reason = "unavailable"
	for _, q := range []AuditQuery{{}, {Target: "GRACE@example.com"}, {Target: "acc-ada"}} {
		got, err := s.AuditPerson(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(got, func(e AuditEntry) bool { return e.Actor == "U1" })
		if i < 0 {
			t.Fatalf("%+v: no entry of U1 in %+v", q, got)
		}
		if diff := cmp.Diff(want, got[i].People); diff != "" {
			t.Errorf("%+v: people (-want +got):\n%s", q, diff)
		}
	}
	got, err := s.Audit(ctx, AuditQuery{Target: "ada@example.com"})
	if err != nil || len(got) != 2 {
		t.Fatalf("ada's trail: %d entries, %v", len(got), err)
	}
	if p, ok := got[1].PersonResult("ADA@example.com"); !ok || p != want[0] {
		t.Errorf("Ada in the entry of three: %+v, %v", p, ok)
	}
	if p, ok := got[1].PersonResult("acc-grace"); !ok || p != want[1] {
		t.Errorf("Grace by account ID: %+v, %v", p, ok)
	}
	if p, ok := got[0].PersonResult("ada@example.com"); ok || got[0].People != nil {
		t.Errorf("an entry stored without people gives %+v, %v (People %#v)", p, ok, got[0].People)
	}
	// Written again under its ID (the audit writer's retry after a commit
	// whose answer was lost), it is neither doubled nor changed.
	again := got[1]
	again.People = []PersonResult{{Email: "ada@example.com", Outcome: OutcomeFailed}}
	if err := s.AppendBatch(ctx, []AuditEntry{again}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Audit(ctx, AuditQuery{Target: "grace@example.com"}); err != nil || len(got) != 1 || !cmp.Equal(got[0].People, want) {
		t.Errorf("after the entry was written again, Grace's trail: %+v, %v", got, err)
	}
}

// testAuditLookalikeIsAnotherPerson: one person's trail holds their entries
// and no one else's. An address with a look-alike rune (a Kelvin sign for
// the K, from an Atlassian or Slack profile) is another address, as the bot
// reads addresses everywhere else (ASCII case only): Unicode's lower case
// folded it onto kate@example.com, and her trail listed the look-alike's
// lookups and nudges as hers.
func testAuditLookalikeIsAnotherPerson(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := s.AppendBatch(ctx, []AuditEntry{
		{At: at, Actor: "U1", Emails: []string{"Kate@Example.com"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: at.Add(time.Minute), Actor: "U2", Emails: []string{"\u212Aate@example.com"}, Kind: KindNudge, Outcome: OutcomeOK},
	}); err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{"kate@example.com": "U1", "KATE@EXAMPLE.COM": "U1", "\u212Aate@example.com": "U2"} {
		got, err := s.Audit(ctx, AuditQuery{Target: target})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Actor != want {
			t.Errorf("trail of %q = %+v, want only %s's entry", target, got, want)
		}
	}
}

// testAuditPersonPairsOnlyFoundAccounts: one person's trail takes in the
// entries naming them by account ID only, through the IDs their own
// entries pair with their email. An account an asker chose among several
// candidates for the email ("This one") is not such a pair: a wrong click
// would have put another person's whole trail into theirs.
func testAuditPersonPairsOnlyFoundAccounts(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := s.AppendBatch(ctx, []AuditEntry{
		{At: at, Actor: "U1", Emails: []string{"ada@example.com"}, AccountIDs: []string{"A"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: at.Add(time.Minute), Actor: "U2", Emails: []string{"ada@example.com"}, AccountIDs: []string{"B"}, Kind: KindLookup, Outcome: OutcomeOK,
			Detail: DetailChosen + " · channel C1"},
		{At: at.Add(2 * time.Minute), Actor: "U3", Emails: []string{"bob@example.com"}, AccountIDs: []string{"B"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: at.Add(3 * time.Minute), Actor: "U4", AccountIDs: []string{"A", "C"}, Kind: KindReport, Outcome: OutcomeOK, Detail: "seat digest"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.AuditPerson(ctx, AuditQuery{Target: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, e := range got {
		actors = append(actors, e.Actor)
	}
	if strings.Join(actors, " ") != "U4 U2 U1" {
		t.Errorf("ada's trail by %v, want U4 (the digest naming her account), U2 and U1: not U3's lookup of bob", actors)
	}
}

// testAuditPersonPairsOutsideTheWindow: the account IDs of one person are
// found from their entries at any time, not only from those in the window
// read: Ada looked up 200 days ago and named by account ID only in a digest
// 10 days ago was missing from "--since 30d" (and from Slack's 90 days),
// with nothing saying so.
func testAuditPersonPairsOutsideTheWindow(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	now := time.Now()
	day := 24 * time.Hour
	if err := s.AppendBatch(ctx, []AuditEntry{
		{At: now.Add(-200 * day), Actor: "U1", Emails: []string{"ada@example.com"}, AccountIDs: []string{"A"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: now.Add(-10 * day), Actor: "U4", AccountIDs: []string{"A", "C"}, Kind: KindReport, Outcome: OutcomeOK, Detail: "seat digest"},
		{At: now.Add(-5 * day), Actor: "U5", AccountIDs: []string{"C"}, Kind: KindReport, Outcome: OutcomeOK, Detail: "seat digest"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []AuditQuery{
		{Target: "ada@example.com", Since: now.Add(-30 * day)},
		{Target: "ada@example.com", Since: now.Add(-90 * day), NotKind: KindNudge, Limit: 1000},
	} {
		got, err := s.AuditPerson(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Actor != "U4" {
			t.Errorf("ada's trail since %s: %+v, want U4's digest naming her account only", now.Sub(q.Since), got)
		}
	}
}

// testAuditPersonEmailReassigned: an email given to a new hire after its
// first owner's changed is not a way into the first owner's trail. Ada had
// jane@ with account A and was looked up so, then became jane2@; the new
// hire has jane@ with account N. "audit jane@" took every later entry
// naming A, Ada's lookups as jane2@ included. An account whose newest pair
// is with another email is the email's only up to that pair.
func testAuditPersonEmailReassigned(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := s.AppendBatch(ctx, []AuditEntry{
		{At: at, Actor: "U1", Emails: []string{"jane@example.com"}, AccountIDs: []string{"A"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: at.Add(1 * time.Hour), Actor: "U2", AccountIDs: []string{"A", "C"}, Kind: KindReport, Outcome: OutcomeOK, Detail: "seat digest"},
		{At: at.Add(2 * time.Hour), Actor: "U3", Emails: []string{"Jane2@example.com"}, AccountIDs: []string{"A"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: at.Add(3 * time.Hour), Actor: "U4", AccountIDs: []string{"A", "C"}, Kind: KindReport, Outcome: OutcomeOK, Detail: "seat digest"},
		{At: at.Add(4 * time.Hour), Actor: "U5", Emails: []string{"JANE@example.com"}, AccountIDs: []string{"N"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: at.Add(5 * time.Hour), Actor: "U6", AccountIDs: []string{"N"}, Kind: KindNudge, Outcome: OutcomeOK},
		{At: at.Add(6 * time.Hour), Actor: "U7", Emails: []string{"jane2@example.com"}, AccountIDs: []string{"A"}, Kind: KindLookup, Outcome: OutcomeOK},
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    AuditQuery
		want string
	}{
		{AuditQuery{Target: "jane@example.com"}, "U6 U5 U2 U1"},
		{AuditQuery{Target: "jane@example.com", Since: at.Add(3 * time.Hour)}, "U6 U5"},
		{AuditQuery{Target: "jane@example.com", Kind: KindReport}, "U2"},
		{AuditQuery{Target: "jane2@example.com"}, "U7 U4 U3 U2 U1"},
	} {
		got, err := s.AuditPerson(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var actors []string
		for _, e := range got {
			actors = append(actors, e.Actor)
		}
		if strings.Join(actors, " ") != c.want {
			t.Errorf("trail of %s (since %v, kind %q) by %v, want %s", c.q.Target, c.q.Since, c.q.Kind, actors, c.want)
		}
	}
}

// testAuditAccountReadsItsEmail: an account's trail takes in the entries
// naming only its email (a lookup that found no one, a refusal, a lookup of
// two where its email was not matched), as an email's takes in its account's.
// "audit 712020:…" read only the entries naming the ID. The email was the
// account's from its first pair with the email alone after another
// account's (an email reassigned to a new hire) up to the next account's
// pair: P had jane@ first, then A, then N; each one's trail holds only the
// email's entries of its own time.
func testAuditAccountReadsItsEmail(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return at.Add(time.Duration(n) * time.Hour) }
	if err := s.AppendBatch(ctx, []AuditEntry{
		{At: h(0), Actor: "U0", Emails: []string{"jane@example.com"}, AccountIDs: []string{"P"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: h(1), Actor: "U1", Emails: []string{"jane@example.com"}, Kind: KindRefusal, Outcome: OutcomeRefused},
		{At: h(2), Actor: "U2", Emails: []string{"JANE@example.com"}, AccountIDs: []string{"A"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: h(3), Actor: "U3", Emails: []string{"jane@example.com"}, Kind: KindLookup, Outcome: "not_found"},
		{At: h(4), Actor: "U4", Emails: []string{"jane@example.com", "bob@example.com"}, AccountIDs: []string{"Z"}, Kind: KindLookup, Outcome: "partial"},
		{At: h(5), Actor: "U5", Emails: []string{"jane@example.com"}, AccountIDs: []string{"A"}, Kind: KindNudge, Outcome: OutcomeOK},
		{At: h(6), Actor: "U6", Emails: []string{"jane@example.com"}, AccountIDs: []string{"C"}, Kind: KindLookup, Outcome: OutcomeOK,
			Detail: DetailChosen},
		{At: h(7), Actor: "U7", Emails: []string{"jane@example.com"}, Kind: KindRefusal, Outcome: OutcomeRefused},
		{At: h(8), Actor: "U8", Emails: []string{"jane@example.com"}, AccountIDs: []string{"N"}, Kind: KindLookup, Outcome: OutcomeOK},
		{At: h(9), Actor: "U9", Emails: []string{"jane@example.com"}, Kind: KindRefusal, Outcome: OutcomeRefused},
		{At: h(10), Actor: "U10", AccountIDs: []string{"A", "Y"}, Kind: KindReport, Outcome: OutcomeOK, Detail: "seat digest"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    AuditQuery
		want string
	}{
		{AuditQuery{Target: "A"}, "U10 U7 U6 U5 U4 U3 U2"},
		{AuditQuery{Target: "A", Since: h(4)}, "U10 U7 U6 U5 U4"},
		{AuditQuery{Target: "A", Kind: KindRefusal}, "U7"},
		{AuditQuery{Target: "A", NotKind: KindLookup}, "U10 U7 U5"},
		{AuditQuery{Target: "A", Limit: 3}, "U10 U7 U6"},
		{AuditQuery{Target: "P"}, "U1 U0"},
		{AuditQuery{Target: "N"}, "U9 U8"},
		// Chosen among several, C's pair is not the directory's: C's
		// trail is the entry naming it.
		{AuditQuery{Target: "C"}, "U6"},
	} {
		got, err := s.AuditPerson(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var actors []string
		for _, e := range got {
			actors = append(actors, e.Actor)
		}
		if strings.Join(actors, " ") != c.want {
			t.Errorf("trail of %s (since %v, kind %q, not %q, limit %d) by %v, want %s", c.q.Target, c.q.Since, c.q.Kind, c.q.NotKind, c.q.Limit, actors, c.want)
		}
	}
}

func testButtonKeys(t *testing.T, fresh fixture) {
	s := open(t, fresh(t))
	ctx := context.Background()
	day := 24 * time.Hour
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	a, b, c := []byte{1, 2, 3}, []byte{4, 5, 6}, []byte{7, 8, 9}
	for _, r := range []struct {
		purpose string
		key     []byte
		at      time.Time
	}{
		{"share", a, t0}, {"share", b, t0.Add(10 * day)}, {"release", c, t0.Add(10 * day)},
		{"share", a, t0.Add(5 * day)}, // seen again: its time moves on
	} {
		if err := s.RememberButtonKey(ctx, r.purpose, r.key, r.at); err != nil {
			t.Fatalf("RememberButtonKey: %v", err)
		}
	}
	got, err := s.ButtonKeys(ctx, "share", t0.Add(day))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ButtonKey{{Key: b, LastUsed: t0.Add(10 * day)}, {Key: a, LastUsed: t0.Add(5 * day)}}, got); diff != "" {
		t.Errorf("share keys since day 1 (-want +got):\n%s", diff)
	}
	if got, _ := s.ButtonKeys(ctx, "share", t0.Add(6*day)); len(got) != 1 {
		t.Errorf("share keys since day 6: %d, want 1", len(got))
	}
	// A key unused for the retention is forgotten at the next remember.
	if err := s.RememberButtonKey(ctx, "release", c, t0.Add(11*day+ButtonKeyRetention)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ButtonKeys(ctx, "share", time.Time{}); len(got) != 0 {
		t.Errorf("share keys after the retention: %d, want 0", len(got))
	}
	if err := s.RememberButtonKey(ctx, "", a, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("no purpose: %v, want ErrInvalid", err)
	}
}

// TestLastactiveTablesListsTheSchema keeps lastactiveTables (whose owners
// check reads before an upgrade) in step with what the migrations make.
func TestLastactiveTablesListsTheSchema(t *testing.T) {
	t.Parallel()
	s := open(t, sqliteFixture(t))
	// state_migrate_lock is SQLite's migration lock (PostgreSQL takes an
	// advisory lock): never altered by a migration.
	rows, err := s.db.QueryContext(context.Background(), `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'state_migrate_lock'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(lastactiveTables))
	if !slices.Equal(got, want) {
		t.Errorf("the migrations make %v; lastactiveTables lists %v", got, want)
	}
}

// TestAuditOfOnePersonReadsTheirEntries: one person's trail
// (`lastactive audit EMAIL`, `/lastactive audit EMAIL`) is read through
// the target index, in time order, not by walking the whole trail since
// --since and testing each entry: on a trail that nudge rounds over a large
// organisation fill by tens of thousands of entries a round, that walk cost
// a tenth of a second for every million entries, holding SQLite's one
// connection meanwhile. The plan must start from audit_target by target
// and ID, and reach each entry by its key.
func TestAuditOfOnePersonReadsTheirEntries(t *testing.T) {
	t.Parallel()
	s := open(t, sqliteFixture(t))
	for _, q := range []AuditQuery{
		{Target: "ada@example.com"},
		{Target: "Ada@Example.com", Since: time.Now().Add(-90 * 24 * time.Hour), NotKind: KindSkip, Limit: 1000},
		{Target: "712020:abc", Kind: KindSkip, Limit: 1000},
	} {
		query, args := auditSQL(q, 100)
		rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		// Only audit_target's key is (target, audit_id).
		if len(plan) == 0 || !strings.Contains(plan[0], "PRIMARY KEY (target=? AND audit_id>?)") {
			t.Errorf("%+v: plan %q, want a search of audit_target by target and ID first", q, plan)
		}
		for _, l := range plan {
			if strings.Contains(l, "(id>?)") || strings.HasPrefix(l, "SCAN") || strings.Contains(l, "TEMP B-TREE") {
				t.Errorf("%+v: plan %q walks or sorts the trail", q, plan)
			}
		}
	}
}

// TestTableOf: the table a statement names first, for OnWrite and
// CancelledTable.
func TestTableOf(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{`INSERT INTO envelope_seen (id, expires_us) VALUES ($1, $2)`, "envelope_seen"},
		{"INSERT INTO audit_entry(id, at_us) VALUES ($1, $2)", "audit_entry"},
		{"\n\t\tUPDATE nudge SET answer = $1 WHERE id = $2", "nudge"},
		{`DELETE FROM report_scan WHERE id IN (SELECT id FROM report_scan WHERE posted = $1)`, "report_scan"},
		{`SELECT body FROM scan_result WHERE name = $1`, "scan_result"},
		{`SELECT count(*) FROM (SELECT 1) x`, ""},
		{`SHOW transaction_read_only`, ""},
		{"pgx_3", ""},
		{"", ""},
	} {
		if got := tableOf(tc.sql); got != tc.want {
			t.Errorf("tableOf(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
}
