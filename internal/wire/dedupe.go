package wire

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"lastactive/bot"
	"lastactive/internal/state"
)

// FirstDeliverer is the method set of bot's envelope Deduper: whether an
// envelope ID is seen for the first time.
type FirstDeliverer interface {
	FirstDelivery(ctx context.Context, envelopeID string) (bool, error)
}

// dedupeTimeout bounds the database's answer. The Bot asks after the ack,
// in the envelope's own goroutine, before the command's work starts, so
// the asker waits for it: a database slower than this is treated as down
// for the envelope, which is then answered (twice at worst, never not at
// all).
const dedupeTimeout = 500 * time.Millisecond

// StoreDeduper answers "first delivery?" across every process sharing the
// database, so an envelope redelivered to another replica is answered once.
// It asks Memory first (this process's own answer, which also covers two
// sockets of one process) and the store only for IDs new here. When the
// store is down or fails, the in-memory answer stands: an envelope is never
// dropped because the database is unavailable.
type StoreDeduper struct {
	D       *Durable
	Memory  FirstDeliverer // required: the in-process deduper
	Metrics *StoreMetrics
	TTL     time.Duration // 0: state.EnvelopeTTL
	// openWait is how long a first delivery waits for a store still
	// opening; 0: dedupeTimeout. Tests lengthen it: an open under a
	// loaded -race run may take longer than the product's half second.
	openWait time.Duration
	// pingWait bounds the check after a query that ran out of time (a
	// connection of its own included, on a busy pool); 0: observePing.
	// Tests of a server that answers lengthen it: opening a connection
	// under a loaded -race run may take longer than the half second.
	pingWait time.Duration
	// asidePing is set while a ping outside the pool runs: a busy pool
	// opens one connection for it at a time, not one per envelope.
	asidePing atomic.Bool
}

var _ bot.Deduper = (*StoreDeduper)(nil)

// FirstDelivery implements FirstDeliverer.
func (s *StoreDeduper) FirstDelivery(ctx context.Context, envelopeID string) (bool, error) {
	first, err := s.Memory.FirstDelivery(ctx, envelopeID)
	if err != nil || !first {
		return first, err
	}
	st := s.D.Store()
	if st == nil {
		// Just started, the store may still be opening (beside the bot):
		// answering from memory now would let two replicas both answer.
		s.D.waitTried(ctx, cmp.Or(s.openWait, dedupeTimeout))
		if st = s.D.Store(); st == nil {
			return true, nil
		}
	}
	// The query's own budget, after any wait: a store that opened late in
	// it must not be asked with what is left (and reported down).
	ctx, cancel := context.WithTimeout(ctx, dedupeTimeout)
	defer cancel()
	ttl := s.TTL
	if ttl <= 0 {
		ttl = state.EnvelopeTTL
	}
	won, err := st.FirstDelivery(ctx, envelopeID, ttl)
	if err != nil {
		s.Metrics.failed("dedupe")
		// Slower than dedupeTimeout is down for this envelope only: the
		// dedupe's budget is far tighter than the store's other users', and one slow answer under load must not turn the store
		// off for the clicks, claims and audit lines beside it (the
		// store's checks find a database that stopped answering). One
		// ping tells the two apart at once: a server answering nothing
		// would otherwise cost every envelope the whole budget before its
		// command starts, until the next check. A pool whose every
		// connection is busy would keep the ping waiting as it kept the
		// query, and a server that stopped answering keeps every one busy
		// too (its statements stuck on it): that ping goes on a connection
		// of its own, one at a time.
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.D.observe(err)
		} else if !st.PoolBusy() {
			if perr := pingWithin(st, cmp.Or(s.pingWait, observePing)); perr != nil {
				s.D.report(perr)
			}
		} else if s.asidePing.CompareAndSwap(false, true) {
			perr := pingAsideWithin(st, cmp.Or(s.pingWait, observePing))
			s.asidePing.Store(false)
			if perr != nil {
				s.D.report(perr)
			}
		}
		return true, nil
	}
	s.D.wrote()
	return won, nil
}

// pingAsideWithin pings st outside its pool with its own deadline d.
func pingAsideWithin(st *state.Store, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return st.PingAside(ctx)
}

// pingWithin pings st with its own deadline d.
func pingWithin(st *state.Store, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return st.Ping(ctx)
}

// EnvelopeLog is the dedupe of a process alone on its database (SQLite):
// its memory answers every FirstDelivery, as no other process can see the
// envelope, and the database only remembers across a restart, when the
// memory is empty and Slack redelivers what it saw acked too late. So the
// IDs are written in batches beside the commands (one transaction per
// batch: a transaction per envelope cost 1.25x the bot's CPU under load,
// batches 1.10x),
// and loaded back into the memory when the store opens. An ID still in
// the queue when the process dies is the one it may answer twice.
type EnvelopeLog struct {
	D       *Durable
	Memory  *bot.MemoryDeduper
	Metrics *StoreMetrics
	Logger  *slog.Logger

	q      chan string
	loaded chan struct{} // closed once the remembered IDs are in the memory (or will not be)
	once   sync.Once
	noWait atomic.Bool // loaded, or waited for in vain once: no FirstDelivery waits again
}

var _ bot.Deduper = (*EnvelopeLog)(nil)

// NewEnvelopeLog returns an EnvelopeLog; Run it.
func NewEnvelopeLog(d *Durable, mem *bot.MemoryDeduper, m *StoreMetrics, log *slog.Logger) *EnvelopeLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EnvelopeLog{D: d, Memory: mem, Metrics: m, Logger: log, q: make(chan string, DefaultAuditQueue), loaded: make(chan struct{})}
}

// FirstDelivery implements bot.Deduper: the memory's answer; a first
// delivery is queued for the database (never waited for).
func (l *EnvelopeLog) FirstDelivery(ctx context.Context, envelopeID string) (bool, error) {
	// Right after a start, the IDs seen before it may not be loaded yet:
	// wait a little for them, once (a store that does not open is not
	// waited for on every envelope).
	if !l.noWait.Load() {
		select {
		case <-l.loaded:
			l.noWait.Store(true) // loaded: nothing to wait for again
		default:
			t := time.NewTimer(dedupeTimeout)
			select {
			case <-l.loaded:
			case <-t.C:
				l.noWait.Store(true)
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
	// By the key the store keeps (an odd ID's SHA-256), so that the IDs
	// loaded after a restart are found again.
	envelopeID = state.SeenKey(envelopeID)
	first, err := l.Memory.FirstDelivery(ctx, envelopeID)
	// While the store is away the ID stays in memory only: queueing it
	// would fill the queue (Run waits for the store) and count every
	// later one as dropped.
	if err == nil && first && l.D.Store() != nil {
		select {
		case l.q <- envelopeID:
		default:
			l.Metrics.failed("envelope_dropped")
		}
	}
	return first, err
}

// envelopeRetryEvery is how often, at most, the log looks for its store
// when it is not open yet (at start, or while it is down).
const envelopeRetryEvery = time.Second

// Run loads the remembered IDs into the memory once the store is open, then
// writes queued IDs in batches until ctx is done, and flushes what is
// queued (for at most flushTimeout).
func (l *EnvelopeLog) Run(ctx context.Context) {
	l.load(ctx)
	// Like the audit writer's: what was taken is written even after the
	// stop, but within flushTimeout of it.
	fctx, cancel := drainContext(ctx, flushTimeout)
	defer cancel()
	batch := make([]string, 0, DefaultAuditBatch)
	for {
		select {
		case id := <-l.q:
			batch = l.gather(ctx, append(batch[:0], id))
			l.write(fctx, batch)
		case <-ctx.Done():
			for {
				batch = batch[:0]
				for len(batch) < DefaultAuditBatch {
					select {
					case id := <-l.q:
						batch = append(batch, id)
						continue
					default:
					}
					break
				}
				if len(batch) == 0 || fctx.Err() != nil {
					return
				}
				l.write(fctx, batch)
			}
		}
	}
}

// load waits for the store (it opens beside the bot) and puts the IDs it
// remembers into the memory.
func (l *EnvelopeLog) load(ctx context.Context) {
	defer l.once.Do(func() { close(l.loaded) })
	wait := 5 * time.Millisecond
	for l.D.Store() == nil {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, envelopeRetryEvery)
	}
	rctx, cancel := context.WithTimeout(ctx, auditWriteTimeout)
	defer cancel()
	seen, err := l.D.Store().RecentEnvelopes(rctx)
	if err != nil {
		l.Metrics.failed("dedupe")
		l.Logger.Warn("envelope IDs of before the start not read: a redelivery of one may be answered twice", "err", err)
		return
	}
	for id, until := range seen {
		l.Memory.Remember(id, until)
	}
}

func (l *EnvelopeLog) gather(ctx context.Context, batch []string) []string {
	t := time.NewTimer(auditLinger)
	defer t.Stop()
	for len(batch) < DefaultAuditBatch {
		select {
		case id := <-l.q:
			batch = append(batch, id)
		case <-t.C:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

func (l *EnvelopeLog) write(ctx context.Context, ids []string) {
	s := l.D.Store()
	if s == nil {
		l.Metrics.failed("dedupe")
		return
	}
	wctx, cancel := context.WithTimeout(ctx, auditWriteTimeout)
	defer cancel()
	if err := s.RecordEnvelopes(wctx, ids, state.EnvelopeTTL); err != nil {
		l.Metrics.failed("dedupe")
		l.D.observe(err)
	} else {
		l.D.wrote()
	}
}
