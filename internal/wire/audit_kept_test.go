package wire

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lastactive/bot"
)

// TestAuditTrailSaysItsRetention: the trail the bot reads for "audit
// EMAIL" says how long it keeps entries, LASTACTIVE_AUDIT_RETENTION or its
// default, so the view never claims a span the sweep has deleted.
func TestAuditTrailSaysItsRetention(t *testing.T) {
	for _, c := range []struct {
		set, want time.Duration
	}{
		{30 * 24 * time.Hour, 30 * 24 * time.Hour},
		{0, 400 * 24 * time.Hour},
	} {
		url, _ := sqliteURL(t)
		var logs syncBuf
		d := OpenDurable(context.Background(), url, DurableOptions{Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			Metrics: NewStoreMetrics(prometheus.NewRegistry()), Retention: c.set})
		var trail bot.AuditTrail = AuditTrailReader{D: d}
		k, ok := trail.(bot.AuditKeeper)
		if !ok {
			t.Fatal("AuditTrailReader does not say how long it keeps entries")
		}
		if got := k.Kept(); got != c.want {
			t.Errorf("retention %v: Kept() = %v, want %v", c.set, got, c.want)
		}
		d.Close()
	}
	if got := (AuditTrailReader{}).Kept(); got != 0 {
		t.Errorf("no store: Kept() = %v, want 0 (unknown)", got)
	}
}
