package bot

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkGateRememberMemory: what the Gate holds for 1,000 requesters
// who each asked about 10 distinct people (a load run's shape), in bytes a
// requester, bucket and remembered people together.
func BenchmarkGateRememberMemory(b *testing.B) {
	for b.Loop() {
		now := time.Unix(1e9, 0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		g := NewGate(GateConfig{Now: func() time.Time { return now }})
		for u := range 1000 {
			user := fmt.Sprintf("ULOAD%06d", u)
			for p := range 10 {
				g.TakeLookup(user, []string{fmt.Sprintf("person%07d@example.com", u*10+p)}, false)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1000, "B/requester")
		runtime.KeepAlive(g)
	}
}
