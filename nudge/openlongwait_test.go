package nudge

import (
	"context"
	"testing"
	"time"
)

// TestOpenNudgeIsNotAskedAgainPastTheReadWindow: with LASTACTIVE_NUDGE_WAIT
// over 45 days a nudge escalates more than 90 days after its question, past
// the window of nudges the round reads: the round asked again about a seat
// whose nudge still waited, and the approvers got two release requests for
// one seat.
func TestOpenNudgeIsNotAskedAgainPastTheReadWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	day := 24 * time.Hour
	h.cfg.Wait = 46 * day
	e := New(h.cfg)
	ctx := context.Background()
	step := func(d time.Duration, round string) {
		t.Helper()
		h.clock.Add(d)
		if round != "" {
			sum, err := e.Round(ctx, round, false)
			if err != nil {
				t.Fatal(err)
			}
			if round != "nudge d0" && len(sum.Asked) > 0 {
				t.Errorf("%s asked %s again while the first nudge still waits", round, sum.Asked[0].Person.Email)
			}
		}
		if err := e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	step(0, "nudge d0")
	step(46*day, "")          // reminded
	step(45*day, "nudge d91") // 91 days after the question, not yet escalated
	step(1*day, "")           // the first escalates
	for range 4 {
		step(46*day, "")
	}
	reqs, err := h.store.PendingRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) == 0 {
		t.Fatal("no release request waiting: the test did not reach the escalation")
	}
	per := map[string]int{}
	for _, r := range reqs {
		k := r.AccountID + " " + r.Product
		if per[k]++; per[k] == 2 {
			t.Errorf("%s %s: two release requests waiting for one seat", r.Email, r.ProductKey)
		}
	}
}
