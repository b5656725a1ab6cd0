package wire

import (
	"context"
	"time"

	"lastactive/bot"
	"lastactive/internal/state"
)

// FirstDeliverer is the method set of bot's envelope Deduper: whether an
// envelope ID is seen for the first time.
type FirstDeliverer interface {
	FirstDelivery(ctx context.Context, envelopeID string) (bool, error)
}

// dedupeTimeout bounds the database's answer. The Bot asks from the
// socket's drain loop (after the ack), so the next envelope on that socket
// waits for it too: a database slower than this is treated as down for the
// envelope, which is then answered (twice at worst, never not at all).
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
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, dedupeTimeout)
	defer cancel()
	ttl := s.TTL
	if ttl <= 0 {
		ttl = state.EnvelopeTTL
	}
	won, err := st.FirstDelivery(ctx, envelopeID, ttl)
	if err != nil {
		s.Metrics.failed("dedupe")
		s.D.observe(err)
		return true, nil
	}
	return won, nil
}
