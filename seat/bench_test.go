package seat

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
)

// BenchmarkIdleReport50kLatency50ms measures a whole report over 50,000
// accounts when every Admin API answer takes 50 ms, pacing off: cursor
// paging is sequential, so the floor is calls × latency. Run it with
//
//	go test ./seat -run '^$' -bench IdleReport50k -benchtime 1x
//
// At the default pace (3 requests a second after a burst of 10) the same
// scan takes about (calls − 10) / 3 seconds instead: pacing, not latency,
// is what a real organisation waits for.
func BenchmarkIdleReport50kLatency50ms(b *testing.B) {
	const latency = 50 * time.Millisecond
	org := atlassiantest.GenerateOrg(50_000, 7, idleNow)
	srv := atlassiantest.NewServer(org, atlassiantest.WithLatency(latency))
	b.Cleanup(srv.Close)
	client := adminClient(b, srv)
	var calls int
	var wall time.Duration
	for b.Loop() {
		reports := NewScanner(ScanConfig{Dir: client, Now: func() time.Time { return idleNow }})
		before := srv.Count("admin", "/admin/v2/")
		start := time.Now()
		rep, err := reports.Report(context.Background(), Options{Days: 90}, false, nil)
		wall += time.Since(start)
		reports.Close()
		if err != nil {
			b.Fatal(err)
		}
		calls += srv.Count("admin", "/admin/v2/") - before
		if rep.Accounts == 0 {
			b.Fatal("empty report")
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(calls)/n, "calls/op")
	b.ReportMetric(wall.Seconds()/n, "wall-s/op")
	b.ReportMetric((time.Duration(calls)*latency).Seconds()/n, "floor-s/op")
}

// BenchmarkBuild50k counts what Build costs on a scanned org of 50,000
// people (no upstream): the work every report and digest repeats.
func BenchmarkBuild50k(b *testing.B) {
	users := benchUsers(b)
	b.ReportAllocs()
	for b.Loop() {
		Build(users, Options{Days: 90, Now: idleNow})
	}
}

func benchUsers(b *testing.B) []atlassian.OrgUser {
	b.Helper()
	srv := atlassiantest.NewServer(atlassiantest.GenerateOrg(50_000, 7, idleNow))
	b.Cleanup(srv.Close)
	var users []atlassian.OrgUser
	for u, err := range adminClient(b, srv).OrgUsers(context.Background(), atlassian.UserQuery{}) {
		if err != nil {
			b.Fatal(err)
		}
		users = append(users, u)
	}
	return users
}

// BenchmarkScanHeld50k weighs what a finished scan of 50,000 accounts holds
// on the heap (B-held, and per account): the Scanner keeps it for
// LASTACTIVE_CACHE_TTL, so every report of that hour is built beside it.
func BenchmarkScanHeld50k(b *testing.B) {
	srv := atlassiantest.NewServer(atlassiantest.GenerateOrg(50_000, 7, idleNow))
	b.Cleanup(srv.Close)
	client := adminClient(b, srv)
	var held, accounts float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var users []atlassian.OrgUser
		for u, err := range client.OrgUsers(context.Background(), atlassian.UserQuery{}) {
			if err != nil {
				b.Fatal(err)
			}
			users = append(users, u)
		}
		users = slices.Clip(users)
		runtime.GC()
		runtime.ReadMemStats(&after)
		held, accounts = float64(after.HeapAlloc-before.HeapAlloc), float64(len(users))
		runtime.KeepAlive(users)
	}
	b.ReportMetric(held, "B-held")
	b.ReportMetric(held/accounts, "B/account")
}
