package wire

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/internal/schedule"
	"lastactive/internal/state"
	"lastactive/nudge"
	"lastactive/seat"
)

// syncBuf is a log sink safe for the writer's goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func sqliteURL(t *testing.T) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "state.db")
	return "sqlite:" + p, p
}

func openTestDurable(t *testing.T, url string, logs *syncBuf) (*Durable, *StoreMetrics) {
	t.Helper()
	m := NewStoreMetrics(prometheus.NewRegistry())
	log := slog.New(slog.NewJSONHandler(logs, nil))
	d := OpenDurable(context.Background(), url, DurableOptions{Logger: log, Metrics: m})
	t.Cleanup(func() { d.Close() })
	return d, m
}

func event(actor, email string) bot.AuditEvent {
	return bot.AuditEvent{At: time.Now(), Actor: actor, Channel: "C1", Action: bot.AuditLookup, Outcome: "ok",
		Emails: []string{email}, AccountIDs: []string{"acc-" + email}, ReplyKind: "lookup"}
}

// TestAuditWriterStoresAndFlushes: events queued before the stop are all in
// the store once Run returns, each with its log line saying it was stored.
func TestAuditWriterStoresAndFlushes(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	if !d.OK() || testutil.ToFloat64(m.ok) != 1 {
		t.Fatalf("store not ok after open: %s", logs.String())
	}
	w := NewAuditWriter(d, 100, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	for i := range 20 {
		if !w.Record(event("U1", fmt.Sprintf("p%d@example.com", i))) {
			t.Fatalf("Record %d refused", i)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: everything must come from the flush
	w.Run(ctx)
	got, err := d.Store().Audit(context.Background(), state.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 {
		t.Fatalf("stored %d entries, want 20", len(got))
	}
	e, _ := d.Store().Audit(context.Background(), state.AuditQuery{Target: "P7@example.com"})
	if len(e) != 1 || e[0].Actor != "U1" || e[0].Kind != state.KindLookup || e[0].AccountIDs[0] != "acc-p7@example.com" ||
		!strings.Contains(e[0].Detail, "channel C1") {
		t.Errorf("entry for p7 = %+v", e)
	}
	if n := strings.Count(logs.String(), `"audit_stored":true`); n != 20 {
		t.Errorf("%d audit lines with audit_stored=true, want 20", n)
	}
	if w.Record(event("U1", "late@example.com")) {
		t.Error("Record after stop was accepted: it would never be written")
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_dropped")); v != 1 {
		t.Errorf("audit_dropped = %v, want 1", v)
	}
}

// TestAuditWriterQueueFull: a full queue (a write stalls) spills into the
// overflow, which with the backlog holds at most maxAuditBacklog entries;
// past that, Record refuses at once (the command does not wait) and counts
// the drop.
func TestAuditWriterQueueFull(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 2, nil, m)
	w.waiting.Store(maxAuditBacklog - 3) // a backlog kept from an outage
	var ok []bool
	for _, p := range []string{"a", "b", "c", "d", "e", "f"} {
		ok = append(ok, w.Record(event("U1", p+"@example.com")))
	}
	if want := []bool{true, true, true, true, true, false}; !slices.Equal(ok, want) {
		t.Errorf("Record results %v, want %v (2 queued, 3 spilled up to the backlog's bound, then refused)", ok, want)
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_dropped")); v != 1 {
		t.Errorf("audit_dropped = %v, want 1", v)
	}
}

// TestStoreUnavailableAtStart: a database that cannot be opened does not
// fail OpenDurable; it is logged once, store_ok is 0, writes are counted and
// logged with audit_stored=false, and the audit trail says unavailable.
func TestStoreUnavailableAtStart(t *testing.T) {
	var logs syncBuf
	d, m := openTestDurable(t, "sqlite:"+filepath.Join(t.TempDir(), "missing-dir", "x.db"), &logs)
	if d.OK() || d.Store() != nil || testutil.ToFloat64(m.ok) != 0 {
		t.Fatal("store reported ok although its directory does not exist")
	}
	d.ping(context.Background()) // still failing: no second error line
	if n := strings.Count(logs.String(), "state store unavailable"); n != 1 {
		t.Errorf("%d error lines, want exactly 1 per change of state:\n%s", n, logs.String())
	}
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	w.Record(event("U1", "ada@example.com"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_write")); v != 1 {
		t.Errorf("audit_write errors = %v, want 1", v)
	}
	// Still unavailable at the stop: the kept entry is given up, counted.
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_lost")); v != 1 || !strings.Contains(logs.String(), "audit entries not stored") {
		t.Errorf("audit_lost = %v, want 1 and a log line:\n%s", v, logs.String())
	}
	if !strings.Contains(logs.String(), `"audit_stored":false`) || !strings.Contains(logs.String(), "ada@example.com") {
		t.Errorf("the failed event's audit line is not in the log:\n%s", logs.String())
	}
	if _, err := (AuditTrailReader{D: d}).Trail(context.Background(), "ada@example.com", time.Time{}); err != bot.ErrAuditUnavailable {
		t.Errorf("Trail = %v, want ErrAuditUnavailable", err)
	}
}

// TestSQLiteFileDeleted: a deleted database file is noticed at the next
// write (store_ok 0, the write counted and logged), and the next check
// opens a new file, after which writes are stored again, the one that
// failed meanwhile with them (kept, not lost: before, the new file held
// only what came after it).
func TestSQLiteFileDeleted(t *testing.T) {
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	ctx := context.Background()
	w.write(ctx, event("U1", "before@example.com"))
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	w.write(ctx, event("U1", "during@example.com"))
	if d.OK() || testutil.ToFloat64(m.ok) != 0 {
		t.Fatal("store still ok after its file was deleted")
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_write")); v != 1 {
		t.Errorf("audit_write errors = %v, want 1", v)
	}
	d.ping(ctx)
	if !d.OK() {
		t.Fatalf("store not reopened:\n%s", logs.String())
	}
	w.write(ctx, event("U1", "after@example.com"))
	got, err := d.Store().Audit(ctx, state.AuditQuery{})
	if err != nil || len(got) != 2 || got[0].Emails[0] != "after@example.com" || got[1].Emails[0] != "during@example.com" {
		t.Errorf("new file holds %+v (%v), want the entry that failed and the one after reopening", got, err)
	}
	if !strings.Contains(logs.String(), "audit entries stored after the store came back") {
		t.Errorf("the late write is not logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "state store available again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

// TestSQLiteLockedByAnotherProcessStaysDown: while another process keeps
// the SQLite file's write lock (a second serve stuck in a transaction, a
// sqlite3 shell after BEGIN EXCLUSIVE), every write fails, and the check
// says so. Before, the check only pinged the connection, which reads
// nothing: the store was called available again a second after each
// failed write (lastactive_store_ok 1, "state store available again"), and
// flapped so for as long as the lock was held.
func TestSQLiteLockedByAnotherProcessStaysDown(t *testing.T) {
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	ctx := context.Background()
	conn := lockSQLite(t, path, "BEGIN EXCLUSIVE")
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	w.write(wctx, event("U1", "during@example.com"))
	cancel()
	if d.OK() {
		t.Fatal("store ok after a write failed on the lock")
	}
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	d.ping(pctx)
	cancel()
	if d.OK() || testutil.ToFloat64(m.ok) != 0 {
		t.Errorf("the check called the store available while another process holds its write lock:\n%s", logs.String())
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	d.ping(ctx)
	if !d.OK() {
		t.Fatalf("store not available once the lock was released:\n%s", logs.String())
	}
	w.write(ctx)
	got, err := d.Store().Audit(ctx, state.AuditQuery{})
	if err != nil || len(got) != 1 || got[0].Emails[0] != "during@example.com" {
		t.Errorf("stored %+v (%v), want the entry written while the file was locked", got, err)
	}
}

// memDedupe is the in-process deduper's behaviour: true once per ID.
type memDedupe struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memDedupe) FirstDelivery(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	first := !m.seen[id]
	m.seen[id] = true
	return first, nil
}

// TestStoreDeduper: two processes (two stores on one database, each with
// its own memory) answer an envelope once between them; with the store
// gone, each falls back to its own memory and never drops an envelope.
func TestStoreDeduper(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d1, m1 := openTestDurable(t, url, &logs)
	d2, _ := openTestDurable(t, url, &logs)
	a := &StoreDeduper{D: d1, Memory: &memDedupe{}, Metrics: m1}
	b := &StoreDeduper{D: d2, Memory: &memDedupe{}}
	ctx := context.Background()
	first := func(dd *StoreDeduper, id string) bool {
		t.Helper()
		ok, err := dd.FirstDelivery(ctx, id)
		if err != nil {
			t.Fatalf("FirstDelivery(%s): %v", id, err)
		}
		return ok
	}
	if !first(a, "E1") || first(b, "E1") || first(a, "E1") {
		t.Error("E1: want first on a only")
	}
	if !first(b, "E2") || first(a, "E2") {
		t.Error("E2: want first on b only")
	}
	d1.Close() // the database is gone for a
	d1.report(fmt.Errorf("closed"))
	if !first(a, "E3") {
		t.Error("E3 with the store down: want the memory's answer (first), not a drop")
	}
	if first(a, "E3") {
		t.Error("E3 again on a: the memory must still dedupe")
	}
}

// TestStoreDeduperStoreErrors: a store that fails the query (not merely
// marked down) falls back to the memory answer and counts the error.
func TestStoreDeduperStoreErrors(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	d.Store().Close() // closed underneath: every query fails
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	ok, err := dd.FirstDelivery(context.Background(), "E9")
	if !ok || err != nil {
		t.Errorf("FirstDelivery = %v, %v; want true, nil", ok, err)
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("dedupe")); v != 1 {
		t.Errorf("dedupe errors = %v, want 1", v)
	}
	if d.OK() {
		t.Error("store still ok after a failed query")
	}
}

// TestStoreDeduperSlowAnswerLeavesTheStoreUp: a dedupe query slower than
// its budget (dedupeTimeout, the socket's drain loop's) is answered from
// the memory, and only that envelope goes without the store: a loaded
// PostgreSQL under -race, slow once, marked the whole store down, and the
// approver's click beside it failed with "the database is unavailable".
func TestStoreDeduperSlowAnswerLeavesTheStoreUp(t *testing.T) {
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	dd := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m}
	conn := lockSQLite(t, path, "BEGIN EXCLUSIVE") // the insert waits past the budget
	ok, err := dd.FirstDelivery(context.Background(), "E-slow")
	if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
		t.Fatal(rerr)
	}
	if !ok || err != nil {
		t.Errorf("FirstDelivery = %v, %v; want true, nil", ok, err)
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("dedupe")); v != 1 {
		t.Errorf("dedupe errors = %v, want 1", v)
	}
	if !d.OK() {
		t.Errorf("one slow dedupe answer marked the store down:\n%s", logs.String())
	}
}

// TestScanShareOneScanAcrossProcesses: two processes asking for a scan at
// once run one scan; the other reads its published result; a snapshot of
// the counts is saved once.
func TestScanShareOneScanAcrossProcesses(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d1, _ := openTestDurable(t, url, &logs)
	d2, _ := openTestDurable(t, url, &logs)
	org := atlassiantest.GenerateOrg(30, 1, time.Now())
	atl := atlassiantest.NewServer(org)
	t.Cleanup(atl.Close)
	client, err := Atlassian(fakeSettings(atl))
	if err != nil {
		t.Fatal(err)
	}
	var scans atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	scan := func(ctx context.Context) (seat.Scanned, error) {
		if scans.Add(1) == 1 {
			close(started)
		}
		<-release // hold the claim until the other process is waiting
		var users []atlassian.OrgUser
		for u, err := range client.OrgUsers(ctx, atlassian.UserQuery{}) {
			if err != nil {
				return seat.Scanned{}, err
			}
			users = append(users, u)
		}
		return seat.Scanned{Users: users}, nil
	}
	shares := []*ScanShare{{D: d1, Holder: "one", IdleDays: 90}, {D: d2, Holder: "two", IdleDays: 90}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]seat.Scanned, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	since := time.Now()
	wg.Go(func() { results[0], _, errs[0] = shares[0].Share(ctx, since, scan) })
	<-started
	wg.Go(func() { results[1], _, errs[1] = shares[1].Share(ctx, since, scan) })
	// The second is waiting when it finds the slot taken; then let the scan end.
	waitFor(t, func() bool {
		ok, _ := d2.Store().Claim(ctx, scanSlot, "probe", time.Minute)
		return !ok
	})
	close(release)
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		if len(results[i].Users) != len(org.Users) {
			t.Errorf("process %d got %d accounts, want %d", i, len(results[i].Users), len(org.Users))
		}
	}
	if n := scans.Load(); n != 1 {
		t.Errorf("%d scans, want 1", n)
	}
	// A later ask that accepts this result reads it without scanning.
	if _, _, err := shares[1].Share(ctx, since, scan); err != nil || scans.Load() != 1 {
		t.Errorf("reuse: err %v, scans %d; want the published result", err, scans.Load())
	}
	// One that wants a newer result scans again.
	if _, _, err := shares[1].Share(ctx, time.Now().Add(time.Second), scan); err != nil || scans.Load() != 2 {
		t.Errorf("fresh: err %v, scans %d; want a new scan", err, scans.Load())
	}
}

// TestScanShareWithoutStore: no store, no coordination: scan here.
func TestScanShareWithoutStore(t *testing.T) {
	var logs syncBuf
	d, _ := openTestDurable(t, "sqlite:"+filepath.Join(t.TempDir(), "no", "x.db"), &logs)
	n := 0
	got, _, err := (&ScanShare{D: d}).Share(context.Background(), time.Now(), func(context.Context) (seat.Scanned, error) {
		n++
		return seat.Scanned{Users: []atlassian.OrgUser{{AccountID: "a"}}}, nil
	})
	if err != nil || n != 1 || len(got.Users) != 1 {
		t.Errorf("users %v, err %v, scans %d; want the local scan", got.Users, err, n)
	}
}

// waitFor polls a condition (a state, not a duration) for up to 20 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAuditWriterBatches: events that wait together are written together,
// at most a batch per transaction; an event the store refuses (an unknown
// kind) fails alone, counted and logged unstored, and the rest are stored.
func TestAuditWriterBatches(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 1000, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	var batches []int
	w.onBatch = func(n int) { batches = append(batches, n) } // called by Run's goroutine only
	for i := range 200 {
		e := event("U1", fmt.Sprintf("p%d@example.com", i))
		if i == 100 {
			e.Action = "bogus"
		}
		if !w.Record(e) {
			t.Fatalf("Record %d refused", i)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	waitFor(t, func() bool { return strings.Count(logs.String(), `"msg":"audit"`) == 200 })
	cancel()
	<-done
	got, err := d.Store().Audit(context.Background(), state.AuditQuery{Limit: 1000})
	if err != nil || len(got) != 199 {
		t.Fatalf("stored %d entries (%v), want 199", len(got), err)
	}
	total := 0
	for _, n := range batches {
		total += n
		if n > DefaultAuditBatch {
			t.Errorf("a batch of %d entries, more than %d", n, DefaultAuditBatch)
		}
	}
	if total != 199 || len(batches) > 4 {
		t.Errorf("batches %v: %d entries in %d transactions, want 199 in at most 4 (200 queued, batches of %d)", batches, total, len(batches), DefaultAuditBatch)
	}
	if n := strings.Count(logs.String(), `"audit_stored":true`); n != 199 {
		t.Errorf("%d audit lines stored=true, want 199", n)
	}
	if n := strings.Count(logs.String(), `"audit_stored":false`); n != 1 {
		t.Errorf("%d audit lines stored=false, want 1 (the unknown kind)", n)
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_write")); v != 1 {
		t.Errorf("audit_write errors = %v, want 1", v)
	}
}

// TestAuditWriterGathers: a lone event is written at once; events that
// follow a write within the linger wait a little for more before they are
// written, so commands arriving one by one under load still share a
// transaction (SQLite's cost is per transaction). Here the wait is long:
// the first event is written alone, the nine recorded after it join one
// batch, and the stop writes them as one.
func TestAuditWriterGathers(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 100, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	w.linger = time.Hour
	batches := make(chan int, 10)
	w.onBatch = func(n int) { batches <- n }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	if !w.Record(event("U1", "p0@example.com")) {
		t.Fatal("Record 0 refused")
	}
	// A lone event (an idle bot's one command) is not held for the
	// linger: another process reading the trail right after the reply
	// (lastactive audit) finds it.
	select {
	case n := <-batches:
		if n != 1 {
			t.Errorf("first batch %d events, want the lone 1", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a lone event waited for the linger (an hour here) before it was written")
	}
	for i := 1; i < 10; i++ {
		if !w.Record(event("U1", fmt.Sprintf("p%d@example.com", i))) {
			t.Fatalf("Record %d refused", i)
		}
		time.Sleep(time.Millisecond) // one by one, as commands arrive
	}
	cancel()
	<-done
	close(batches)
	var got []int
	for n := range batches {
		got = append(got, n)
	}
	if len(got) != 1 || got[0] != 9 {
		t.Errorf("batches after the first %v, want the 9 events that followed it in one", got)
	}
}

// TestRetryIfStopped: a nudge round that ended because the process is
// stopping is marked for another try (the claim is given back); one that
// failed while the process runs, or succeeded, is not.
func TestRetryIfStopped(t *testing.T) {
	running := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	cause := fmt.Errorf("nudge round: org scan: %w", context.Canceled)
	if err := retryIfStopped(stopped, cause); !errors.Is(err, schedule.ErrNotDone) || !errors.Is(err, context.Canceled) {
		t.Errorf("stopped: %v, want ErrNotDone wrapping the cause", err)
	}
	if err := retryIfStopped(running, cause); errors.Is(err, schedule.ErrNotDone) {
		t.Errorf("running: %v, want the error as it is", err)
	}
	if err := retryIfStopped(stopped, nil); err != nil {
		t.Errorf("stopped after success: %v, want nil", err)
	}
}

// TestEnvelopeLogRemembersAcrossARestart: a process alone on its SQLite
// file answers from memory and writes the IDs in batches; the next process
// on the file loads them, so Slack's redelivery after a restart is not a
// first delivery.
func TestEnvelopeLogRemembersAcrossARestart(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	ctx := context.Background()

	// An ID the store keeps by its SHA-256 (past 512 bytes, or not
	// UTF-8) is known again after the restart as well.
	long := "E" + strings.Repeat("x", 600)

	first := NewEnvelopeLog(d, bot.NewMemoryDeduper(state.EnvelopeTTL, nil), m, nil)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); first.Run(rctx) }()
	for _, id := range []string{"E1", "E2", "E1", long, "E\xff"} {
		if _, err := first.FirstDelivery(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	stop() // flushes what is queued
	<-done

	again := NewEnvelopeLog(d, bot.NewMemoryDeduper(state.EnvelopeTTL, nil), m, nil)
	rctx, stop = context.WithCancel(ctx)
	done = make(chan struct{})
	go func() { defer close(done); again.Run(rctx) }()
	defer func() { stop(); <-done }()
	for _, c := range []struct {
		id    string
		first bool
	}{{"E1", false}, {"E2", false}, {"E3", true}, {"E3", false}, {long, false}, {"E\xff", false}} {
		got, err := again.FirstDelivery(ctx, c.id)
		if err != nil || got != c.first {
			t.Errorf("after the restart, %.20q: first %v (%v), want %v", c.id, got, err, c.first)
		}
	}
}

// TestStoreDedupeWaitsForTheOpeningStore: serve opens the store beside the
// bot, so the first envelopes can come while it is still opening; a replica
// answering them from its memory alone would answer an envelope its peer
// answers too. The dedupe waits (briefly) for the first open.
func TestStoreDedupeWaitsForTheOpeningStore(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	m := NewStoreMetrics(prometheus.NewRegistry())
	d := OpenDurable(context.Background(), url, DurableOptions{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: m, OpenInRun: true})
	t.Cleanup(func() { d.Close() })
	// The wait is the product's half second; here it is long, so that the
	// test proves the wait and not how fast a loaded machine opens SQLite
	// (CI once took longer, and the first answer went from memory).
	a := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m, openWait: time.Minute}
	b := &StoreDeduper{D: d, Memory: &memDedupe{}, Metrics: m, openWait: time.Minute} // the other replica's memory

	got := make(chan bool, 1)
	go func() {
		first, _ := a.FirstDelivery(context.Background(), "E1")
		got <- first
	}()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }() // opens the store
	defer func() { stop(); <-done }()
	if first := <-got; !first {
		t.Fatal("the first delivery was not first")
	}
	if first, _ := b.FirstDelivery(context.Background(), "E1"); first {
		t.Error("the other replica also took E1 as its first delivery: the first answer did not wait for the store")
	}
}

// TestNudgeRoundClaimOutlastsTheRound: the claim that keeps a second round
// out must not lapse while the schedule lets a round run.
func TestNudgeRoundClaimOutlastsTheRound(t *testing.T) {
	if nudge.RoundClaimTTL < nudgeRunTimeout {
		t.Errorf("the round's claim lasts %v, a round may run %v", nudge.RoundClaimTTL, nudgeRunTimeout)
	}
}

// TestEnvelopeLogQuietWhileTheStoreIsAway: with no store, first deliveries
// are answered from memory and not queued, so the queue does not fill and
// count thousands of "dropped" envelopes for as long as the store is away.
func TestEnvelopeLogQuietWhileTheStoreIsAway(t *testing.T) {
	var logs syncBuf
	d, m := openTestDurable(t, "sqlite:"+filepath.Join(t.TempDir(), "missing-dir", "x.db"), &logs)
	l := NewEnvelopeLog(d, bot.NewMemoryDeduper(state.EnvelopeTTL, nil), m, nil)
	close(l.loaded) // as Run would once it gave up waiting
	for i := range 2 * DefaultAuditQueue {
		if first, err := l.FirstDelivery(context.Background(), fmt.Sprintf("E%d", i)); err != nil || !first {
			t.Fatalf("E%d: first %v, %v", i, first, err)
		}
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("envelope_dropped")); v != 0 {
		t.Errorf("envelope_dropped = %v while the store was away, want 0", v)
	}
}

// TestTrailSkipsDoNotHideLookups: the Slack audit view reads at most 1,000
// entries; nudge skips (one per idle product and weekday round) are read
// apart from the rest, so that months of them cannot push who looked the
// person up out of the read (before, 1,200 newer skips hid the lookups).
func TestTrailSkipsDoNotHideLookups(t *testing.T) {
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	st := d.Store()
	ctx := context.Background()
	base := time.Now().Add(-30 * 24 * time.Hour)
	var batch []state.AuditEntry
	for i := range 3 {
		batch = append(batch, state.AuditEntry{At: base.Add(time.Duration(i) * time.Minute), Actor: "U1",
			Emails: []string{"ada@example.com"}, Kind: state.KindLookup, Outcome: state.OutcomeOK})
	}
	for i := range 1200 {
		batch = append(batch, state.AuditEntry{At: base.Add(time.Hour + time.Duration(i)*time.Minute),
			Emails: []string{"ada@example.com"}, Kind: state.KindSkip, Outcome: state.OutcomeOK, Detail: "asked recently"})
	}
	for len(batch) > 0 {
		n := min(len(batch), 500)
		if err := st.AppendBatch(ctx, batch[:n]); err != nil {
			t.Fatal(err)
		}
		batch = batch[n:]
	}
	events, err := (AuditTrailReader{D: d}).Trail(ctx, "ada@example.com", base.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	lookups, skips := 0, 0
	for i, e := range events {
		switch e.Action {
		case bot.AuditLookup:
			lookups++
		case "skip":
			skips++
		}
		if i > 0 && e.At.After(events[i-1].At) {
			t.Fatalf("event %d is newer than the one before: not newest first", i)
		}
	}
	if lookups != 3 || skips == 0 {
		t.Errorf("%d lookups and %d skips read, want the 3 lookups and the skips", lookups, skips)
	}
}

// TestAuditWriterStopIsBounded: a write begun just before the stop, on a
// database that stalls (another process holds SQLite's write lock), ends
// flushTimeout after the stop, not auditWriteTimeout after it began: serve
// must exit within the contract's 10 s (before, 12.5 s: 7.5 s of abandoned
// work, then a fresh 5 s write).
func TestAuditWriterStopIsBounded(t *testing.T) {
	url, path := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	// Another process's write lock, as python's BEGIN IMMEDIATE would take.
	conn := lockSQLite(t, path+"?_pragma=busy_timeout(100)", "BEGIN IMMEDIATE")
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	w := NewAuditWriter(d, 0, nil, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	w.Record(event("U1", "ada@example.com"))
	time.Sleep(auditLinger + 100*time.Millisecond) // the write has begun, and waits for the lock
	stopped := time.Now()
	stop()
	select {
	case <-done:
		// Right, Run returns flushTimeout after the stop, plus the time
		// the stalled write takes to see its context end: 1.001 s on a
		// quiet machine, so the one second of margin it had was all a
		// loaded -race run could spend. Wrong, it waits out the write
		// begun before the stop (auditWriteTimeout from its start, about
		// 4.85 s after the stop) or more (12.35 s before the fix): two
		// seconds of margin still tell them apart.
		if took := time.Since(stopped); took > flushTimeout+2*time.Second {
			t.Errorf("Run returned %v after the stop, want within about %v", took, flushTimeout)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return")
	}
}

// TestButtonsSurviveTokenRotation: a button sealed under the old bot token
// is still accepted by a process started with the new one on the same
// database (before, every pending Keep/Release and Share read as forged
// after a rotation); one sealed under a token the store never saw is not,
// nor one sealed under the old token after it went out of use; and one too
// old reads as stale, not forged.
func TestButtonsSurviveTokenRotation(t *testing.T) {
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	ctx := context.Background()
	now := time.Now()
	at := func(ago time.Duration) func() time.Time { return func() time.Time { return now.Add(-ago) } }
	// The old token sealed buttons until 3 h ago (its last record), then
	// was rotated.
	old := bot.NewButtonSigner("xoxb-old", ButtonMaxAge, at(3*time.Hour))
	if err := rememberButtonKeys(ctx, d.Store(), []sealer{{"keep or release", old}}, now.Add(-3*time.Hour), true); err != nil {
		t.Fatal(err)
	}
	value := bot.ButtonValue([]string{"ada@example.com"})
	sealed := bot.NewButtonSigner("xoxb-old", ButtonMaxAge, at(3*time.Hour-10*time.Minute)).Sign(value)
	rotated := bot.NewButtonSigner("xoxb-new", ButtonMaxAge, nil)
	if _, err := rotated.Open(sealed); err == nil {
		t.Fatal("the new token's signer accepted the old button before reading the store: the test proves nothing")
	}
	if err := rememberButtonKeys(ctx, d.Store(), []sealer{{"keep or release", rotated}}, now, true); err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.Open(sealed); err != nil {
		t.Errorf("old button after the rotation: %v", err)
	}
	stranger := bot.NewButtonSigner("xoxb-stranger", ButtonMaxAge, nil)
	if _, err := rotated.Open(stranger.Sign(value)); !errors.Is(err, bot.ErrForgedButton) {
		t.Errorf("a token the store never saw: %v, want forged", err)
	}
	stale := bot.NewButtonSigner("xoxb-old", ButtonMaxAge, at(ButtonMaxAge+time.Hour)).Sign(value)
	if _, err := rotated.Open(stale); !errors.Is(err, bot.ErrStaleButton) {
		t.Errorf("a button too old, under the old key: %v, want stale", err)
	}
	retired := bot.NewButtonSigner("xoxb-old", ButtonMaxAge, nil).Sign(value) // sealed now, with the leaked token
	if _, err := rotated.Open(retired); !errors.Is(err, bot.ErrForgedButton) {
		t.Errorf("a new button under the retired key: %v, want forged", err)
	}
	// Another purpose's keys are not this one's.
	share := bot.NewButtonSigner("xoxb-new", ButtonMaxAge, nil)
	if err := rememberButtonKeys(ctx, d.Store(), []sealer{{"buttons", share}}, now, true); err != nil {
		t.Fatal(err)
	}
	if _, err := share.Open(sealed); err == nil {
		t.Error("the Share signer accepted a Keep/Release key")
	}
}

// TestRollingRotation: two replicas, one still on the old token and one on
// the new, each accept the other's buttons once the other has recorded its
// key, without a restart (before, the old replica refused half the clicks
// on new buttons for the rest of its life).
func TestRollingRotation(t *testing.T) {
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	ctx := context.Background()
	a := bot.NewButtonSigner("xoxb-a", time.Hour, nil)
	a.SetKeySource(keySource(d, "buttons"), time.Nanosecond)
	if err := rememberButtonKeys(ctx, d.Store(), []sealer{{"buttons", a}}, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	b := bot.NewButtonSigner("xoxb-b", time.Hour, nil)
	b.SetKeySource(keySource(d, "buttons"), time.Nanosecond)
	if err := rememberButtonKeys(ctx, d.Store(), []sealer{{"buttons", b}}, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	value := bot.ButtonValue([]string{"ada@example.com"})
	if _, err := a.Open(b.Sign(value)); err != nil {
		t.Errorf("the old replica, a button of the new: %v", err)
	}
	if _, err := b.Open(a.Sign(value)); err != nil {
		t.Errorf("the new replica, a button of the old: %v", err)
	}
}

// TestButtonKeysRecordedOnceTheStoreIsBack: a process whose store was away
// when it started records its keys at the next retry, not an hour later,
// so that other replicas can learn them.
func TestButtonKeysRecordedOnceTheStoreIsBack(t *testing.T) {
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	signer := bot.NewButtonSigner("xoxb-late", ButtonMaxAge, nil)
	a := &App{State: d, sealers: []sealer{{"buttons", signer}}, log: slog.New(slog.DiscardHandler)}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.keepButtonKeys(ctx, false, 10*time.Millisecond, time.Hour); close(done) }()
	defer func() { stop(); <-done }()
	waitFor(t, func() bool {
		keys, err := d.Store().ButtonKeys(context.Background(), "buttons", time.Time{})
		return err == nil && len(keys) == 1
	})
}

// TestBacklogWrittenAtStopOnceTheDatabaseAnswers: entries kept while the
// store was down are written by the flush at stop when the database answers
// again, even though the next check (every 30 s) has not yet marked the
// store up. Before, a PostgreSQL back for less than 30 s at a SIGTERM lost
// them all ("the store was unavailable until the stop").
func TestBacklogWrittenAtStopOnceTheDatabaseAnswers(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 10, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	d.observe(errors.New("connection refused")) // a failed write, as when PostgreSQL stops
	w.write(context.Background(), event("U1", "during@example.com"))
	if d.OK() || len(w.backlog) != 1 {
		t.Fatalf("store ok %v, backlog %d: want down with one entry kept", d.OK(), len(w.backlog))
	}
	// The database answers again; the stop comes before the next check.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_lost")); v != 0 {
		t.Errorf("audit_lost = %v with the database answering at the stop:\n%s", v, logs.String())
	}
	got, err := d.store.Load().Audit(context.Background(), state.AuditQuery{})
	if err != nil || len(got) != 1 {
		t.Errorf("stored %d entries (%v), want the one kept while the store was down", len(got), err)
	}
	if !d.OK() {
		t.Error("store still marked down after a write succeeded")
	}
}

// TestStoreBackSoonAfterAFailure: a query that fails once (a database
// restarted for a second) marks the store down; it is checked again within
// seconds, not at the next PingEvery, so the dedupe and the schedules'
// claims do not run on each replica's memory for the whole interval.
func TestStoreBackSoonAfterAFailure(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	m := NewStoreMetrics(prometheus.NewRegistry())
	d := OpenDurable(context.Background(), url, DurableOptions{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: m,
		PingEvery: time.Hour})
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for d.Store() == nil && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond) // the first open
	}
	d.observe(errors.New("connection reset by peer")) // one failed query
	if d.Store() != nil {
		t.Fatal("a failed query did not mark the store down")
	}
	for d.Store() == nil && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if d.Store() == nil {
		t.Fatalf("the store was not checked again before the test's deadline (PingEvery is an hour):\n%s", logs.String())
	}
}

// TestTrailReadsWhatWasJustRecorded: "/lastactive audit EMAIL" sent right
// after a lookup's reply finds the lookup: the trail's reader has the
// writer write what is queued first. Before, the entry waited out the
// writer's linger (50 ms; here an hour) and the trail said nobody had
// looked the person up.
func TestTrailReadsWhatWasJustRecorded(t *testing.T) {
	url, _ := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 100, slog.New(slog.NewJSONHandler(&logs, nil)), m)
	w.linger = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if !w.Record(event("U1", "ada@example.com")) {
		t.Fatal("Record refused")
	}
	got, err := AuditTrailReader{D: d, W: w}.Trail(context.Background(), "ada@example.com", time.Time{})
	if err != nil || len(got) != 1 {
		t.Fatalf("trail right after the lookup: %d entries (%v), want it", len(got), err)
	}
}

// TestSlackTrailDoesNotUndercountWhatItLeftOut: `/lastactive audit EMAIL`
// reads at most a thousand entries of a person's trail; one whose 90 days
// held more (a shared support mailbox looked up all day) was answered "…and
// 960 more", a count of what the read held, not of the trail, so an auditor
// was told a number far below the truth.
func TestSlackTrailDoesNotUndercountWhatItLeftOut(t *testing.T) {
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	s := d.Store()
	ctx := context.Background()
	now := time.Now().UTC()
	const n = trailRead + 300
	var batch []state.AuditEntry
	for i := range n {
		batch = append(batch, state.AuditEntry{At: now.Add(-time.Duration(i) * time.Minute), Actor: "U1",
			Emails: []string{"desk@example.com"}, Kind: state.KindLookup, Outcome: state.OutcomeOK})
		if len(batch) == state.MaxBatch || i == n-1 {
			if err := s.AppendBatch(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	events, err := AuditTrailReader{D: d}.Trail(ctx, "desk@example.com", now.Add(-bot.AuditWindow))
	if err != nil {
		t.Fatal(err)
	}
	m := bot.RenderAuditTrail("desk@example.com", events, now)
	raw, _ := json.Marshal(m.Blocks)
	text := string(raw)
	wrong := fmt.Sprintf("…and %d more:", trailRead-40)
	if strings.Contains(text, wrong) {
		t.Errorf("a trail of %d entries is said to have %q beyond the 40 shown", n, wrong)
	}
	if !strings.Contains(text, fmt.Sprintf("…and at least %d more:", trailRead-40)) {
		t.Errorf("the reply does not say that more were left out than it counted: %s", text)
	}
}

// TestTrailNamesTheOrgWideReports: `/lastactive audit EMAIL` is to say who
// "reported on" the person (the contract), and an idle report, in Slack or
// from the command line, or a digest's Full list, lists everyone with a
// seat, this person too. Those entries name nobody, so the person's trail
// never showed them: the reply said nobody had reported on them. It now
// says how many org-wide reports ran in its window and the latest one's
// author; another kind of report (a private digest) is not counted.
func TestTrailNamesTheOrgWideReports(t *testing.T) {
	now := time.Now().UTC()
	text := trailTextAfter(t, now, []state.AuditEntry{
		{At: now.Add(-3 * time.Hour), Actor: "UBOSS", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report"},
		{At: now.Add(-2 * time.Hour), Actor: "cli:ops", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report, 90 days"},
		{At: now.Add(-time.Hour), Actor: "UCFO", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "digest full list"},
		{At: now.Add(-time.Minute), Actor: "UCFO", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "digest"},
		{At: now.Add(-100 * 24 * time.Hour), Actor: "UOLD", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report"},
		{At: now.Add(-time.Minute), Actor: "U1", Emails: []string{"ada@example.com"}, Kind: state.KindLookup, Outcome: state.OutcomeOK},
	})
	if !strings.Contains(text, "3 org-wide reports") || !strings.Contains(text, "UCFO") {
		t.Errorf("the trail does not say that 3 org-wide reports, the latest by UCFO, listed the person: %s", text)
	}
	if strings.Contains(text, "UOLD") {
		t.Errorf("a report older than the window is counted: %s", text)
	}
}

// TestTrailCountsOnlyReportsThatRan: an idle report or a Full list that
// failed (Atlassian down), or was turned away because its author's last
// one was still running, listed nobody, yet the person's trail counted
// each among the org-wide reports that "list everyone with a seat" and
// named its author as the latest to report on them.
func TestTrailCountsOnlyReportsThatRan(t *testing.T) {
	now := time.Now().UTC()
	text := trailTextAfter(t, now, []state.AuditEntry{
		{At: now.Add(-3 * time.Hour), Actor: "UBOSS", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report"},
		{At: now.Add(-2 * time.Hour), Actor: "UBOSS", Kind: state.KindReport, Outcome: "partial", Detail: "idle report"},
		{At: now.Add(-time.Hour), Actor: "UDOWN", Kind: state.KindReport, Outcome: state.OutcomeFailed, Detail: "idle report"},
		{At: now.Add(-30 * time.Minute), Actor: "cli:ops", Kind: state.KindReport, Outcome: state.OutcomeFailed, Detail: "idle report, 90 days"},
		{At: now.Add(-time.Minute), Actor: "UBUSY", Kind: state.KindReport, Outcome: "rate_limited", Detail: "digest full list"},
	})
	if !strings.Contains(text, "2 org-wide reports") || !strings.Contains(text, "UBOSS") {
		t.Errorf("the trail does not say that 2 org-wide reports, the latest by UBOSS, listed the person: %s", text)
	}
	for _, who := range []string{"UDOWN", "ops", "UBUSY"} {
		if strings.Contains(text, who) {
			t.Errorf("a report by %s that listed nobody is named: %s", who, text)
		}
	}
}

// TestTrailFindsOrgWideReportsPastBusyLookups: the org-wide reports of a
// person's trail were read from the newest AuditTrailRead reports of
// anyone, then sorted out, so a support team's lookups of other people
// (more than AuditTrailRead in the window) pushed an idle report that
// listed the person out of the read, and the trail said no org-wide
// report ran, not even "at least".
func TestTrailFindsOrgWideReportsPastBusyLookups(t *testing.T) {
	now := time.Now().UTC()
	entries := []state.AuditEntry{{At: now.Add(-48 * time.Hour), Actor: "UBOSS", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report"}}
	for i := range trailRead + 10 {
		entries = append(entries, state.AuditEntry{At: now.Add(-time.Duration(trailRead+10-i) * time.Second), Actor: "UAGENT",
			Kind: state.KindReport, Outcome: state.OutcomeOK, Emails: []string{fmt.Sprintf("p%d@example.com", i)}})
	}
	if text := trailTextAfter(t, now, entries); !strings.Contains(text, "1 org-wide report") || !strings.Contains(text, "UBOSS") {
		t.Errorf("the trail does not say that UBOSS's idle report listed the person: %s", text)
	}
}

// trailTextAfter stores entries in a fresh SQLite store and returns the
// Slack audit trail of ada@example.com over the last AuditWindow, as the
// JSON of its blocks.
func trailTextAfter(t *testing.T, now time.Time, entries []state.AuditEntry) string {
	t.Helper()
	url, _ := sqliteURL(t)
	d, _ := openTestDurable(t, url, &syncBuf{})
	ctx := context.Background()
	for chunk := range slices.Chunk(entries, 500) {
		if err := d.Store().AppendBatch(ctx, chunk); err != nil {
			t.Fatal(err)
		}
	}
	events, err := AuditTrailReader{D: d}.Trail(ctx, "ada@example.com", now.Add(-bot.AuditWindow))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(bot.RenderAuditTrail("ada@example.com", events, now).Blocks)
	return string(raw)
}

// TestTrailCountsAFullListClickedInAChannel: the bot stores a Full list
// click as "digest full list · channel C…" (every click comes from a
// channel), and the trail counted only the bare "digest full list", so the
// Full list of a digest never counted among the org-wide reports that
// listed the person, and the latest was named as someone else's idle report.
func TestTrailCountsAFullListClickedInAChannel(t *testing.T) {
	now := time.Now().UTC()
	text := trailTextAfter(t, now, []state.AuditEntry{
		{At: now.Add(-2 * time.Hour), Actor: "UBOSS", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "idle report · channel C1"},
		{At: now.Add(-time.Hour), Actor: "UCFO", Kind: state.KindReport, Outcome: state.OutcomeOK, Detail: "digest full list · channel CDIGEST"},
	})
	if !strings.Contains(text, "2 org-wide reports") || !strings.Contains(text, "UCFO") {
		t.Errorf("the trail does not say that 2 org-wide reports, the latest by UCFO, listed the person: %s", text)
	}
}

// lockSQLite opens the SQLite file at path as another process would and
// begins a transaction there with begin ("BEGIN EXCLUSIVE", "BEGIN
// IMMEDIATE"), which holds the write lock until the returned connection
// rolls back or closes (at the test's end).
func lockSQLite(t *testing.T, path, begin string) *sql.Conn {
	t.Helper()
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(context.Background(), begin); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestSQLiteFileDamagedStaysDown: a database file damaged under the running
// store (overwritten in its middle: a failing disk, a bad restore) fails
// what reads the damaged pages with "database disk image is malformed";
// the store is down, saying what to do, and stays down until the file is
// whole again or another is put at the path. Before, the check took the
// write lock and gave it back, which reads no table: the store was called
// available again a second after each failure, and flapped so for as long
// as the file stayed damaged.
func TestSQLiteFileDamagedStaysDown(t *testing.T) {
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 10, nil, m) // its 800 lines would drown the store's
	ctx := context.Background()
	for i := range 4 {
		var batch []bot.AuditEvent
		for j := range 200 {
			batch = append(batch, event("U1", fmt.Sprintf("p%d-%d@example.com", i, j)))
		}
		w.write(ctx, batch...)
	}
	conn := lockSQLite(t, path, "PRAGMA wal_checkpoint(TRUNCATE)")
	conn.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 4; i < len(b)*3/4; i++ {
		b[i] = byte(i*7 + 3)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil { // the same file, overwritten in place
		t.Fatal(err)
	}
	if _, err := (AuditTrailReader{D: d}).Trail(ctx, "p1-1@example.com", time.Time{}); err == nil || d.OK() {
		t.Fatalf("a read of the damaged file: %v, store ok %v", err, d.OK())
	}
	d.ping(ctx)
	if d.OK() || testutil.ToFloat64(m.ok) != 0 {
		t.Errorf("the check called the damaged file available:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "is damaged") || strings.Contains(logs.String(), "available again") {
		t.Errorf("the log does not say the file is damaged, or calls it available:\n%s", logs.String())
	}
	// Moved aside: a new file is made at the path and used.
	if err := os.Rename(path, path+".damaged"); err != nil {
		t.Fatal(err)
	}
	d.ping(ctx)
	if !d.OK() {
		t.Fatalf("store not reopened on a new file:\n%s", logs.String())
	}
	w.write(ctx, event("U1", "after@example.com"))
	if got, err := d.Store().Audit(ctx, state.AuditQuery{}); err != nil || len(got) != 1 {
		t.Errorf("the new file holds %d entries (%v), want the one written after it was made", len(got), err)
	}
}

// TestTrailWithEntriesWaitingIsUnavailable: entries whose write failed
// wait in the writer for its next try; a read of the trail meanwhile, the
// store answering again, would not find them, and "audit EMAIL" answered
// that nobody had looked the person up. It says the trail is unavailable
// instead, until they are written.
func TestTrailWithEntriesWaitingIsUnavailable(t *testing.T) {
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 10, nil, m)
	ctx := context.Background()
	conn := lockSQLite(t, path, "BEGIN EXCLUSIVE")
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	w.write(wctx, event("U1", "during@example.com"))
	cancel()
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	d.ping(ctx)
	if !d.OK() {
		t.Fatalf("store not available once the lock was released:\n%s", logs.String())
	}
	r := AuditTrailReader{D: d, W: w}
	got, err := r.Trail(ctx, "during@example.com", time.Time{})
	if !errors.Is(err, bot.ErrAuditUnavailable) && len(got) != 1 {
		t.Errorf("Trail with the lookup still waiting to be written = %+v, %v; want it, or ErrAuditUnavailable", got, err)
	}
	w.write(ctx)
	if got, err := r.Trail(ctx, "during@example.com", time.Time{}); err != nil || len(got) != 1 {
		t.Errorf("Trail once written = %+v, %v; want the lookup", got, err)
	}
}

// TestTrailAfterStoreBackFindsWaitingEntries: once the store answers again,
// a read of the trail has the writer try what waits at once, and finds it,
// rather than answer "unavailable" until the writer's next retry, 5 s on.
func TestTrailAfterStoreBackFindsWaitingEntries(t *testing.T) {
	url, path := sqliteURL(t)
	var logs syncBuf
	d, m := openTestDurable(t, url, &logs)
	w := NewAuditWriter(d, 10, nil, m)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	conn := lockSQLite(t, path, "BEGIN EXCLUSIVE")
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	w.write(wctx, event("U1", "during@example.com"))
	cancel()
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	d.ping(ctx)
	if !d.OK() {
		t.Fatalf("store not back:\n%s", logs.String())
	}
	go w.Run(ctx)
	r := AuditTrailReader{D: d, W: w}
	got, err := r.Trail(ctx, "during@example.com", time.Time{})
	if err != nil || len(got) != 1 {
		t.Errorf("Trail with the store back = %+v, %v; want the lookup kept for another try", got, err)
	}
}

// TestAuditWriterStalledWriteDropsNothing: while one store write is stuck
// (PostgreSQL stalled for the write's 5 s), Run took nothing off the queue,
// so at a few hundred commands a second its 1,024 slots filled and the rest
// were dropped, although the backlog had room for 10,000: an auditor asking
// who looked up whom found a hole. Here a write blocks until released while
// 3,000 events are recorded; once released, all are stored, none dropped.
func TestAuditWriterStalledWriteDropsNothing(t *testing.T) {
	t.Parallel()
	url, _ := sqliteURL(t)
	d, m := openTestDurable(t, url, &syncBuf{})
	w := NewAuditWriter(d, 0, nil, m)
	began := make(chan struct{}, 1)
	release := make(chan struct{})
	w.beforeStore = func() { // Run's goroutine only
		select {
		case began <- struct{}{}:
		default:
		}
		<-release // closed: every later write goes at once
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { stop(); <-done }()
	if !w.Record(event("U1", "first@example.com")) {
		t.Fatal("Record refused on an empty queue")
	}
	<-began // the first write is stuck
	const n = 3000
	refused := 0
	for i := range n {
		if !w.Record(event("U1", fmt.Sprintf("p%d@example.com", i))) {
			refused++
		}
	}
	close(release)
	if refused > 0 {
		t.Errorf("%d of %d events refused while one write was stuck, with the backlog's %d places free", refused, n, maxAuditBacklog)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Sync(sctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	got, err := d.Store().Audit(context.Background(), state.AuditQuery{Limit: 2 * n})
	if err != nil || len(got) != n+1-refused {
		t.Fatalf("stored %d entries (%v), want the %d recorded", len(got), err, n+1-refused)
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.Emails[0]] {
			t.Errorf("%s stored twice", e.Emails[0])
		}
		seen[e.Emails[0]] = true
	}
	if v := testutil.ToFloat64(m.errors.WithLabelValues("audit_dropped")); v != 0 {
		t.Errorf("audit_dropped = %v, want 0", v)
	}
	if len(got) != n+1 {
		t.Errorf("stored %d entries, want all %d", len(got), n+1)
	}
}

// TestAuditWriterStopWithSpilledEvents: a stop that comes while a write is
// stuck and events wait beyond the queue writes them within the flush's
// bound or counts them lost: every recorded event is stored or counted,
// none dropped for want of room.
func TestAuditWriterStopWithSpilledEvents(t *testing.T) {
	t.Parallel()
	url, _ := sqliteURL(t)
	d, m := openTestDurable(t, url, &syncBuf{})
	w := NewAuditWriter(d, 0, nil, m)
	began := make(chan struct{}, 1)
	release := make(chan struct{})
	w.beforeStore = func() {
		select {
		case began <- struct{}{}:
		default:
		}
		<-release
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	w.Record(event("U1", "first@example.com"))
	<-began
	const n = 3000
	for i := range n {
		w.Record(event("U1", fmt.Sprintf("p%d@example.com", i)))
	}
	stop()
	close(release)
	<-done
	if w.Record(event("U1", "late@example.com")) {
		t.Error("Record after the stop was accepted: it would never be written")
	}
	// A write cut by the flush's bound marks the store down: read it still.
	got, err := d.store.Load().Audit(context.Background(), state.AuditQuery{Limit: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	lost := int(testutil.ToFloat64(m.errors.WithLabelValues("audit_lost")))
	dropped := int(testutil.ToFloat64(m.errors.WithLabelValues("audit_dropped")))
	if dropped != 1 || len(got)+lost != n+1 {
		t.Errorf("stored %d, lost %d, dropped %d: want the %d recorded stored or counted lost, and only the late one dropped",
			len(got), lost, dropped, n+1)
	}
	t.Logf("stored %d, lost %d", len(got), lost)
}

// TestAuditWriterSyncWaitsForSpilledEvents: Sync counts events, so it relies
// on their being written in the order recorded. Events spilled while a write
// stalled were taken after the queue's, and events recorded after the Sync
// went to the queue as soon as it had room: written first, they made up
// Sync's count while those recorded before it still waited in the overflow,
// and a reader of the trail right after a command did not find it.
func TestAuditWriterSyncWaitsForSpilledEvents(t *testing.T) {
	t.Parallel()
	url, _ := sqliteURL(t)
	d, m := openTestDurable(t, url, &syncBuf{})
	w := NewAuditWriter(d, 2, nil, m)
	w.max, w.linger = 2, 0 // batches of two, each taken at once
	began := make(chan int64, 16)
	var calls atomic.Int64
	gates := []chan struct{}{make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})}
	w.beforeStore = func() { // Run's goroutine only
		k := calls.Add(1)
		began <- k
		<-gates[min(k, 4)-1]
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() {
		for _, g := range gates {
			select {
			case <-g:
			default:
				close(g)
			}
		}
		stop()
		<-done
	}()
	rec := func(p string) {
		t.Helper()
		if !w.Record(event("U1", p+"@example.com")) {
			t.Fatalf("Record %s refused", p)
		}
	}
	rec("e0")
	<-began // write 1 (e0) is stuck
	for _, p := range []string{"e1", "e2", "e3", "e4"} {
		rec(p) // e1, e2 fill the queue; e3, e4 spill
	}
	synced := make(chan error, 1)
	go func() { synced <- w.Sync(context.Background()) }()
	for len(w.syncNow) == 0 { // Sync has counted what it waits for
		time.Sleep(time.Millisecond)
	}
	close(gates[0])
	<-began // write 2: e1, e2; the queue is empty again
	rec("p1")
	rec("p2") // recorded after the Sync
	close(gates[1])
	<-began // write 3
	close(gates[2])
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"e3", "e4"} {
		got, err := d.Store().Audit(context.Background(), state.AuditQuery{Target: p + "@example.com"})
		if err != nil || len(got) != 1 {
			t.Errorf("Sync returned, yet %s, recorded before it, is not stored (%d entries, %v)", p, len(got), err)
		}
	}
}
