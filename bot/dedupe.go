package bot

import (
	"context"
	"slices"
	"sync"
	"time"

	"lastactive/internal/state"
)

// Deduper tells the first delivery of an envelope from a redelivery. Slack
// delivers at least once, on any of an app's connections; a Deduper shared
// by every connection (and, backed by a database, by every replica) makes
// sure each envelope is answered once.
type Deduper interface {
	// FirstDelivery records envelopeID and reports whether it was new.
	FirstDelivery(ctx context.Context, envelopeID string) (bool, error)
}

// MaxDedupeIDs bounds the envelope IDs a MemoryDeduper keeps: a burst of
// envelopes past it (far more than Slack sends a bot in one TTL) forgets
// the oldest first, so that at worst a late redelivery is answered twice.
const MaxDedupeIDs = 100_000

// MemoryDeduper remembers envelope IDs in this process for a while. Its
// memory is bounded by the envelopes of one TTL, and by MaxDedupeIDs:
// expired IDs are dropped as new ones come in, with no goroutine of its own.
type MemoryDeduper struct {
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	base time.Time // expiries are kept as durations since base: 8 bytes, not 24
	// seen maps an envelope ID to when it expires, since base (the clock's
	// monotonic reading, so a wall clock step does not shorten it).
	seen      map[string]time.Duration
	nextSweep time.Duration
}

// NewMemoryDeduper returns a MemoryDeduper that remembers an ID for ttl
// (Slack retries within minutes). now is the clock; nil: time.Now.
func NewMemoryDeduper(ttl time.Duration, now func() time.Time) *MemoryDeduper {
	if now == nil {
		now = time.Now
	}
	return &MemoryDeduper{ttl: ttl, now: now, base: now(), seen: map[string]time.Duration{}}
}

// FirstDelivery implements Deduper. It never fails. An ID is kept by
// state.SeenKey, as the store keeps it: one past 512 bytes (a frame may be
// 1 MiB) by its SHA-256, not whole for the TTL.
func (d *MemoryDeduper) FirstDelivery(_ context.Context, envelopeID string) (bool, error) {
	envelopeID = state.SeenKey(envelopeID)
	now := d.now().Sub(d.base)
	d.mu.Lock()
	defer d.mu.Unlock()
	if now > d.nextSweep {
		for id, exp := range d.seen {
			if now > exp {
				delete(d.seen, id)
			}
		}
		// Sweeping once per tenth of a TTL keeps the work per ID constant.
		d.nextSweep = now + d.ttl/10
	}
	if exp, ok := d.seen[envelopeID]; ok && now <= exp {
		return false, nil
	}
	d.capLocked()
	d.seen[envelopeID] = now + d.ttl
	return true, nil
}

// capLocked makes room when MaxDedupeIDs are kept: it forgets the quarter
// that expires first, so the work is paid once per MaxDedupeIDs/4 new IDs.
func (d *MemoryDeduper) capLocked() {
	if len(d.seen) < MaxDedupeIDs {
		return
	}
	exps := make([]time.Duration, 0, len(d.seen))
	for _, exp := range d.seen {
		exps = append(exps, exp)
	}
	slices.Sort(exps)
	cut := exps[len(exps)/4]
	for id, exp := range d.seen {
		if exp < cut {
			delete(d.seen, id)
		}
	}
	for id, exp := range d.seen { // IDs expiring together with cut
		if len(d.seen) <= MaxDedupeIDs*3/4 {
			break
		}
		if exp == cut {
			delete(d.seen, id)
		}
	}
}

// Remember records envelopeID as delivered until `until` (a process
// loading what it saw before a restart).
func (d *MemoryDeduper) Remember(envelopeID string, until time.Time) {
	envelopeID = state.SeenKey(envelopeID)
	exp := until.Sub(d.base)
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur, ok := d.seen[envelopeID]; !ok || cur < exp {
		if !ok {
			d.capLocked()
		}
		d.seen[envelopeID] = exp
	}
}

// Len reports how many IDs are remembered.
func (d *MemoryDeduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
