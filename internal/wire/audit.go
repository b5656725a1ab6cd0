package wire

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lastactive/bot"
	"lastactive/internal/state"
)

// DefaultAuditQueue is how many audit events may wait for the database.
const DefaultAuditQueue = 1024

// DefaultAuditBatch is the most events written in one transaction: the
// events waiting when the writer comes round, up to this many, go together.
const DefaultAuditBatch = 256

// auditLinger is how long the writer waits for more events after the first
// of a batch when the last batch was written less than this ago: commands
// arriving one by one under load then share a transaction, whose cost (an
// fsync-bound commit in SQLite) dominates. An entry reaches the database at
// most this much later; the first after a quiet spell, at once.
const auditLinger = 50 * time.Millisecond

// maxAuditBacklog bounds the entries kept for another try while the
// database is unavailable (a stall, a restart, a replica's migration): a
// few hours of a busy bot, and about 3 MB. Past it, the oldest are given
// up, counted and logged.
const maxAuditBacklog = 10_000

// auditRetryEvery is how often a backlog is tried again when no new
// event comes to carry it.
const auditRetryEvery = 5 * time.Second

// auditWriteTimeout bounds one write; flushTimeout bounds what is written
// after the stop, a write already begun included: the Bot may take 7.5 s
// to stop, the health server 1 s, and serve has 10.
const (
	auditWriteTimeout = 5 * time.Second
	flushTimeout      = time.Second
)

// drainContext is the context of a writer that outlives ctx: a write begun
// before the stop is not cut by the stop itself, but everything written
// after it, that write included, ends by d after it.
func drainContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var timer *time.Timer
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		timer = time.AfterFunc(d, cancel)
		mu.Unlock()
	})
	return dctx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

// AuditWriter stores the Service's audit events in the state store without
// slowing the commands: Record queues (never blocks), one goroutine owned
// by Run writes. Entries whose write fails are kept (up to maxAuditBacklog)
// and written with the next batch or auditRetryEvery later, so a database
// stall delays the trail instead of cutting holes in it; events recorded
// while a write stalls, past the queue, wait in an overflow bounded with
// the backlog. A failed write (op audit_write), an event dropped because
// the queue and that bound are full (audit_dropped) and an entry given up
// (audit_lost: the backlog full, or still unwritten when the flush at stop
// runs out of time) are counted in lastactive_store_errors_total. Every event's audit line is logged once,
// with audit_stored=false when its first write failed.
type AuditWriter struct {
	d   *Durable
	log *slog.Logger
	m   *StoreMetrics
	// q carries pointers: a channel of AuditEvent values holds a ring of
	// 1,024 of them (216 B each) from the start, which the queue's going
	// round makes resident and keeps live (issue 19), where pointers cost
	// 8 KiB and each event only while it waits.
	q   chan *bot.AuditEvent
	max int // events per transaction
	// linger is how long a batch waits for more events (auditLinger).
	linger time.Duration

	// onBatch, when set (tests), is told the size of each batch written.
	onBatch func(entries int)
	// beforeStore, when set (tests), is called before each store write.
	beforeStore func()

	mu      sync.RWMutex // guards stopped against Record's send
	stopped bool

	// overflow holds the events Record found no room for in the queue,
	// while Run was busy with a write that stalls (a database stuck for
	// the write's timeout): Run takes them after the queue's. spilled
	// wakes Run while some wait. Memory stays bounded: Record adds only
	// while overflow and backlog together hold fewer than maxAuditBacklog,
	// so at most that many entries (about 3 MB) wait beyond the queue and
	// the batch being written; past it, events are dropped (audit_dropped).
	// While some wait there, Record adds behind them rather than to the
	// queue (spilt is their number): the events are written in the order
	// recorded, which Sync's count relies on.
	omu      sync.Mutex
	overflow []bot.AuditEvent
	spilled  chan struct{}
	spilt    atomic.Int64

	// backlog is what failed to be written, oldest first; Run's alone.
	// waiting is its length, for readers of the trail.
	backlog []state.AuditEntry
	waiting atomic.Int64

	// queued counts the events Record took, handled those Run has
	// written (or kept for another try): Sync waits for the one to reach
	// the other. syncNow cuts the linger of a batch being gathered.
	queued  atomic.Uint64
	hmu     sync.Mutex
	handled uint64
	hdone   chan struct{} // closed and replaced at each change of handled
	syncNow chan struct{}
	// retryNow has Run try the backlog at once, not at its next retry:
	// a reader of the trail waits for it (retryBacklog).
	retryNow chan struct{}
}

var _ bot.AuditSink = (*AuditWriter)(nil)

// NewAuditWriter returns a writer with a queue of size events (0:
// DefaultAuditQueue). Run it.
func NewAuditWriter(d *Durable, size int, log *slog.Logger, m *StoreMetrics) *AuditWriter {
	if size <= 0 {
		size = DefaultAuditQueue
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &AuditWriter{d: d, log: log, m: m, q: make(chan *bot.AuditEvent, size), max: DefaultAuditBatch, linger: auditLinger,
		hdone: make(chan struct{}), syncNow: make(chan struct{}, 1), retryNow: make(chan struct{}, 1), spilled: make(chan struct{}, 1)}
}

// Record queues e, never waiting: a full queue (a write stalls) spills
// into the overflow, and later events go behind it until it is taken. It
// returns false, and counts the drop, when the overflow is full too or the
// writer has stopped; the caller then logs the line.
func (w *AuditWriter) Record(e bot.AuditEvent) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	// Past the overflow's bound, the queue's room still takes it.
	if !w.stopped && (w.spilt.Load() == 0 && w.send(&e) || w.spill(e) || w.send(&e)) {
		w.queued.Add(1)
		return true
	}
	w.m.failed("audit_dropped")
	return false
}

// send puts e on the queue if it has room.
func (w *AuditWriter) send(e *bot.AuditEvent) bool {
	select {
	case w.q <- e:
		return true
	default:
		return false
	}
}

// spill adds e to the overflow if it and the backlog have room, and wakes
// Run.
func (w *AuditWriter) spill(e bot.AuditEvent) bool {
	w.omu.Lock()
	ok := len(w.overflow)+int(w.waiting.Load()) < maxAuditBacklog
	if ok {
		w.overflow = append(w.overflow, e)
		w.spilt.Store(int64(len(w.overflow)))
	}
	w.omu.Unlock()
	if ok {
		w.wake()
	}
	return ok
}

// wake has Run come round for the overflow.
func (w *AuditWriter) wake() {
	select {
	case w.spilled <- struct{}{}:
	default:
	}
}

// Run writes queued events until ctx is done, then stops taking events and
// flushes what is queued, for at most flushTimeout after the stop.
func (w *AuditWriter) Run(ctx context.Context) {
	// Not ctx: events taken off the queue are written even if the stop
	// comes meanwhile, but within flushTimeout of it.
	dctx, cancel := drainContext(ctx, flushTimeout)
	defer cancel()
	batch := make([]bot.AuditEvent, 0, w.max)
	retry := time.NewTicker(auditRetryEvery)
	defer retry.Stop()
	var wrote time.Time // when the last batch was written
	for {
		select {
		case e := <-w.q:
			batch = append(batch[:0], *e)
			if time.Since(wrote) < w.linger {
				// Events are coming one after another: wait a little
				// for more, so that they share a transaction.
				batch = w.gather(ctx, batch)
			} else {
				// A lone event (an idle bot's one command) goes at once,
				// with what else is queued: another process reading the
				// trail right after the reply (lastactive audit) finds it.
				batch = w.fill(batch)
			}
			w.write(dctx, batch...)
			wrote = time.Now()
			w.done(len(batch))
		case <-w.spilled:
			if batch = w.fill(batch[:0]); len(batch) > 0 {
				w.write(dctx, batch...)
				wrote = time.Now()
				w.done(len(batch))
			}
		case <-retry.C:
			if len(w.backlog) > 0 {
				w.write(dctx)
			}
		case <-w.retryNow:
			if len(w.backlog) > 0 {
				w.write(dctx)
			}
			w.bump()
		case <-ctx.Done():
			w.flush(dctx, batch)
			return
		}
	}
}

// gather adds to batch the events recorded within the linger, up to the
// batch size; a stop ends the wait (the batch is still written).
func (w *AuditWriter) gather(ctx context.Context, batch []bot.AuditEvent) []bot.AuditEvent {
	t := time.NewTimer(w.linger)
	defer t.Stop()
	for len(batch) < w.max {
		select {
		case e := <-w.q:
			batch = append(batch, *e)
		case <-t.C:
			return batch
		case <-w.syncNow:
			// A reader waits for what is queued (Sync): take what is
			// there and write it now.
			return w.fill(batch)
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

// done records that n events taken off the queue were written (or kept
// for another try), for Sync.
func (w *AuditWriter) done(n int) {
	if n == 0 {
		return
	}
	w.hmu.Lock()
	w.handled += uint64(n)
	close(w.hdone)
	w.hdone = make(chan struct{})
	w.hmu.Unlock()
}

// bump wakes the waiters of done without counting an event: a retry of
// the backlog was made.
func (w *AuditWriter) bump() {
	w.hmu.Lock()
	close(w.hdone)
	w.hdone = make(chan struct{})
	w.hmu.Unlock()
}

// retryBacklog has Run try the backlog now, and waits within ctx for a
// try (or a batch) to end: once the store answers again, what waits is
// written before a reader of the trail looks, not up to 5 s later.
func (w *AuditWriter) retryBacklog(ctx context.Context) {
	w.hmu.Lock()
	changed := w.hdone
	w.hmu.Unlock()
	select {
	case w.retryNow <- struct{}{}:
	default:
	}
	select {
	case <-changed:
	case <-ctx.Done():
	}
}

// Sync waits, within ctx, until the events recorded before it was called
// are written: a reader of the trail right after a command (audit EMAIL
// sent as soon as the lookup's reply came) sees that command. It cuts the
// linger of a batch being gathered rather than waiting it out.
func (w *AuditWriter) Sync(ctx context.Context) error {
	target := w.queued.Load()
	for {
		w.hmu.Lock()
		handled, changed := w.handled, w.hdone
		w.hmu.Unlock()
		if handled >= target {
			return nil
		}
		select {
		case w.syncNow <- struct{}{}:
		default:
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fill adds the events already queued to batch, up to the batch size:
// the queue's, then the overflow's.
func (w *AuditWriter) fill(batch []bot.AuditEvent) []bot.AuditEvent {
queue:
	for len(batch) < w.max {
		select {
		case e := <-w.q:
			batch = append(batch, *e)
		default:
			break queue
		}
	}
	w.omu.Lock()
	defer w.omu.Unlock()
	n := min(len(w.overflow), w.max-len(batch))
	batch = append(batch, w.overflow[:n]...)
	w.overflow = append(w.overflow[:0], w.overflow[n:]...)
	w.spilt.Store(int64(len(w.overflow)))
	if len(w.overflow) > 0 {
		w.wake() // the rest with the next batch
	} else if cap(w.overflow) > DefaultAuditBatch {
		w.overflow = nil // a stall's spill is not held for the process's life
	}
	return batch
}

func (w *AuditWriter) flush(ctx context.Context, batch []bot.AuditEvent) {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	for {
		batch = w.fill(batch[:0])
		if len(batch) == 0 && (len(w.backlog) == 0 || ctx.Err() != nil) {
			break
		}
		before := len(w.backlog)
		w.write(ctx, batch...)
		w.done(len(batch))
		if len(batch) == 0 && len(w.backlog) >= before {
			break // the backlog alone, and the store still refuses it
		}
	}
	if n := len(w.backlog); n > 0 {
		w.lose(n, "the store was unavailable until the stop")
	}
}

// lose gives up the n oldest entries of the backlog, counted and logged
// (each one's audit line was logged when its first write failed).
func (w *AuditWriter) lose(n int, why string) {
	for range n {
		w.m.failed("audit_lost")
	}
	w.log.Error("audit entries not stored", "entries", n, "reason", why)
	w.backlog = append(w.backlog[:0], w.backlog[n:]...)
	w.waiting.Store(int64(len(w.backlog)))
}

// write stores events in one transaction and logs each one's audit line.
// An event of a kind the store refuses fails alone.
func (w *AuditWriter) write(ctx context.Context, events ...bot.AuditEvent) {
	entries := make([]state.AuditEntry, 0, len(events))
	for _, e := range events {
		if en := entryOf(e); en.Kind.Valid() {
			entries = append(entries, en)
		}
	}
	// The backlog goes first, in batches the store takes; the new entries
	// with the last of them.
	err := ctx.Err()
	kept := len(w.backlog)
	if err == nil && len(w.backlog) > 0 {
		for len(w.backlog) > 0 && err == nil {
			n := min(len(w.backlog), w.max)
			if err = w.store(ctx, w.backlog[:n]); err == nil {
				w.backlog = append(w.backlog[:0], w.backlog[n:]...)
			}
		}
		if err == nil && kept > 0 {
			w.log.Info("audit entries stored after the store came back", "entries", kept)
		}
	}
	if err == nil && len(entries) > 0 {
		err = w.store(ctx, entries)
	}
	if w.onBatch != nil && len(entries) > 0 {
		w.onBatch(len(entries))
	}
	if err != nil && len(entries) > 0 {
		w.backlog = append(w.backlog, entries...)
		if over := len(w.backlog) - maxAuditBacklog; over > 0 {
			w.lose(over, "more than the backlog holds")
		}
	}
	w.waiting.Store(int64(len(w.backlog)))
	// The lines' arguments are boxed only when they are written.
	logged := w.log.Enabled(ctx, slog.LevelInfo)
	for _, e := range events {
		if err != nil || !state.Kind(e.Action).Valid() {
			w.m.failed("audit_write")
			if logged {
				w.log.Info("audit", append(e.LogAttrs(), "audit_stored", false)...)
			}
			continue
		}
		if logged {
			w.log.Info("audit", append(e.LogAttrs(), "audit_stored", true)...)
		}
	}
}

func (w *AuditWriter) isStopped() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.stopped
}

func (w *AuditWriter) store(ctx context.Context, entries []state.AuditEntry) error {
	s := w.d.Store()
	if s == nil && w.isStopped() {
		// At the stop there is no next check to wait for: try the open
		// store that the last failure marked down, as the database may be
		// back since (a write that works marks it up again).
		s = w.d.store.Load()
	}
	if s == nil {
		return ErrStoreUnavailable
	}
	if err := w.d.check(); err != nil {
		w.d.report(err)
		return err
	}
	if w.beforeStore != nil {
		w.beforeStore()
	}
	wctx, cancel := context.WithTimeout(ctx, auditWriteTimeout)
	defer cancel()
	err := s.AppendBatch(wctx, entries)
	w.d.observeAudit(ctx, err)
	if err == nil {
		w.d.wroteAudit()
		w.d.report(nil)
	}
	return err
}

func entryOf(e bot.AuditEvent) state.AuditEntry {
	detail := e.Detail
	if e.Channel != "" {
		detail = joinDetail(detail, "channel "+e.Channel)
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	// The ID is made once: an entry kept for another try after a write whose
	// commit was made unbeknown to us (the connection lost before the answer)
	// is not stored twice.
	return state.AuditEntry{
		ID: state.NewAuditID(at), At: at, Actor: e.Actor, Emails: e.Emails, AccountIDs: e.AccountIDs,
		Kind: state.Kind(e.Action), Outcome: state.Outcome(e.Outcome), Detail: detail, People: e.People,
	}
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + " · " + b
}

// trailRead is how many entries of each part (nudge skips, the rest) the
// Slack audit view reads.
const trailRead = bot.AuditTrailRead

// AuditTrailReader reads the stored audit trail for the Service's
// "audit EMAIL" and the audit subcommand. W, when set, is the process's
// writer: what it has queued is written before the read.
type AuditTrailReader struct {
	D *Durable
	W *AuditWriter
}

var _ bot.AuditTrail = AuditTrailReader{}
var _ bot.AuditKeeper = AuditTrailReader{}

// Kept implements bot.AuditKeeper: how long the store keeps entries
// (LASTACTIVE_AUDIT_RETENTION); 0 when there is no store.
func (r AuditTrailReader) Kept() time.Duration {
	if r.D == nil {
		return 0
	}
	return r.D.opts.Retention
}

// Trail implements bot.AuditTrail.
func (r AuditTrailReader) Trail(ctx context.Context, email string, since time.Time) ([]bot.AuditEvent, error) {
	s := r.D.Store()
	if s == nil {
		return nil, bot.ErrAuditUnavailable
	}
	if r.W != nil {
		// A second at most: a stalled store is reported by the read.
		sctx, scancel := context.WithTimeout(ctx, time.Second)
		_ = r.W.Sync(sctx)
		if r.W.waiting.Load() > 0 && r.D.Store() != nil {
			r.W.retryBacklog(sctx)
		}
		scancel()
		// Entries whose write failed wait for the writer's next try: a
		// read now would not find them, and answer that nobody looked
		// the person up.
		if n := r.W.waiting.Load(); n > 0 || r.D.Store() == nil {
			return nil, fmt.Errorf("%w: %d audit entries wait to be written", bot.ErrAuditUnavailable, n)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Nudge skips are read apart: a round writes one for every idle
	// product it does not ask about, every weekday, and a thousand of them
	// would push who looked the person up out of a single read.
	entries, err := s.AuditPerson(ctx, state.AuditQuery{Target: email, Since: since, Limit: trailRead, NotKind: state.KindSkip})
	var skips []state.AuditEntry
	if err == nil {
		skips, err = s.AuditPerson(ctx, state.AuditQuery{Target: email, Since: since, Limit: trailRead, Kind: state.KindSkip})
	}
	// Org-wide reports name nobody, yet list this person too.
	var reports []state.AuditEntry
	if err == nil {
		reports, err = OrgWideReports(ctx, s, since, trailRead)
	}
	if err != nil {
		r.D.observe(err)
		return nil, fmt.Errorf("%w: %w", bot.ErrAuditUnavailable, err)
	}
	orgWide := map[string]bool{}
	for _, en := range reports {
		orgWide[en.ID] = true
		entries = append(entries, en)
	}
	entries = append(entries, skips...)
	slices.SortStableFunc(entries, func(a, b state.AuditEntry) int { return cmp.Compare(b.ID, a.ID) }) // newest first
	out := make([]bot.AuditEvent, len(entries))
	for i, en := range entries {
		out[i] = bot.AuditEvent{At: en.At, Actor: en.Actor, Action: bot.AuditAction(en.Kind), Outcome: bot.Outcome(en.Outcome),
			Emails: en.Emails, AccountIDs: en.AccountIDs, Detail: en.Detail, People: en.People, OrgWide: orgWide[en.ID]}
	}
	return out, nil
}

// OrgWideReports reads, newest first, at most limit of the org-wide
// reports that ran from since on (idle reports and Full lists: they name
// nobody but list everyone with a seat), which each person's trail counts:
// the Slack view's and lastactive audit EMAIL's alike.
func OrgWideReports(ctx context.Context, s *state.Store, since time.Time, limit int) ([]state.AuditEntry, error) {
	reports, err := s.Audit(ctx, state.AuditQuery{Since: since, Limit: limit, Kind: state.KindReport, Untargeted: true})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(reports, func(en state.AuditEntry) bool {
		// One that failed, or was turned away as its author's last one
		// still ran, listed nobody.
		ran := bot.Outcome(en.Outcome) == bot.OutcomeOK || bot.Outcome(en.Outcome) == bot.OutcomePartial
		return !ran || len(en.Emails) > 0 || len(en.AccountIDs) > 0 || !bot.IsOrgWideReport(en.Detail)
	}), nil
}
