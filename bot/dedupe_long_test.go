package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestMemoryDeduperKeepsNoLongID: an envelope ID is Slack's few dozen
// bytes, but a frame may be 1 MiB, and the deduper kept each ID whole for
// its TTL, up to MaxDedupeIDs of them (the store's memory in front of
// PostgreSQL, wire.StoreDeduper, and serve without a store): 100,000 IDs
// of 1 MiB would be 100 GB. The envelope log keys its memory by
// state.SeenKey (a SHA-256 past 512 bytes); this deduper now does too,
// and still tells two long IDs apart.
func TestMemoryDeduperKeepsNoLongID(t *testing.T) {
	t.Parallel()
	d := NewMemoryDeduper(time.Minute, nil)
	long := strings.Repeat("E", 600<<10)
	other := long[:len(long)-1] + "F"
	for _, c := range []struct {
		id    string
		first bool
	}{{long, true}, {long, false}, {other, true}, {other, false}, {"E-short", true}, {"E-short", false}} {
		if first, err := d.FirstDelivery(context.Background(), c.id); first != c.first || err != nil {
			t.Fatalf("FirstDelivery(%d bytes ending %q) = %v, %v; want %v", len(c.id), c.id[len(c.id)-1:], first, err, c.first)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id := range d.seen {
		if len(id) > 512 {
			t.Errorf("an envelope ID of %d bytes kept whole", len(id))
		}
	}
}
