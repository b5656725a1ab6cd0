package wire

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"lastactive/internal/state"
	"lastactive/nudge"
)

// ErrStoreUnavailable: the state store is not open or not answering.
var ErrStoreUnavailable = errors.New("state store unavailable")

// StoreMetrics are the state store's series: whether it answers, and the
// writes it could not make. Safe on a nil *StoreMetrics.
type StoreMetrics struct {
	ok     prometheus.Gauge
	errors *prometheus.CounterVec
}

// NewStoreMetrics registers lastactive_store_ok and
// lastactive_store_errors_total with reg (nil: not registered).
func NewStoreMetrics(reg prometheus.Registerer) *StoreMetrics {
	m := &StoreMetrics{
		ok: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lastactive_store_ok", Help: "1 while the state store (database) answers, else 0.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lastactive_store_errors_total", Help: "State store operations that failed or were dropped, by operation.",
		}, []string{"op"}),
	}
	if reg != nil {
		reg.MustRegister(m.ok, m.errors)
	}
	return m
}

func (m *StoreMetrics) setOK(ok bool) {
	if m == nil {
		return
	}
	if ok {
		m.ok.Set(1)
	} else {
		m.ok.Set(0)
	}
}

func (m *StoreMetrics) failed(op string) {
	if m != nil {
		m.errors.WithLabelValues(op).Inc()
	}
}

// DurableOptions configures OpenDurable.
type DurableOptions struct {
	Logger  *slog.Logger
	Metrics *StoreMetrics
	// Retention is how long audit entries are kept; 0: state.DefaultAuditRetention.
	Retention time.Duration
	// PingEvery is how often the store is checked (and reopened when it
	// could not be opened); 0: 30 s.
	PingEvery time.Duration
	// SweepEvery is how often expired envelope IDs, claims and results are
	// deleted; 0: 5 minutes. The audit retention sweep runs daily.
	SweepEvery time.Duration
	// OpenInRun leaves the first open to Run, so that OpenDurable returns
	// at once: serve must answer /healthz and Slack while a stalled
	// database (or another replica's migration) takes its time.
	OpenInRun bool
}

// Durable is the bot's handle on its state store. The store is optional for
// the bot's main work: lookups never wait for it. When the database cannot
// be opened, or goes away, Store returns nil, lastactive_store_ok is 0, the
// error is logged once per change of state, and Run keeps trying to open it
// again. It never prints the database URL, which holds a password.
type Durable struct {
	url        string // a secret: never logged
	sqlitePath string // the file of a sqlite: URL; "" otherwise
	opts       DurableOptions
	log        *slog.Logger

	store   atomic.Pointer[state.Store]
	healthy atomic.Bool
	// files are the SQLite files the store opened ([]os.FileInfo: the
	// database, its -wal and -shm), to tell a file replaced at sqlitePath
	// from the one written to.
	files atomic.Value

	// tried is closed once the first open has been tried (it may have
	// failed): a caller that needs the store at start waits on it.
	tried     chan struct{}
	triedOnce sync.Once

	mu     sync.Mutex // serialises open, close and state changes
	logged int        // 0: nothing logged yet, 1: logged up, 2: logged down
	closed bool
	// damaged is the error that said the open SQLite file is damaged:
	// the check then keeps the store down until the file reads whole
	// again, or another file is at the path.
	damaged error
	// cancelledLogged is when a statement the server cancelled was last
	// logged (UnixNano): under a lock held for minutes every envelope's
	// dedupe is cancelled, and each is counted, not logged.
	cancelledLogged atomic.Int64
	// run is the statements the server cancels with no write that worked
	// since: past cancelledDownAfter of them, the store is down (a table
	// locked for minutes, storage stalled under a statement_timeout),
	// though the check, which touches no table, still answers. runMu
	// makes the decision and a write that ends the run one after the
	// other: a write that worked is never lost beside a cancellation
	// marking the store down. runs is set while a run lasts or the store
	// is down for one, so that a write finds nothing to end without the
	// lock.
	//
	// auditRun is the audit writer's own: a lock held on audit_entry
	// alone cancels every audit write while the other tables write, and
	// calling the store down for it would turn off the shared dedupe,
	// the claims, nudges and exemptions, which work, and flap (the
	// check's write works). Past cancelledDownAfter it has the other
	// tables written (the sweep): if they write, the store stays up and
	// a warning names the table; if not, the store is down. wrotes
	// counts the writes that worked beside that try.
	runMu              sync.Mutex
	run                cancelRun
	auditRun           cancelRun
	wrotes             uint64
	runs               atomic.Bool
	cancelledDownAfter time.Duration
	clock              func() time.Time // nil: time.Now
	// runDownHook, when set (tests), runs after a cancellation decided
	// that a run marks the store down, before it says so.
	runDownHook func()
	// probeNow asks Run for a check at once: a run has lasted
	// cancelledDownAfter, and the check decides whether the database
	// writes nothing (down) or a table is locked (a warning naming it);
	// or a statement ran out of its caller's deadline, and the check
	// tells a database that stopped answering (waited).
	probeNow chan struct{}
}

// cancelRun is a run of statements the server cancelled with no write
// working between them (guarded by Durable.runMu).
type cancelRun struct {
	since int64 // UnixNano of its first cancellation; 0: no run
	last  int64 // UnixNano of its last one
	// down: the run marked the store down; a write that works marks it
	// up again.
	down bool
	// probed is when the other tables were last written to tell an audit
	// run from a database that writes nothing (UnixNano).
	probed int64
	// tables are the tables its statements were on, as far as known
	// (state.CancelledTable), and err the last one's error.
	tables []string
	err    error
}

// add records a cancelled statement's table and error.
func (r *cancelRun) add(err error) {
	r.err = err
	if t := state.CancelledTable(err); t != "" && !slices.Contains(r.tables, t) && len(r.tables) < 8 {
		r.tables = append(r.tables, t)
	}
}

// defaultCancelledDownAfter is how long the server may cancel every
// statement, no write working between, before the store is called down.
const defaultCancelledDownAfter = 30 * time.Second

// cancelledLogEvery is how often a statement the server cancelled is
// logged at most.
const cancelledLogEvery = 10 * time.Second

// OpenDurable opens and migrates the store at rawURL. It does not fail: a
// store that cannot be opened is logged once (lastactive_store_ok 0) and
// retried by Run.
func OpenDurable(ctx context.Context, rawURL string, o DurableOptions) *Durable {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Retention <= 0 {
		o.Retention = state.DefaultAuditRetention
	}
	if o.PingEvery <= 0 {
		o.PingEvery = 30 * time.Second
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = 5 * time.Minute
	}
	d := &Durable{url: rawURL, opts: o, log: o.Logger, tried: make(chan struct{}),
		cancelledDownAfter: defaultCancelledDownAfter, probeNow: make(chan struct{}, 1)}
	if p, ok := strings.CutPrefix(rawURL, "sqlite:"); ok && p != ":memory:" {
		d.sqlitePath = p
	}
	if !o.OpenInRun || rawURL == "" {
		d.open(ctx)
		d.triedOnce.Do(func() { close(d.tried) })
	}
	return d
}

// waitTried waits, at most max, for the first open to have been tried:
// right after a start (OpenInRun) the store may be opening still, and an
// answer without it (the dedupe's) would be wrong for replicas.
func (d *Durable) waitTried(ctx context.Context, max time.Duration) {
	if d == nil {
		return
	}
	select {
	case <-d.tried:
		return
	default:
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-d.tried:
	case <-t.C:
	case <-ctx.Done():
	}
}

// NewDurable wraps a store already open and migrated (tests, demo).
func NewDurable(s *state.Store, o DurableOptions) *Durable {
	d := OpenDurable(context.Background(), "", o)
	d.mu.Lock()
	s.OnWrite(d.wroteTable)
	d.store.Store(s)
	d.mu.Unlock()
	d.report(nil)
	return d
}

func (d *Durable) open(ctx context.Context) {
	if d.url == "" {
		return
	}
	s, err := state.Open(ctx, d.url)
	if err == nil {
		mctx, cancel := context.WithTimeout(ctx, time.Minute)
		var version int64
		_, version, err = s.Upgrade(mctx)
		cancel()
		if err == nil && d.Shared() {
			// A current schema opens without a write: a PostgreSQL that
			// refuses writes (a read-only standby) is down from the start.
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = s.PingWrite(pctx)
			cancel()
		}
		if err != nil {
			s.Close()
		} else if known := state.KnownVersion(); version > known {
			// A rollback, or an older replica of a rolling update: it
			// serves, and the admin is told what that means.
			d.log.Warn("state store: the schema is newer than this lastactive knows, left as is; serving on it (what only the newer version records is not kept up: run the newer lastactive again, or a newer one)",
				"schema_version", version, "known_version", known)
		}
	}
	if err != nil {
		d.report(fmt.Errorf("open: %w", err))
		return
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		s.Close()
		return
	}
	if d.sqlitePath != "" {
		var files []os.FileInfo
		for _, p := range []string{d.sqlitePath, d.sqlitePath + "-wal", d.sqlitePath + "-shm"} {
			fi, _ := os.Stat(p)
			files = append(files, fi)
		}
		d.files.Store(files)
	}
	s.OnWrite(d.wroteTable)
	d.store.Store(s)
	d.damaged = nil
	d.mu.Unlock()
	d.report(nil)
}

// Store returns the store, or nil while it is unavailable.
func (d *Durable) Store() *state.Store {
	if d == nil || !d.healthy.Load() {
		return nil
	}
	return d.store.Load()
}

// Shared reports whether the store can be shared by several processes
// (PostgreSQL); SQLite is for one process.
func (d *Durable) Shared() bool {
	return d != nil && (strings.HasPrefix(d.url, "postgres://") || strings.HasPrefix(d.url, "postgresql://"))
}

// OK reports whether the store answered at the last check or write.
func (d *Durable) OK() bool { return d != nil && d.healthy.Load() }

// String names the store without its password.
func (d *Durable) String() string {
	if s := d.store.Load(); s != nil {
		return s.String()
	}
	return "state store (not open)"
}

// check verifies that a file-backed SQLite database is still there, and
// still the file the store opened: a deleted or replaced file keeps
// accepting writes through the open descriptor, and they would vanish at
// the next restart.
func (d *Durable) check() error {
	if d.sqlitePath == "" {
		return nil
	}
	fi, err := os.Stat(d.sqlitePath)
	if err != nil {
		return fmt.Errorf("the database file is gone: %w", errors.Unwrap(err))
	}
	if files, ok := d.files.Load().([]os.FileInfo); ok && files[0] != nil && !os.SameFile(files[0], fi) {
		return fmt.Errorf("the database file %s was replaced by another file: writing to that one from now on", d.sqlitePath)
	}
	return nil
}

// removeStaleFiles removes the -wal and -shm that the closed store left
// beside a deleted or replaced database file: SQLite keeps them when its
// file has moved, and the next open would replay the old file's pages
// from them into the file now at the path. Only the store's own are
// removed, never ones that came with the new file.
func (d *Durable) removeStaleFiles() {
	files, ok := d.files.Load().([]os.FileInfo)
	if !ok {
		return
	}
	for i, p := range []string{d.sqlitePath + "-wal", d.sqlitePath + "-shm"} {
		if old := files[i+1]; old != nil {
			if fi, err := os.Stat(p); err == nil && os.SameFile(old, fi) {
				os.Remove(p)
			}
		}
	}
}

// observePing bounds the check a failed PostgreSQL statement makes before
// the store is marked down (it runs on the caller's goroutine).
const observePing = 500 * time.Millisecond

// observe records the result of a store operation: a failure (other than a
// refused value or a missing row) marks the store down until the next good
// check. The change, not each failure, is logged. On PostgreSQL, a
// statement that lost its connection (its backend ended by a restart or a
// failover while it ran) asks the database first: it answers the next
// moment on a new connection, and marking the store down for that one
// statement would turn every replica's shared dedupe and claims off until
// the next check. A statement the server cancelled for its
// statement_timeout or lock_timeout was answered: the store stays up, as
// it does for one that ran out of its caller's deadline first (waited).
func (d *Durable) observe(err error) {
	if err == nil || errors.Is(err, state.ErrInvalid) || errors.Is(err, state.ErrNotFound) ||
		errors.Is(err, context.Canceled) || refusedStatement(err) {
		return
	}
	if state.Damaged(err) {
		d.mu.Lock()
		d.damaged = err
		d.mu.Unlock()
	}
	if d.waited(err) {
		// The database answered: it cancelled this statement for its
		// statement_timeout or lock_timeout (a lock held elsewhere, a
		// loaded server), or the caller's deadline came first (waited:
		// the check Run makes at once tells a database that stopped
		// answering). Calling the store down would turn the
		// shared dedupe off and make audit and exempt say it is
		// unavailable; but every statement cancelled for
		// cancelledDownAfter, no write working between, is a database
		// that writes nothing.
		if !d.cancelled(err) {
			d.warnCancelled(err)
		}
		if !state.CancelledByServer(err) {
			d.askCheck()
		}
		return
	}
	if s := d.store.Load(); s != nil && d.Shared() && state.ConnectionLost(err) {
		ctx, cancel := context.WithTimeout(context.Background(), observePing)
		perr := s.Ping(ctx)
		cancel()
		if perr == nil {
			d.log.Warn("state store operation failed; the database answers", "err", err)
			return
		}
	}
	d.report(err)
}

// refusedStatement reports whether err is the database refusing one
// statement for its data: on PostgreSQL a data exception (class 22: a NUL
// in a text, which an Atlassian answer's "\u0000" in an account ID carries
// into a nudge; a value too long) or an integrity constraint violation
// (class 23); on SQLite a constraint failed (SQLITE_CONSTRAINT), a
// datatype mismatch (SQLITE_MISMATCH) or a value too big (SQLITE_TOOBIG).
// The database answered, as for a value state refuses itself (ErrInvalid):
// the statement fails for its caller, who gets the error, and the store
// stays up. Observed as a failure, it marked the store down (an ERROR,
// store_ok 0, the shared dedupe, claims and audit off) until the next
// check (TestPostgresRefusedValueLeavesTheStoreUpForEveryCaller,
// TestRefusedStatementLeavesTheStoreUp).
func refusedStatement(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_CONSTRAINT || c == sqlite3.SQLITE_MISMATCH || c == sqlite3.SQLITE_TOOBIG
	}
	return false
}

// waited reports whether err is a statement that ended waiting, the
// database up as far as it tells: the server cancelled it
// (CancelledByServer), or, on PostgreSQL, it ran out of its caller's
// deadline. The connections' lock_timeout (10 s unless the URL sets one)
// is longer than most callers' deadlines (the audit writer's 5 s, a
// release's 2 s or 5 s, exempt's 3 s): a lock held by another session
// ends their statements by the deadline, never by the server, and each
// marked the store down (an ERROR) until the next check a second later.
// Such a wait is one of a run, as a cancellation is, and has Run check at
// once (askCheck): a database that stopped answering is called down by
// that check, with its own 5 s, not by a ping on the caller's goroutine
// (one of 500 ms, which a new connection on a loaded machine outlasts).
func (d *Durable) waited(err error) bool {
	return state.CancelledByServer(err) ||
		errors.Is(err, context.DeadlineExceeded) && d.Shared() && d.store.Load() != nil
}

// askCheck has Run check the store at once (probeNow), without waiting.
func (d *Durable) askCheck() {
	select {
	case d.probeNow <- struct{}{}:
	default:
	}
}

// warnCancelled logs a statement the server cancelled, with its table, at
// most every cancelledLogEvery: under a lock held for minutes every
// envelope's dedupe is cancelled, and each is counted, not logged.
func (d *Durable) warnCancelled(err error) {
	now := d.now().UnixNano()
	last := d.cancelledLogged.Load()
	if now-last >= int64(cancelledLogEvery) && d.cancelledLogged.CompareAndSwap(last, now) {
		args := []any{"err", err, "next_logged_after", cancelledLogEvery.String()}
		if t := cmp.Or(state.CancelledTable(err), state.SweptTable(err)); t != "" {
			// The driver's error names none: a lock held on envelope_seen
			// alone turns the shared dedupe into each process's memory,
			// with this warning the only sign. A sweep statement that ran
			// out of the sweep's time is not the server's cancel: the
			// sweep names its table
			// (TestPostgresSweepOutOfTimeWarningNamesTheTable).
			args = append([]any{"table", t}, args...)
		}
		d.log.Warn("state store operation failed; the database answers", args...)
	}
}

// observeAudit is observe for the audit writer's writes: a write the
// server cancelled adds to the audit run, not to the run of the other
// statements. ctx bounds the write to the other tables it may make (the
// writer's: at a stop, its flush's).
func (d *Durable) observeAudit(ctx context.Context, err error) {
	if err == nil || !d.waited(err) {
		d.observe(err)
		return
	}
	if !d.cancelledAudit(ctx, err) {
		d.warnCancelled(err)
	}
	if !state.CancelledByServer(err) {
		d.askCheck()
	}
}

// auditProbeTimeout bounds the write to the other tables an audit run
// makes (on the audit writer's goroutine).
const auditProbeTimeout = 5 * time.Second

// cancelledAudit adds an audit write the server cancelled to the audit
// run. Past cancelledDownAfter, and then at most every cancelledDownAfter,
// it writes the other tables (the sweep): when they write, it logs a
// warning naming audit_entry and leaves the store up; when not, the
// database writes nothing and the store is down. It reports whether it
// logged. A ctx done before the sweep's answer decides nothing.
func (d *Durable) cancelledAudit(ctx context.Context, err error) bool {
	d.runMu.Lock()
	now := d.now().UnixNano()
	d.runs.Store(true)
	r := &d.auditRun
	if r.since == 0 || now-r.last > int64(d.cancelledGap()) {
		*r = cancelRun{since: now}
	}
	r.last = now
	length := time.Duration(now - r.since)
	probe := length >= d.cancelledDownAfter && now-r.probed >= int64(d.cancelledDownAfter)
	length = length.Round(time.Second)
	if probe {
		r.probed = now
	}
	wrotes := d.wrotes
	d.runMu.Unlock()
	s := d.store.Load()
	if !probe || s == nil {
		return false
	}
	pctx, cancel := context.WithTimeout(ctx, auditProbeTimeout)
	_, perr := s.Sweep(pctx, time.Now())
	cancel()
	if perr != nil && ctx.Err() != nil {
		return false
	}
	if perr == nil {
		d.wrote()
		d.log.Warn("state store: every audit write cancelled by the server, the other tables write: a lock held on the table? Lookups, the shared dedupe and claims go on; audit entries are kept for another try",
			"table", "audit_entry", "cancelled_for", length.String(), "err", err,
			"next_logged_after", d.cancelledDownAfter.String())
		return true
	}
	d.runMu.Lock()
	defer d.runMu.Unlock()
	if d.wrotes != wrotes {
		return false // a write worked meanwhile: the other tables write
	}
	d.run.down = true
	d.report(fmt.Errorf("every audit write cancelled by the server for %s, and the other tables not written: %w", length, perr))
	return true
}

// cancelled adds a statement the server cancelled to the run (a new one
// after a gap past cancelledGap). When the run has lasted
// cancelledDownAfter it asks Run for a check at once, which decides
// (decideRun): the caller (a dedupe's 500 ms, a click's) does not wait for
// the check's write. It reports whether it logged: a run that marked the
// store down keeps it down.
func (d *Durable) cancelled(err error) bool {
	d.runMu.Lock()
	defer d.runMu.Unlock()
	now := d.now().UnixNano()
	d.runs.Store(true)
	if d.run.since == 0 || now-d.run.last > int64(d.cancelledGap()) {
		d.run.since = now
		d.run.tables = nil
	}
	d.run.last = now
	d.run.add(err)
	if time.Duration(now-d.run.since) < d.cancelledDownAfter {
		return false
	}
	if d.run.down {
		d.report(err)
		return true
	}
	d.askCheck()
	return false
}

// decideRun is the check's decision on a run of cancelled statements past
// cancelledDownAfter (or one that marked the store down): it writes the
// tables (the sweep). When nothing writes, not even that, the database
// writes nothing: the store is down (one ERROR). When something writes,
// the cancellations are one table's (a lock held on it, a statement that
// outgrew the timeout): the store stays up, the run ends, and a warning
// names the table; the next run lasts cancelledDownAfter again, so it is
// logged at most that often. It reports whether the store is down.
func (d *Durable) decideRun(ctx context.Context, s *state.Store) bool {
	d.runMu.Lock()
	now := d.now().UnixNano()
	if !d.cancelledDownLocked(now) {
		// A write ended the run since the check asked cancelledDown (or a
		// new one has just begun): nothing to decide, no table to name.
		d.runMu.Unlock()
		return false
	}
	wrotes, down := d.wrotes, d.run.down
	length := time.Duration(now - d.run.since).Round(time.Second)
	tables, last := slices.Clone(d.run.tables), d.run.err
	d.runMu.Unlock()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := s.Sweep(sctx, time.Now())
	cancel()
	if err != nil {
		d.runMu.Lock()
		if d.wrotes == wrotes {
			// Not a write worked, the sweep's own included.
			defer d.runMu.Unlock()
			if down {
				d.report(err)
				return true
			}
			d.run.down = true
			if d.runDownHook != nil {
				d.runDownHook()
			}
			d.report(fmt.Errorf("every statement cancelled by the server for %s, no write working, not even the check's: %w",
				length, cmp.Or(last, err)))
			return true
		}
		d.runMu.Unlock()
	}
	// Something wrote (the sweep's writes, or all of them, ended the run
	// through the store's OnWrite; this ends it on SQLite too).
	d.wrote()
	if !down {
		args := []any{"cancelled_for", length.String(), "err", last, "next_logged_after", d.cancelledDownAfter.String()}
		if len(tables) > 0 {
			args = append([]any{"table", strings.Join(tables, ",")}, args...)
		}
		d.log.Warn("state store: every statement on a table cancelled by the server, the other tables write: a lock held on the table? The store stays up; what goes to that table fails, each counted",
			args...)
	}
	return false
}

// wrote records a write that worked: it ends a run of cancelled
// statements (the check, which touches no table, does not), and marks the
// store up when the run had marked it down: the database writes.
func (d *Durable) wrote() {
	if !d.runs.Load() {
		return
	}
	d.runMu.Lock()
	defer d.runMu.Unlock()
	down := d.run.down
	d.run = cancelRun{}
	d.wrotes++
	d.runs.Store(d.auditRun.since != 0)
	if down {
		d.report(nil)
	}
}

// wroteTable records a write to table that worked, whoever made it (the
// store's OnWrite): an audit entry's ends the audit run too.
func (d *Durable) wroteTable(table string) {
	if table == "audit_entry" {
		d.wroteAudit()
		return
	}
	d.wrote()
}

// wroteAudit records an audit write that worked: it ends the audit run and
// the other one.
func (d *Durable) wroteAudit() {
	if !d.runs.Load() {
		return
	}
	d.runMu.Lock()
	d.auditRun = cancelRun{}
	d.runMu.Unlock()
	d.wrote()
}

// cancelledDown reports whether the statements the server cancels have
// run past cancelledDownAfter with no write working, or marked the store
// down.
func (d *Durable) cancelledDown() bool {
	if !d.runs.Load() {
		return false
	}
	d.runMu.Lock()
	defer d.runMu.Unlock()
	return d.cancelledDownLocked(d.now().UnixNano())
}

// cancelledDownLocked is cancelledDown at now (UnixNano), runMu held.
func (d *Durable) cancelledDownLocked(now int64) bool {
	return d.run.down || d.run.since != 0 && now-d.run.last <= int64(d.cancelledGap()) &&
		now-d.run.since >= int64(d.cancelledDownAfter)
}

// cancelledGap is the longest a run of cancelled statements may go without
// one: two isolated cancellations, further apart, are not a run however
// long it has been since the first, even with no write between them (a
// quiet bot, its reads working). A lock held on a table cancels the audit
// writer's retries every 5 s (auditRetryEvery) plus the statement's own
// timeout, and every envelope's dedupe.
func (d *Durable) cancelledGap() time.Duration { return d.cancelledDownAfter / 2 }

func (d *Durable) report(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	up := err == nil && d.store.Load() != nil
	d.healthy.Store(up)
	d.opts.Metrics.setOK(up)
	switch {
	case err == nil && d.logged != 1:
		if d.logged == 2 {
			d.log.Info("state store available again")
		}
		d.logged = 1
	case err != nil && d.logged != 2:
		d.log.Error("state store unavailable: lookups go on; audit lines go to the log with audit_stored=false", "err", err)
		d.logged = 2
	}
}

// ping checks the store (that it can be written) and reopens it when it
// was never opened or its file was deleted.
func (d *Durable) ping(ctx context.Context) {
	s := d.store.Load()
	if s == nil {
		d.open(ctx)
		return
	}
	err := d.check()
	if err != nil {
		// Reopen: SQLite creates a new file and the schema. The old store
		// is closed first and the -wal and -shm it leaves removed, so that
		// the new file is read alone. database/sql's Close does not wait
		// for a write in progress on it: that write, like every write since
		// the file was replaced and before this check (up to PingEvery),
		// goes to the old file (noticed, left alone: it needs a check before
		// each write).
		d.mu.Lock()
		swapped := d.store.CompareAndSwap(s, nil)
		d.mu.Unlock()
		d.report(err)
		if swapped {
			s.Close()
			d.removeStaleFiles()
		}
		d.open(ctx)
		return
	}
	d.mu.Lock()
	damaged := d.damaged
	d.mu.Unlock()
	if damaged != nil {
		// A damaged file does not mend: taking the write lock reads no
		// table, and would call it available after every failed read.
		// It is back when every page reads whole (restored in place).
		qctx, cancel := context.WithTimeout(ctx, damagedCheckTimeout)
		err := s.QuickCheck(qctx)
		cancel()
		if err != nil {
			d.report(damaged)
			return
		}
		d.mu.Lock()
		d.damaged = nil
		d.mu.Unlock()
	}
	if d.cancelledDown() && d.decideRun(ctx, s) {
		// Every statement cancelled for a while, the check's write too: the
		// check below answers through a table lock, and would call the store
		// up for the next statement to be cancelled.
		return
	}
	// PingWrite, not Ping: on SQLite a ping reads nothing, so a file
	// another process keeps locked would be called available again after
	// every write that failed on the lock.
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = s.PingWrite(pctx)
	cancel()
	d.report(err)
}

// damagedCheckTimeout bounds the reading of a damaged file's every page
// at each check (30 MB took 0.04 s here, its pages in the OS cache).
const damagedCheckTimeout = 30 * time.Second

// Run checks the store every PingEvery (sooner while it is down), sweeps expired rows every
// SweepEvery and the audit trail past its retention daily, until ctx is
// done.
func (d *Durable) Run(ctx context.Context) {
	// A store marked down (by a failed query anywhere, or a check) is
	// checked again after 1 s, then 2, 4, … up to PingEvery: a database
	// restarted for a second is back within seconds, not at the next
	// PingEvery, during which the dedupe and the claims would run on each
	// replica's memory.
	tick := time.NewTicker(min(time.Second, d.opts.PingEvery))
	defer tick.Stop()
	sweep := time.NewTicker(d.opts.SweepEvery)
	defer sweep.Stop()
	var lastAudit time.Time
	if d.store.Load() == nil {
		d.open(ctx) // OpenInRun, or a store that could not be opened yet
	}
	d.triedOnce.Do(func() { close(d.tried) })
	d.sweep(ctx, &lastAudit)
	last, down := time.Now(), time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			wait := d.opts.PingEvery
			if d.healthy.Load() {
				down = 0
			} else {
				down = max(down, time.Second)
				wait = min(down, wait)
			}
			if time.Since(last) < wait {
				continue
			}
			d.ping(ctx)
			last = time.Now()
			if !d.healthy.Load() {
				down = min(2*down, d.opts.PingEvery)
			}
		case <-sweep.C:
			d.sweep(ctx, &lastAudit)
		case <-d.probeNow:
			// A run of cancelled statements has lasted
			// cancelledDownAfter, or a statement ran out of its
			// caller's deadline: the check decides now.
			d.ping(ctx)
			last = time.Now()
		}
	}
}

func (d *Durable) sweep(ctx context.Context, lastAudit *time.Time) {
	s := d.Store()
	if s == nil {
		return
	}
	now := time.Now()
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	_, err := s.Sweep(sctx, now)
	cancel()
	if err != nil {
		d.opts.Metrics.failed("sweep")
		d.observe(err)
		// A statement that ended waiting (a lock held on its table, a
		// table slow to sweep) is that table's: the audit trail's daily
		// sweep goes on, with its own minute. Before, it was skipped at
		// every sweep the lock lasted
		// (TestPostgresPeriodicSweepPastALockedTableSweepsTheAuditTrail).
		if !d.waited(err) {
			return
		}
	} else {
		// Its deletes wrote the tables: a write that worked ends a run of
		// cancelled statements, as the check's own sweep does.
		d.wrote()
	}
	if now.Sub(*lastAudit) < 24*time.Hour || ctx.Err() != nil {
		return
	}
	sctx, cancel = context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := s.SweepAudit(sctx, now.Add(-d.opts.Retention))
	if err != nil {
		d.opts.Metrics.failed("sweep")
		d.observe(err)
		return
	}
	if n > 0 {
		d.log.Info("audit entries past retention deleted", "entries", n, "retention", d.opts.Retention.String())
	}
	// The keep-or-release tables name the same people as the trail: gone
	// past the same retention, but not within nudge.KeptWindow, in which a
	// round reads them to leave alone whoever kept their seat.
	n, err = s.SweepKeepOrRelease(sctx, now.Add(-max(d.opts.Retention, nudge.KeptWindow)))
	if err != nil {
		d.opts.Metrics.failed("sweep")
		d.observe(err)
		return
	}
	*lastAudit = now
	if n > 0 {
		d.log.Info("keep-or-release rows past retention deleted", "rows", n, "retention", d.opts.Retention.String())
	}
}

// Close closes the store. Call it after everything using it has stopped.
func (d *Durable) Close() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	d.closed = true
	s := d.store.Swap(nil)
	d.healthy.Store(false)
	d.mu.Unlock()
	// Closed without d.mu held: the pool's Close waits for the statements
	// under way, and a write among them reports to wrote, which may take
	// it to mark the store up.
	if s != nil {
		return s.Close()
	}
	return nil
}

// storeCallTimeout bounds each of the digest's store calls below: their
// callers' contexts are long (a scheduled digest's 35 minutes) or endless
// (lastactive digest), and a locked table or a server that stopped
// answering must cost a digest its change and chart, not hang it. A
// variable so that a test need not wait for it.
var storeCallTimeout = 10 * time.Second

// errStoreDown is what the store methods of a Durable answer while the
// store is unavailable.
var errStoreDown = errors.New("state store unavailable")

// Snapshots reads the report history (digest.Store); it fails while the
// store is unavailable.
func (d *Durable) Snapshots(ctx context.Context, since time.Time, limit int) ([]state.Snapshot, error) {
	st := d.Store()
	if st == nil {
		return nil, errStoreDown
	}
	ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	snaps, err := st.Snapshots(ctx, since, limit)
	d.observe(err)
	return snaps, err
}

// PostedSnapshots reads the newest snapshots of posted digests
// (digest.Store).
func (d *Durable) PostedSnapshots(ctx context.Context, limit int) ([]state.Snapshot, error) {
	st := d.Store()
	if st == nil {
		return nil, errStoreDown
	}
	ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	snaps, err := st.PostedSnapshots(ctx, limit)
	d.observe(err)
	return snaps, err
}

// SaveSnapshot records one snapshot of the report history (digest.Store).
func (d *Durable) SaveSnapshot(ctx context.Context, snap state.Snapshot) (string, error) {
	st := d.Store()
	if st == nil {
		return "", errStoreDown
	}
	ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	id, err := st.SaveSnapshot(ctx, snap)
	d.observe(err)
	return id, err
}

// MarkSnapshotPosted records that a digest reached its channel
// (digest.Store).
func (d *Durable) MarkSnapshotPosted(ctx context.Context, id string) error {
	st := d.Store()
	if st == nil {
		return errStoreDown
	}
	ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	defer cancel()
	err := st.MarkSnapshotPosted(ctx, id)
	d.observe(err)
	return err
}

// Claim takes a named slot for holder (schedule.Claimer). While the store
// is unavailable nobody gets a slot: a digest missed is better than a
// digest posted by every replica.
func (d *Durable) Claim(ctx context.Context, slot, holder string, ttl time.Duration) (bool, error) {
	st := d.Store()
	if st == nil {
		return false, errStoreDown
	}
	ok, err := st.Claim(ctx, slot, holder, ttl)
	d.observe(err)
	return ok, err
}

// Release gives back a slot holder has (schedule.Claimer).
func (d *Durable) Release(ctx context.Context, slot, holder string) error {
	st := d.Store()
	if st == nil {
		return errStoreDown
	}
	err := st.Release(ctx, slot, holder)
	d.observe(err)
	return err
}

func (d *Durable) now() time.Time {
	if d.clock != nil {
		return d.clock()
	}
	return time.Now()
}
