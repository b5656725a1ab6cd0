package bot

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/seat"
)

// waitedScanner says the report has to wait for a scan, and the scan is
// then over at once: a small organisation read while the machine is busy.
type waitedScanner struct{}

func (waitedScanner) Report(_ context.Context, o seat.Options, _ bool, waiting func()) (*seat.Report, error) {
	waiting()
	return &seat.Report{Days: o.Days, Now: idleNow, ReadAt: idleNow}, nil
}

func (waitedScanner) Progress() (seat.Progress, bool) { return seat.Progress{}, false }

// TestIdleSaysReportRunningWheneverItWaitedForAScan: a report that had to
// wait for a scan posts its "Report running" message first, then the
// result that replaces it, however soon the scan ends. The loop that posts
// it chose at random between "had to wait" and "done" when both were
// ready, so on a busy machine the progress message was sometimes skipped.
func TestIdleSaysReportRunningWheneverItWaitedForAScan(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	skipped := 0
	for w := range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}, PerUserEvery: time.Nanosecond, PerUserBurst: 1 << 20}),
				Scanner: waitedScanner{}, Now: func() time.Time { return idleNow }, IdleDays: 90})
			for range 3000 {
				progressed := false
				r := svc.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: "idle"}, func(m Message) {
					progressed = progressed || strings.Contains(m.Text, "report running")
				})
				if r.Outcome != OutcomeOK && r.Outcome != OutcomePartial {
					t.Errorf("worker %d: outcome %s", w, r.Outcome)
					return
				}
				if !progressed {
					mu.Lock()
					skipped++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if skipped > 0 {
		t.Errorf("%d reports that waited for a scan posted no \"Report running\" message before their result", skipped)
	}
}
