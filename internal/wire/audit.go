package wire

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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
// of a batch: commands arriving one by one then share a transaction, whose
// cost (an fsync-bound commit in SQLite) dominates. An entry reaches the
// database at most this much later.
const auditLinger = 50 * time.Millisecond

// auditWriteTimeout bounds one write; flushTimeout bounds the flush at stop.
const (
	auditWriteTimeout = 5 * time.Second
	flushTimeout      = 2 * time.Second
)

// AuditWriter stores the Service's audit events in the state store without
// slowing the commands: Record queues (never blocks), one goroutine owned
// by Run writes. A write that fails, an event dropped because the queue is
// full, and an event still queued when the flush at stop runs out of time
// are each counted (lastactive_store_errors_total) and their audit line
// goes to the log with audit_stored=false. Every event is logged once.
type AuditWriter struct {
	d   *Durable
	log *slog.Logger
	m   *StoreMetrics
	q   chan bot.AuditEvent
	max int // events per transaction
	// linger is how long a batch waits for more events (auditLinger).
	linger time.Duration

	// onBatch, when set (tests), is told the size of each batch written.
	onBatch func(entries int)

	mu      sync.RWMutex // guards stopped against Record's send
	stopped bool
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
	return &AuditWriter{d: d, log: log, m: m, q: make(chan bot.AuditEvent, size), max: DefaultAuditBatch, linger: auditLinger}
}

// Record queues e. It returns false, and counts the drop, when the queue
// is full or the writer has stopped; the caller then logs the line.
func (w *AuditWriter) Record(e bot.AuditEvent) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.stopped {
		select {
		case w.q <- e:
			return true
		default:
		}
	}
	w.m.failed("audit_dropped")
	return false
}

// Run writes queued events until ctx is done, then stops taking events and
// flushes what is queued (for at most 2 s).
func (w *AuditWriter) Run(ctx context.Context) {
	batch := make([]bot.AuditEvent, 0, w.max)
	for {
		select {
		case e := <-w.q:
			// Not ctx: events taken off the queue are written even if the
			// stop comes meanwhile (each write has its own deadline).
			batch = w.gather(ctx, append(batch[:0], e))
			w.write(context.Background(), batch...)
		case <-ctx.Done():
			w.flush(batch)
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
			batch = append(batch, e)
		case <-t.C:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

// fill adds the events already queued to batch, up to the batch size.
func (w *AuditWriter) fill(batch []bot.AuditEvent) []bot.AuditEvent {
	for len(batch) < w.max {
		select {
		case e := <-w.q:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

func (w *AuditWriter) flush(batch []bot.AuditEvent) {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	for {
		batch = w.fill(batch[:0])
		if len(batch) == 0 {
			return
		}
		w.write(ctx, batch...)
	}
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
	err := ctx.Err()
	if err == nil && len(entries) > 0 {
		err = w.store(ctx, entries)
	}
	if w.onBatch != nil && len(entries) > 0 {
		w.onBatch(len(entries))
	}
	for _, e := range events {
		if err != nil || !state.Kind(e.Action).Valid() {
			w.m.failed("audit_write")
			w.log.Info("audit", append(e.LogAttrs(), "audit_stored", false)...)
			continue
		}
		w.log.Info("audit", append(e.LogAttrs(), "audit_stored", true)...)
	}
}

func (w *AuditWriter) store(ctx context.Context, entries []state.AuditEntry) error {
	s := w.d.Store()
	if s == nil {
		return ErrStoreUnavailable
	}
	if err := w.d.check(); err != nil {
		w.d.report(err)
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, auditWriteTimeout)
	defer cancel()
	err := s.AppendBatch(ctx, entries)
	w.d.observe(err)
	if err == nil {
		w.d.report(nil)
	}
	return err
}

func entryOf(e bot.AuditEvent) state.AuditEntry {
	detail := e.Detail
	if e.Channel != "" {
		detail = joinDetail(detail, "channel "+e.Channel)
	}
	return state.AuditEntry{
		At: e.At, Actor: e.Actor, Emails: e.Emails, AccountIDs: e.AccountIDs,
		Kind: state.Kind(e.Action), Outcome: state.Outcome(e.Outcome), Detail: detail,
	}
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + " · " + b
}

// AuditTrailReader reads the stored audit trail for the Service's
// "audit EMAIL" and the audit subcommand.
type AuditTrailReader struct{ D *Durable }

var _ bot.AuditTrail = AuditTrailReader{}

// Trail implements bot.AuditTrail.
func (r AuditTrailReader) Trail(ctx context.Context, email string, since time.Time) ([]bot.AuditEvent, error) {
	s := r.D.Store()
	if s == nil {
		return nil, bot.ErrAuditUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	entries, err := s.Audit(ctx, state.AuditQuery{Target: email, Since: since, Limit: 1000})
	if err != nil {
		r.D.observe(err)
		return nil, fmt.Errorf("%w: %w", bot.ErrAuditUnavailable, err)
	}
	out := make([]bot.AuditEvent, len(entries))
	for i, en := range entries {
		out[i] = bot.AuditEvent{At: en.At, Actor: en.Actor, Action: bot.AuditAction(en.Kind), Outcome: bot.Outcome(en.Outcome),
			Emails: en.Emails, AccountIDs: en.AccountIDs, Detail: en.Detail}
	}
	return out, nil
}
