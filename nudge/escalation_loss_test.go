package nudge

import (
	"context"
	"testing"
)

// TestEscalationWhoseRequestFailedIsMadeLater: silence escalated while the
// request could not be stored is escalated at a later follow-up.
func TestEscalationWhoseRequestFailedIsMadeLater(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(h.cfg.Wait)
	if err := h.e.FollowUp(ctx); err != nil { // the reminder
		t.Fatal(err)
	}
	h.clock.Add(h.cfg.Wait)
	failing := &requestFailsOnce{Store: h.store}
	cfg := h.cfg
	cfg.Store = func() Store { return failing }
	if err := New(cfg).FollowUp(ctx); err == nil {
		t.Fatal("the store's failure was hidden")
	}
	if err := New(cfg).FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	reqs, err := h.store.PendingRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	asked := len(h.notes("ask"))
	if len(reqs) != asked {
		t.Errorf("%d release requests after the escalations, want one per person asked (%d): one was lost", len(reqs), asked)
	}
}
