package seat

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"lastactive/atlassian"
	"lastactive/internal/recovered"
)

// OrgDirectory lists the organisation's accounts with their product access.
// *atlassian.Client satisfies it.
type OrgDirectory interface {
	OrgUsers(ctx context.Context, q atlassian.UserQuery) iter.Seq2[atlassian.OrgUser, error]
}

// DefaultScanTimeout bounds one scan: 100,000 accounts at the default
// Admin API pace take under 6 minutes.
const DefaultScanTimeout = 30 * time.Minute

// ScanConfig configures a Scanner. Dir is required.
type ScanConfig struct {
	Dir    OrgDirectory
	Prices Prices
	// Currency is the ISO 4217 code of Prices (LASTACTIVE_CURRENCY); ""
	// means DefaultCurrency.
	Currency string
	// TTL is how long a finished scan is reused (LASTACTIVE_CACHE_TTL); 0
	// scans afresh for every report not joining one in flight.
	TTL time.Duration
	// Timeout bounds one scan; default DefaultScanTimeout.
	Timeout time.Duration
	// OnProgress, when set, is told how many accounts a scan has read, after
	// every page. It runs on the scan's goroutine and must be quick.
	OnProgress func(accounts int)
	Now        func() time.Time
	Logger     *slog.Logger

	// Share, when set, runs each scan through the coordination of several
	// processes (one org scan at a time across replicas); nil scans here.
	Share ScanSharer
	// Sites, when set, names the sites of each report by host (read when a
	// report is built, once an hour at most); nil: by ID.
	Sites *SiteBook
}

// Scanner builds reports from shared scans of the organisation: one in
// flight serves every report that asks meanwhile, whatever its days and
// products (they only change the counting), and a finished one is reused
// for TTL. A scan runs on a goroutine of its own, detached from any one
// caller, and stops when the last caller waiting for it gives up, or on
// Close.
type Scanner struct {
	cfg  ScanConfig
	log  *slog.Logger
	base context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.Mutex
	cur    *scan // the scan in flight, or the last good one; nil when none
	closed bool
	last   int // accounts in the last scan that finished well: the next one's estimate
	// changed is when this process last changed someone's access (Changed):
	// no scan that finished before it is reused.
	changed time.Time
}

// Progress is how far the scan in flight has come.
type Progress struct {
	Read int // accounts read so far
	// Expected is how many accounts the last complete scan found, as an
	// estimate of this one's total (the Admin API does not give one); 0 when
	// unknown.
	Expected int
}

// Progress reports how far the scan in flight has come, and false when
// none is in flight. It is cheap: callers may poll it.
func (r *Scanner) Progress() (Progress, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil || r.cur.finished {
		return Progress{}, false
	}
	return Progress{Read: int(r.cur.read.Load()), Expected: r.cur.expected}, true
}

// scan is one read of the whole organisation.
type scan struct {
	done   chan struct{} // closed when users, err and at are set
	cancel context.CancelFunc
	// Guarded by Scanner.mu.
	waiters  int
	finished bool
	changed  bool // an access changed (Changed) while it ran: not reused
	expected int  // Scanner.last when the scan started

	read atomic.Int64 // accounts read so far

	users []atlassian.OrgUser
	sites []atlassian.Workspace // as the scan found them (Scanned.Sites)
	err   error
	at    time.Time
}

// Scanned is one read of the organisation: its accounts and the
// workspaces its sites were named by when it read them (nil when they
// could not be read). A scan read back later (from the store, by another
// replica or after a restart) names its sites as they were, also when the
// workspaces cannot be read then.
type Scanned struct {
	Users []atlassian.OrgUser
	Sites []atlassian.Workspace
}

// ScanSharer coordinates org scans between processes sharing a database.
// Share either runs scan here (and publishes its result, sites with it) or
// waits for the result of another process's scan that finished at or after notBefore,
// and then also returns when that scan finished (zero when it ran scan
// here): a report says when Atlassian was read, and a result is reused
// only for what is left of the TTL. Implementations must fall back to
// running scan when they cannot coordinate: a report never fails for want
// of coordination.
type ScanSharer interface {
	Share(ctx context.Context, notBefore time.Time, scan func(context.Context) (Scanned, error)) (Scanned, time.Time, error)
}

// ErrClosed is returned for reports asked for after Close.
var ErrClosed = errors.New("seat scanner: shutting down")

// NewScanner returns a Scanner for cfg. Call Close when done.
func NewScanner(cfg ScanConfig) *Scanner {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultScanTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	base, stop := context.WithCancel(context.Background())
	return &Scanner{cfg: cfg, log: cfg.Logger, base: base, stop: stop}
}

// Changed says that this process has just changed someone's product
// access in Atlassian (a release, its undo): a finished scan, here or
// published by another process, that read the organisation before is not
// reused, so the next report counts the seat as it is now rather than for
// the rest of the TTL as it was.
func (r *Scanner) Changed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changed = r.cfg.Now()
	switch {
	case r.cur == nil:
	case r.cur.finished:
		r.cur = nil
	default:
		// It may have read the person before the change: those who ask
		// before it ends share it, but it is not kept.
		r.cur.changed = true
	}
}

// Close cancels any scan in flight and waits for it to end. Reports asked
// for afterwards fail with ErrClosed.
func (r *Scanner) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stop()
	r.wg.Wait()
}

// Report builds the report for o from a shared or cached scan, starting
// one if needed (always, with fresh, unless one is in flight). waiting,
// when set, is called once before the caller has to wait for a scan.
// o.Now defaults to the clock, o.Prices and o.Currency to the configured
// ones.
func (r *Scanner) Report(ctx context.Context, o Options, fresh bool, waiting func()) (*Report, error) {
	s, ready, err := r.join(fresh)
	if err != nil {
		return nil, err
	}
	if !ready {
		if waiting != nil {
			waiting()
		}
		select {
		case <-s.done:
			r.leave(s)
		case <-ctx.Done():
			r.leave(s)
			return nil, ctx.Err()
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	if o.Now.IsZero() {
		o.Now = r.cfg.Now()
	}
	if o.Sites.Len() == 0 && r.cfg.Sites != nil {
		o.Sites = r.cfg.Sites.Sites(ctx)
	}
	// A site the workspaces read now does not name (it failed, or has yet
	// to work in this process) is named as the scan found it.
	o.Sites = o.Sites.Or(atlassian.NewSites(s.sites))
	if o.Prices == nil {
		o.Prices = r.cfg.Prices
	}
	if o.Currency == "" {
		o.Currency = r.cfg.Currency
	}
	rep := Build(s.users, o)
	rep.ReadAt, rep.Workspaces = s.at, s.sites
	return rep, nil
}

// join returns the scan to use, and whether it has finished already. An
// unfinished scan counts the caller as waiting until leave.
func (r *Scanner) join(fresh bool) (*scan, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, false, ErrClosed
	}
	s := r.cur
	if s != nil && s.finished && (fresh || r.cfg.TTL <= 0 || r.cfg.Now().Sub(s.at) >= r.cfg.TTL) {
		s = nil
	}
	if s == nil {
		ctx, cancel := context.WithTimeout(r.base, r.cfg.Timeout)
		s = &scan{done: make(chan struct{}), cancel: cancel, expected: r.last}
		r.cur = s
		// Another process's scan will do if this one would have reused it.
		notBefore := r.cfg.Now()
		if !fresh && r.cfg.TTL > 0 {
			notBefore = notBefore.Add(-r.cfg.TTL)
			if notBefore.Before(r.changed) {
				notBefore = r.changed
			}
		}
		r.wg.Go(func() { r.run(ctx, s, notBefore) })
	}
	if s.finished {
		return s, true, nil
	}
	s.waiters++
	return s, false, nil
}

// leave ends a caller's wait; the last one to leave an unfinished scan
// stops it, as nobody would read its result.
func (r *Scanner) leave(s *scan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.waiters--
	if s.waiters == 0 && !s.finished {
		s.cancel()
		if r.cur == s {
			r.cur = nil
		}
	}
}

// progressEvery is how often, in accounts, OnProgress hears of a scan:
// once a page, as the Admin API answers 100 accounts a page.
const progressEvery = 100

func (r *Scanner) run(ctx context.Context, s *scan, notBefore time.Time) {
	defer s.cancel()
	var got Scanned
	var err error
	var readAt time.Time // when another process's scan, taken from the store, finished
	read := func(ctx context.Context) (Scanned, error) { return r.read(ctx, s) }
	func() {
		// The scan's own goroutine: a panic here (a bug) fails the reports
		// waiting for it, not the process.
		defer func() {
			if p := recover(); p != nil {
				got, err = Scanned{}, recovered.Log(r.log, "org scan", p)
			}
		}()
		if r.cfg.Share != nil {
			got, readAt, err = r.cfg.Share.Share(ctx, notBefore, read)
		} else {
			got, err = read(ctx)
		}
	}()

	r.mu.Lock()
	s.users, s.sites, s.err, s.at, s.finished = got.Users, got.Sites, err, r.cfg.Now(), true
	if !readAt.IsZero() && readAt.Before(s.at) {
		s.at = readAt
	}
	if err == nil {
		r.last = len(got.Users)
	}
	if (err != nil || r.cfg.TTL <= 0 || s.changed) && r.cur == s {
		// Failures are never reused: a bad minute upstream is not an hour's answer.
		r.cur = nil
	}
	r.mu.Unlock()
	close(s.done)
}

// read reads every account of the organisation, counting them in s for
// Progress, then the workspaces that name their sites (the site book's
// read, shared with every report).
func (r *Scanner) read(ctx context.Context, s *scan) (Scanned, error) {
	start := time.Now()
	var users []atlassian.OrgUser
	var err error
	for u, e := range r.cfg.Dir.OrgUsers(ctx, atlassian.UserQuery{}) {
		if e != nil {
			err = e
			break
		}
		users = append(users, u)
		s.read.Store(int64(len(users)))
		if r.cfg.OnProgress != nil && len(users)%progressEvery == 0 {
			r.cfg.OnProgress(len(users))
		}
	}
	if err == nil && r.cfg.OnProgress != nil {
		r.cfg.OnProgress(len(users))
	}
	// A Go duration ("2m3.456s"), as the other lines give theirs: slog's
	// JSON would write a time.Duration as nanoseconds.
	took := time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		r.log.Warn("idle report scan failed", "accounts_read", len(users), "duration", took, "err", err)
	} else {
		r.log.Info("idle report scan finished", "accounts", len(users), "duration", took)
	}
	if err != nil {
		return Scanned{}, err
	}
	var sites []atlassian.Workspace
	if r.cfg.Sites != nil {
		// Not read: the scan keeps no sites, and they are named as the
		// workspaces read when a report is built.
		sites, _ = r.cfg.Sites.Workspaces(ctx)
	}
	return Scanned{Users: users, Sites: sites}, nil
}
