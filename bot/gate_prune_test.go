package bot

import (
	"fmt"
	"testing"
	"time"
)

// TestGatePruneWorkIsLinear: many distinct requesters within one refill
// (an org-wide announcement, 20,000 people trying the command in a minute)
// cost the per-requester limiter map work in proportion to their number.
// Before, every new requester past 10,000 walked the whole map under the
// mutex every command takes, finding nothing to drop: 10,000 walks of
// 10,000+ entries (2 s of CPU for 20,000 people in 20 s, all commands
// queued behind it). A bucket still refilling is never forgotten.
func TestGatePruneWorkIsLinear(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	g := NewGate(GateConfig{Now: func() time.Time { return now }})
	const n = 20_000
	for i := range n {
		now = now.Add(time.Millisecond)
		if ok, _ := g.Take(fmt.Sprintf("U%08d", i), 1); !ok {
			t.Fatalf("requester %d refused on their first command", i)
		}
	}
	if g.pruneWork > 4*n {
		t.Errorf("%d distinct requesters cost %d limiter entries examined by pruning, want at most %d", n, g.pruneWork, 4*n)
	}
	// A bucket still refilling is kept: the last requester (19 tokens
	// left) cannot take a new burst of 20.
	if ok, _ := g.Take(fmt.Sprintf("U%08d", n-1), 20); ok {
		t.Error("the last requester's bucket was forgotten while it refilled: a new burst was granted")
	}
	// Once their buckets are full again, they are forgotten.
	now = now.Add(2 * time.Minute)
	g.Take("ULATE", 1)
	for i := range n {
		now = now.Add(time.Millisecond)
		g.Take(fmt.Sprintf("UNEW%d", i), 1)
	}
	if l := len(g.limiters); l > 2*n {
		t.Errorf("%d limiter entries kept, want at most %d once the first %d buckets are full", l, 2*n, n)
	}
}
