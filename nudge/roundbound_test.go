package nudge

import (
	"context"
	"sync"
	"testing"
	"time"
)

// deadlineMessenger records the deadline each post was given.
type deadlineMessenger struct {
	Messenger
	mu   sync.Mutex
	seen []time.Time
}

func (m *deadlineMessenger) Post(ctx context.Context, to string, n Note) (Ref, error) {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Time{}
	}
	m.mu.Lock()
	m.seen = append(m.seen, dl)
	m.mu.Unlock()
	return m.Messenger.Post(ctx, to, n)
}

// TestSendingRoundEndsBeforeItsClaim: a sending round holds the round's
// claim for RoundClaimTTL; run with no deadline of its own (lastactive
// nudge, whose context ends only with a signal), it could outlast the claim
// and a second round, in this process or another, ask the same people
// again. The round bounds itself inside its claim.
func TestSendingRoundEndsBeforeItsClaim(t *testing.T) {
	h := newHarness(t, true)
	m := &deadlineMessenger{Messenger: h.cfg.Messages}
	cfg := h.cfg
	cfg.Messages = m
	start := time.Now()
	sum, err := New(cfg).Round(context.Background(), "nudge manual", false)
	if err != nil || len(sum.Asked) == 0 {
		t.Fatalf("round: %d asked, %v", len(sum.Asked), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, dl := range m.seen {
		if dl.IsZero() || dl.After(start.Add(RoundClaimTTL)) {
			t.Errorf("a post's deadline %v, want one before the round's claim lapses (%v after its start)", dl, RoundClaimTTL)
		}
	}
}
