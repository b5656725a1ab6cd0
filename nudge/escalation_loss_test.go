package nudge

import (
	"context"
	"testing"
	"time"

	"lastactive/internal/state"
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

// TestLostEscalationOfSomeoneActiveAgainIsSettled: an escalation whose
// request was lost (the store failed between marking and requesting) and
// whose person used the product again before the next follow-up is
// settled once, as used; before, it stayed escalated without a request,
// so every follow-up for a month read the account again, and the person's
// message kept saying the approvers decide.
func TestLostEscalationOfSomeoneActiveAgainIsSettled(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(h.cfg.Wait)
	if err := h.e.FollowUp(ctx); err != nil { // the reminders
		t.Fatal(err)
	}
	h.clock.Add(h.cfg.Wait)
	cfg := h.cfg
	cfg.Store = func() Store { return &requestFailsOnce{Store: h.store} }
	if err := New(cfg).FollowUp(ctx); err == nil {
		t.Fatal("the store's failure was hidden")
	}
	lost, err := h.store.EscalatedUnrequested(ctx, time.Time{})
	if err != nil || len(lost) != 1 {
		t.Fatalf("escalated without a request: %d (%v), want 1", len(lost), err)
	}
	// Everyone uses their products again.
	for _, u := range h.org.Users {
		for i := range u.Products {
			u.Products[i].LastActive = h.clock.Now().Add(-time.Hour)
		}
		h.srv.SetUser(u)
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := h.store.GetNudge(ctx, lost[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Settled != state.SettledUsed {
		t.Errorf("the lost escalation of someone active again is settled %q, want %q", n.Settled, state.SettledUsed)
	}
	h.srv.ResetRequests()
	for range 3 {
		h.clock.Add(24 * time.Hour)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.srv.Count("admin", "/admin/v2/orgs/"+h.org.ID+"/directories/-/users/search"); got != 0 {
		t.Errorf("3 later follow-ups read accounts %d times, want none: nothing is left to follow up", got)
	}
}
