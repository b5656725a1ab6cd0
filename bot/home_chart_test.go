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

// storedHistory is a DigestSource whose store holds h.
type storedHistory struct {
	failingSource
	h []state.Snapshot
}

func (s storedHistory) History(context.Context) ([]state.Snapshot, error) { return s.h, nil }

// heldUploader counts uploads and holds each until release is closed.
type heldUploader struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func (u *heldUploader) UploadImage(ctx context.Context, _ File) (string, error) {
	u.mu.Lock()
	u.n++
	u.mu.Unlock()
	select {
	case <-u.release:
		return "F0CHART", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// homeViews records the published Home tabs.
type homeViews struct {
	mu    sync.Mutex
	views []slack.HomeTabViewRequest
}

func (h *homeViews) PublishHome(_ context.Context, _ string, v slack.HomeTabViewRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.views = append(h.views, v)
	return nil
}

// TestHomeOpensShareOneChart: App Home opened many times at once (a report
// user clicking the tab again and again, or several report users on Monday
// morning) draws the chart once and uploads it to Slack once, and every
// tab shows it. Before, each open that came while the first upload was in
// flight drew the chart again and uploaded another copy of it.
func TestHomeOpensShareOneChart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		taken := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		var h []state.Snapshot
		for w := range 3 {
			h = append(h, state.Snapshot{Taken: taken.AddDate(0, 0, 7*w), IdleDays: 90,
				Rows: []state.SnapshotRow{{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Idle: w}}})
		}
		up := &heldUploader{release: make(chan struct{})}
		views := &homeViews{}
		svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
			Digests: NewDigests(DigestConfig{Source: storedHistory{h: h}, Images: up, Home: views})})

		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if err := svc.PublishHome(context.Background(), "UBOSS"); err != nil {
					t.Error(err)
				}
			})
		}
		synctest.Wait() // every open is waiting for an upload
		up.mu.Lock()
		uploads := up.n
		up.mu.Unlock()
		close(up.release)
		wg.Wait()

		if uploads != 1 {
			t.Errorf("20 opens at once uploaded the chart %d times, want once", uploads)
		}
		for i, v := range views.views {
			if raw, _ := json.Marshal(v.Blocks); !strings.Contains(string(raw), `"id":"F0CHART"`) {
				t.Errorf("Home tab %d lacks the chart: %s", i, raw)
				break
			}
		}
		if len(views.views) != 20 {
			t.Errorf("%d Home tabs published, want 20", len(views.views))
		}
	})
}
