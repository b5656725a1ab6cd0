package nudge

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"lastactive/seat"
)

// failingScans is an org scan that fails.
type failingScans struct{ err error }

func (f failingScans) Report(context.Context, seat.Options, bool, func()) (*seat.Report, error) {
	return nil, f.err
}

// TestRoundWithoutAnOrgScan: a round whose org scan failed (the Admin API
// down, or the scan stopped) asked nobody, and says so with ErrNoOrgScan,
// keeping the cause, so that the schedule gives its slot back and the
// round runs again (before, the error was a plain one: the slot counted as
// done and that day had no round). Its claim on "a round is running" is
// given back too: the next try is not refused as overlapping.
func TestRoundWithoutAnOrgScan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		cause error
		dry   bool
	}{
		{"upstream down", errors.New("org report: upstream unavailable (HTTP 503)"), false},
		{"upstream down, dry run", errors.New("org report: upstream unavailable (HTTP 503)"), true},
		{"stopped mid-scan", context.Canceled, false},
		{"scan timed out", context.DeadlineExceeded, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, true)
			cfg := h.cfg
			cfg.Scans = failingScans{err: c.cause}
			e := New(cfg)
			for try := range 2 {
				sum, err := e.Round(context.Background(), "nudge 2026-12-07T10:00:00Z", c.dry)
				if !errors.Is(err, ErrNoOrgScan) || !errors.Is(err, c.cause) {
					t.Fatalf("try %d: Round = %v, want ErrNoOrgScan wrapping %v", try+1, err, c.cause)
				}
				if len(sum.Asked) != 0 || len(h.msgs.sent()) != 0 {
					t.Errorf("try %d: asked %d, sent %d, want nobody", try+1, len(sum.Asked), len(h.msgs.sent()))
				}
			}
		})
	}
}

// downSlack is People whose users.list fails until up is set.
type downSlack struct {
	slackPeople
	err error
	up  *atomic.Bool
}

func (d downSlack) SlackUsers(ctx context.Context) (map[string]string, error) {
	if !d.up.Load() {
		return nil, d.err
	}
	return d.slackPeople.SlackUsers(ctx)
}

// TestRoundWithoutTheSlackUsers: a round that could not read the Slack
// users (users.list failing past its retries) has asked nobody when it
// stops, since they are read before the first person is asked; it says so
// with ErrNoSlackUsers, keeping the cause, so that the schedule gives the
// slot back, as for a failed org scan. Before, the error was a plain one:
// the slot was kept as handled and that day had no round. The next try,
// with Slack back, asks those the first would have asked.
func TestRoundWithoutTheSlackUsers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	cause := errors.New("slack: users.list: internal_error")
	up := &atomic.Bool{}
	cfg := h.cfg
	cfg.People = downSlack{slackPeople: h.people, err: cause, up: up}
	e := New(cfg)
	sum, err := e.Round(context.Background(), "nudge 2026-12-07T10:00:00Z", false)
	if !errors.Is(err, ErrNoSlackUsers) || !errors.Is(err, cause) {
		t.Fatalf("Round = %v, want ErrNoSlackUsers wrapping %v", err, cause)
	}
	if len(sum.Asked) != 0 || len(h.msgs.sent()) != 0 {
		t.Fatalf("asked %d, sent %d before the Slack users were read, want nobody", len(sum.Asked), len(h.msgs.sent()))
	}
	up.Store(true)
	sum, err = e.Round(context.Background(), "nudge 2026-12-07T10:00:00Z", false)
	if err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if len(sum.Asked) == 0 || len(h.msgs.sent()) != len(sum.Asked) {
		t.Errorf("the retry asked %d, sent %d; want someone asked, one message each", len(sum.Asked), len(h.msgs.sent()))
	}
}
