package nudge

import (
	"context"
	"testing"
	"time"
)

// TestOpenNudgeIsNotAskedAgain: a seat whose nudge still waits for its
// answer, reminder or escalation is not asked about again. With
// LASTACTIVE_NUDGE_WAIT over 15 days, a nudge is more than 30 days old
// before it escalates, and the round asked again: both nudges stayed
// open, the seat was named twice in the reminder, escalated twice, and
// approvers got two release requests for one seat (found by the round's
// oracle, extended to follow-ups).
func TestOpenNudgeIsNotAskedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	day := 24 * time.Hour
	h.cfg.Wait = 20 * day
	e := New(h.cfg)
	ctx := context.Background()
	step := func(d time.Duration, round string) {
		t.Helper()
		h.clock.Add(d)
		if round != "" {
			if _, err := e.Round(ctx, round, false); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	step(0, "nudge d0")
	step(20*day, "")          // reminded
	step(11*day, "nudge d31") // 31 days after the question, not yet escalated
	step(9*day, "")           // the first escalates
	step(11*day, "")
	step(20*day, "")
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
