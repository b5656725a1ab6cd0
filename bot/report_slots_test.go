package bot

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastactive/seat"
)

// gatedScanner holds every Report until release is closed, and records
// how many ran at once: each holds a whole organisation's rows.
type gatedScanner struct {
	release     chan struct{}
	running     atomic.Int32
	most        atomic.Int32
	started     chan struct{}
	startedOnce sync.Once
}

func (g *gatedScanner) Report(ctx context.Context, o seat.Options, _ bool, _ func()) (*seat.Report, error) {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case g.started <- struct{}{}:
	default:
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &seat.Report{Days: o.Days, Now: idleNow, ReadAt: idleNow}, nil
}

func (g *gatedScanner) Progress() (seat.Progress, bool) { return seat.Progress{}, false }

// TestOrgReportsRunAtMostTwoAtOnce: each report user may run one
// org-wide report at a time, but five report users could run five, each
// holding every row of a 50,000-person organisation and its CSV (about 45
// MB each with the scan): past the container's 128 MiB, the process and
// every user's commands would be killed. At most two build at once; the
// others wait their turn and are answered when it comes.
func TestOrgReportsRunAtMostTwoAtOnce(t *testing.T) {
	g := &gatedScanner{release: make(chan struct{}), started: make(chan struct{}, 16)}
	users := []string{"U1", "U2", "U3", "U4", "U5"}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: users}),
		Scanner: g, Now: func() time.Time { return idleNow }, IdleDays: 90})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	outcomes := make([]Outcome, len(users))
	for i, u := range users {
		wg.Go(func() {
			outcomes[i] = svc.Answer(ctx, Request{UserID: u, ChannelID: "C1", Text: "idle"}, func(Message) {}).Outcome
		})
	}
	// Two start; give the others every chance to start too.
	for range 2 {
		select {
		case <-g.started:
		case <-ctx.Done():
			t.Fatal("no report started")
		}
	}
	for range 50 {
		time.Sleep(time.Millisecond)
		if g.running.Load() > 2 {
			break
		}
	}
	close(g.release)
	wg.Wait()
	if most := g.most.Load(); most > 2 {
		t.Errorf("%d org-wide reports built at once, want at most 2", most)
	}
	for i, o := range outcomes {
		if o == OutcomeFailed || o == OutcomeRateLimited {
			t.Errorf("%s's report: %s, want it answered once its turn came", users[i], o)
		}
	}
}
