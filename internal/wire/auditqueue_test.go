package wire

import (
	"runtime"
	"testing"
	"unsafe"

	"lastactive/bot"
)

// TestAuditQueueHoldsOnlyWhatWaits: the writer's queue takes
// DefaultAuditQueue events, but what it keeps is the events waiting, not
// room for 1,024 of them made at start. A channel of AuditEvent values
// (some 250 B each) held 250 KB from the first command on: its ring's
// slots are each written as the queue goes round, so all of it became
// resident and, being live heap, raised the GC's target as much again
// (issue 19: 0.5 MB of the bot's peak RSS under load).
func TestAuditQueueHoldsOnlyWhatWaits(t *testing.T) {
	const writers = 8
	var before, after runtime.MemStats
	keep := make([]*AuditWriter, 0, writers)
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range writers {
		keep = append(keep, NewAuditWriter(nil, 0, nil, nil))
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / writers
	t.Logf("NewAuditWriter allocates %d B (an AuditEvent is %d B; the queue takes %d)", per, unsafe.Sizeof(bot.AuditEvent{}), DefaultAuditQueue)
	if per > 32<<10 {
		t.Errorf("NewAuditWriter allocates %d B, want at most 32 KiB: the queue holds room for %d events up front", per, DefaultAuditQueue)
	}
	runtime.KeepAlive(keep)
}
