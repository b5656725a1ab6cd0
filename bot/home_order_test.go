package bot

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"

	"lastactive/internal/state"
)

// changingHistory is a DigestSource whose stored history can change
// between two Home tabs, as a scan records a snapshot.
type changingHistory struct {
	failingSource
	mu sync.Mutex
	h  []state.Snapshot
}

func (s *changingHistory) History(context.Context) ([]state.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h, nil
}

func (s *changingHistory) set(h []state.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
}

// firstHeldViews records published Home tabs in the order Slack would
// take them; the first publish is held until release is closed (Slack
// slow to answer, or a 429's Retry-After being waited out).
type firstHeldViews struct {
	mu      sync.Mutex
	calls   int
	views   []slack.HomeTabViewRequest
	release chan struct{}
}

func (h *firstHeldViews) PublishHome(ctx context.Context, _ string, v slack.HomeTabViewRequest) error {
	h.mu.Lock()
	h.calls++
	first := h.calls == 1
	h.mu.Unlock()
	if first {
		select {
		case <-h.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.views = append(h.views, v)
	return nil
}

// TestHomeTabIsNotOverwrittenByAnOlderView: a Home tab drawn from older
// data must not land after one drawn from newer data. A report user opened
// the tab (drawn from last week's scan, its views.publish slow: Slack
// rate-limited it), then pressed Scan now; the scan's tab, with today's
// counts, was published first, and the open's, still on its way, replaced
// it: the tab showed last week's scan after a scan that had just ended,
// until it was opened again. A person's tabs are now drawn and published
// one at a time, so the one drawn last is the one that stays.
func TestHomeTabIsNotOverwrittenByAnOlderView(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		week := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		snap := func(at time.Time, idle int) state.Snapshot {
			return state.Snapshot{Taken: at, IdleDays: 90,
				Rows: []state.SnapshotRow{{Product: "confluence", Site: "acme.atlassian.net", Seats: 100, Idle: idle}}}
		}
		src := &changingHistory{h: []state.Snapshot{snap(week, 11)}}
		views := &firstHeldViews{release: make(chan struct{})}
		svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
			Digests: NewDigests(DigestConfig{Source: src, Home: views})})

		var wg sync.WaitGroup
		wg.Go(func() { // the open, drawn from last week's scan
			if err := svc.PublishHome(context.Background(), "UBOSS"); err != nil {
				t.Error(err)
			}
		})
		synctest.Wait() // its publish is on its way
		src.set([]state.Snapshot{snap(week, 11), snap(week.AddDate(0, 0, 1), 42)})
		wg.Go(func() { // Scan now's tab, once its scan is recorded
			if err := svc.PublishHome(context.Background(), "UBOSS"); err != nil {
				t.Error(err)
			}
		})
		synctest.Wait()
		close(views.release)
		wg.Wait()

		if len(views.views) != 2 {
			t.Fatalf("%d Home tabs published, want 2", len(views.views))
		}
		raw, _ := json.Marshal(views.views[1].Blocks)
		if !strings.Contains(string(raw), "*42 idle*") {
			t.Errorf("the Home tab that stays is not the newest scan's (42 idle):\n%s", raw)
		}
	})
}
