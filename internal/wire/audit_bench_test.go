package wire

import (
	"context"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkAuditWriterWrite is one lone command's audit entry written to
// SQLite by the writer, with the log at warn (as the load tool runs the
// bot): the audit line is not written, so its arguments cost nothing.
func BenchmarkAuditWriterWrite(b *testing.B) {
	url := "sqlite:" + b.TempDir() + "/state.db"
	m := NewStoreMetrics(prometheus.NewRegistry())
	log := slog.New(slog.NewJSONHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d := OpenDurable(context.Background(), url, DurableOptions{Logger: log, Metrics: m})
	b.Cleanup(func() { d.Close() })
	if !d.OK() {
		b.Fatal("store not ok")
	}
	w := NewAuditWriter(d, 10, log, m)
	e := event("U1", "ada@example.com")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		w.write(ctx, e)
	}
	if len(w.backlog) > 0 {
		b.Fatalf("%d entries not stored", len(w.backlog))
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
