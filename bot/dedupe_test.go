package bot_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"lastactive/bot"
)

// TestMemoryDeduper: an envelope is first delivered once within the TTL,
// again after it, and the IDs past their TTL are swept.
func TestMemoryDeduper(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	d := bot.NewMemoryDeduper(30*time.Minute, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		id      string
		first   bool
		len     int
	}{
		{0, "E1", true, 1},
		{0, "E1", false, 1},
		{time.Minute, "E2", true, 2},
		{29 * time.Minute, "E1", false, 2}, // exactly the TTL: still a repeat
		{time.Second, "E1", true, 2},       // past it: delivered anew (and swept first)
		{time.Minute, "E2", true, 2},
		{31 * time.Minute, "E3", true, 1}, // E1 and E2 swept
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		first, err := d.FirstDelivery(t.Context(), s.id)
		if err != nil || first != s.first {
			t.Fatalf("step %d (%s): first %v, err %v; want %v", i, s.id, first, err, s.first)
		}
		if got := d.Len(); got != s.len {
			t.Errorf("step %d (%s): %d IDs kept, want %d", i, s.id, got, s.len)
		}
	}
}

// BenchmarkDedupeMemory reports the heap the in-process dedupe keeps per
// envelope ID remembered (B/envelope), for 10,000 envelopes.
func BenchmarkDedupeMemory(b *testing.B) {
	const n = 10_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("1d5a3f0e-%04x-4c2b-9a7e-%012x", i, i) // Slack's are UUIDs
	}
	var per float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		d := bot.NewMemoryDeduper(30*time.Minute, nil)
		for _, id := range ids {
			if first, _ := d.FirstDelivery(context.Background(), id); !first {
				b.Fatalf("%s: not a first delivery", id)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(d)
	}
	b.ReportMetric(per, "B/envelope")
}

// TestMemoryDeduperIsCapped: a burst of envelopes far past what one TTL
// normally holds keeps at most bot.MaxDedupeIDs IDs in memory, the oldest
// going first, and the newest are still told apart from redeliveries.
// Before, every ID of the TTL was kept: 250,000 of them in a burst.
func TestMemoryDeduperIsCapped(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	d := bot.NewMemoryDeduper(30*time.Minute, func() time.Time { return now })
	const n = 250_000
	for i := range n {
		if i%1000 == 0 {
			now = now.Add(time.Second) // 1,000 envelopes a second
		}
		if first, _ := d.FirstDelivery(t.Context(), fmt.Sprintf("E%06d", i)); !first {
			t.Fatalf("envelope %d taken for a redelivery", i)
		}
	}
	if got := d.Len(); got > bot.MaxDedupeIDs {
		t.Errorf("%d IDs kept after %d envelopes, want at most %d", got, n, bot.MaxDedupeIDs)
	}
	for _, i := range []int{n - 1, n - 1000, n - bot.MaxDedupeIDs/4} {
		if first, _ := d.FirstDelivery(t.Context(), fmt.Sprintf("E%06d", i)); first {
			t.Errorf("recent envelope %d forgotten: answered again", i)
		}
	}
}
