package schedule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"lastactive/internal/schedule"
)

// TestLoopSaysHowLateASlotRan: a slot run a minute or more after its time
// (the process started after it, was busy with the slot before, or was
// suspended, or a try was given back and this is the next) ran without a
// word: the digest came at 09:47 and nothing said why. The run is logged
// with the slot and how late it ran; a warning only when the loop itself
// fell behind (busy or suspended), at info when a start or a retry
// explains it. A slot run less than a minute late says nothing.
func TestLoopSaysHowLateASlotRan(t *testing.T) {
	t.Parallel()
	nine := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		start time.Time
		// busy: the first slot's work takes this long; suspend: the first
		// sleep lasts this much longer than asked; notDone: the first try
		// gives the slot back.
		busy, suspend time.Duration
		notDone       bool
		want          map[string]string // the late line's fields; nil: no line
	}{
		{name: "started after the slot", start: nine.Add(5*time.Minute + 3*time.Second),
			want: map[string]string{"level": "INFO", "slot": "2026-12-07T09:00:00Z", "late": "5m3s", "reason": "started after the slot"}},
		{name: "busy with the slot before", start: nine.Add(time.Second), busy: 65 * time.Minute,
			want: map[string]string{"level": "WARN", "slot": "2026-12-07T10:00:00Z", "late": "5m1s", "reason": "busy or suspended"}},
		{name: "suspended", start: nine.Add(time.Second), suspend: 2 * time.Minute,
			want: map[string]string{"level": "WARN", "slot": "2026-12-07T10:00:00Z", "late": "2m0s", "reason": "busy or suspended"}},
		{name: "retried after a try given back", start: nine.Add(time.Second), notDone: true,
			want: map[string]string{"level": "INFO", "slot": "2026-12-07T09:00:00Z", "late": "1m1s", "reason": "retry"}},
		{name: "59 s late: nothing said", start: nine.Add(59 * time.Second)},
		{name: "on time: nothing said", start: nine},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sched, err := schedule.Parse("CRON_TZ=UTC 0 * * * *")
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clock := &hookClock{fakeClock: fakeClock{now: c.start, maxSleeps: 1, cancel: cancel}}
			clock.onSleep = func(n int) {
				if n == 1 && c.suspend > 0 {
					clock.mu.Lock()
					clock.now = clock.now.Add(c.suspend)
					clock.mu.Unlock()
				}
			}
			tries := 0
			l := &schedule.Loop{Name: "digest", Schedule: sched, Claims: openStore(t), Holder: "a", Clock: clock,
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
				Run: func(_ context.Context, slot time.Time) error {
					tries++
					if tries == 1 && c.busy > 0 {
						clock.mu.Lock()
						clock.now = clock.now.Add(c.busy)
						clock.mu.Unlock()
					}
					if tries == 1 && c.notDone {
						return fmt.Errorf("%w: org scan failed", schedule.ErrNotDone)
					}
					return nil
				}}
			_ = l.Serve(ctx)
			var lines []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if !strings.Contains(line, "slot runs late") {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, m)
			}
			if c.want == nil {
				if len(lines) != 0 {
					t.Errorf("a slot less than a minute late was logged as late:\n%s", logs.String())
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("%d lines say a slot ran late, want 1:\n%s", len(lines), logs.String())
			}
			for k, v := range c.want {
				if got := fmt.Sprint(lines[0][k]); got != v {
					t.Errorf("the late line's %s = %q, want %q:\n%s", k, got, v, logs.String())
				}
			}
			if lines[0]["schedule"] != "digest" {
				t.Errorf("the late line does not name the schedule:\n%s", logs.String())
			}
		})
	}
}
