package bot

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// keptTrail is a trail that keeps its entries for kept (AuditKeeper).
type keptTrail struct {
	trailFunc
	kept time.Duration
}

func (k keptTrail) Kept() time.Duration { return k.kept }

// TestAuditSaysHowLongTheTrailKeeps: with LASTACTIVE_AUDIT_RETENTION
// shorter than the 90 days the view reads, the view says the span the
// trail holds, not "last 90 days": an auditor who read that nobody looked
// a person up in 90 days, with a 30-day retention, was told more than the
// bot knew. A retention of 90 days or more leaves the view as it was.
func TestAuditSaysHowLongTheTrailKeeps(t *testing.T) {
	for _, c := range []struct {
		name      string
		kept      time.Duration
		wantDays  string
		wantSince time.Duration
	}{
		{"30 days kept", 30 * 24 * time.Hour, "last 30 days", 30 * 24 * time.Hour},
		{"36 hours kept", 36 * time.Hour, "last 36 hours", 36 * time.Hour},
		{"3.5 days kept", 84 * time.Hour, "last 3 days", 84 * time.Hour},
		{"90 seconds kept", 90 * time.Second, "last 90 seconds", 90 * time.Second},
		{"12 hours kept", 12 * time.Hour, "last 12 hours", 12 * time.Hour},
		{"400 days kept", 400 * 24 * time.Hour, "last 90 days", AuditWindow},
		{"unknown", 0, "last 90 days", AuditWindow},
	} {
		t.Run(c.name, func(t *testing.T) {
			var since time.Time
			trail := keptTrail{trailFunc: func(_ context.Context, email string, s time.Time) ([]AuditEvent, error) {
				since = s
				return nil, nil
			}, kept: c.kept}
			var logs bytes.Buffer
			svc := auditService(t, &recordingSink{}, trail, &logs)
			r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: "audit ada@example.com"}, nil)
			if r.Outcome != "ok" {
				t.Fatalf("outcome %q: %s", r.Outcome, r.Message.Text)
			}
			if !strings.Contains(r.Message.Text, "("+c.wantDays+", newest first)") {
				t.Errorf("view does not say %q:\n%s", c.wantDays, r.Message.Text)
			}
			if d := time.Since(since); d < c.wantSince-time.Minute || d > c.wantSince+time.Minute {
				t.Errorf("trail read from %v ago, want %v", d, c.wantSince)
			}
		})
	}
}
