package bot

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/seat"
)

// heldFiles is a FileSender that weighs the heap the sender holds when it
// hands the file over, then reads the file to the end as an upload would.
type heldFiles struct {
	base, held uint64
}

func (h *heldFiles) SendFile(_ context.Context, _ string, f File) error {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	h.held = max(h.held, m.HeapAlloc-min(m.HeapAlloc, h.base))
	defer runtime.KeepAlive(f) // as an upload reading Content would
	if f.Write != nil {
		return f.Write(io.Discard)
	}
	return nil
}

// BenchmarkDeliverCSV50k: what sending the CSV of a 50,000-person report
// holds on the heap beside the report while it uploads (B-held), and
// allocates (B/op).
func BenchmarkDeliverCSV50k(b *testing.B) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	keys := []string{"jira-software", "confluence", "jira-service-desk", "loom"}
	users := make([]atlassian.OrgUser, 50_000)
	for i := range users {
		u := atlassian.OrgUser{AccountID: fmt.Sprintf("712020:%08x-0000-4000-8000-%012x", i, i*7919),
			Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person.%d@example.com", i),
			AccountStatus: "active", MembershipStatus: "active", AddedToOrg: now.AddDate(0, 0, -i%2000)}
		for j, k := range keys[:1+i%len(keys)] {
			u.Products = append(u.Products, atlassian.ProductActivity{ID: "ari:cloud:" + k + "::site/a436116f-02ce-4520-8fbb-7301462a1674",
				Key: k, LastActive: now.AddDate(0, 0, -(i*(j+3))%400)})
		}
		users[i] = u
	}
	rep := seat.Build(users, seat.Options{Days: 90, Now: now})
	files := &heldFiles{}
	s := NewService(ServiceConfig{Files: files})
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		files.base = m.HeapAlloc
		b.StartTimer()
		if d := s.deliver(context.Background(), "U1", rep); d.Err != nil {
			b.Fatal(d.Err)
		}
	}
	b.ReportMetric(float64(files.held), "B-held")
}
