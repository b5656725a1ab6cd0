package nudge

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestSomeoneActiveAgainIsNotFollowedForEver: a silent person who used the
// product again before the reminder is dropped once; before, the nudge
// stayed unanswered for good, so every later follow-up read their account
// again (oldest first, ahead of the nudges still waiting, an Admin API
// request each, for ever), and App Home listed it as waiting for an
// answer.
func TestSomeoneActiveAgainIsNotFollowedForEver(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	for i := range frances.Products {
		frances.Products[i].LastActive = h.clock.Now().Add(-time.Hour)
	}
	h.srv.SetUser(frances)
	// Two follow-ups remind and escalate everyone else.
	for range 2 {
		h.clock.Add(time.Hour)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range h.notes("reminder") {
		if p.To == uFrances {
			t.Fatal("Frances, active again, was reminded")
		}
	}
	open, err := h.store.Unanswered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range open {
		if n.ID == a.Items[0].NudgeID {
			t.Errorf("Frances's nudge still waits for an answer after she used the product again")
		}
	}
	told := false
	for _, u := range h.msgs.updated() {
		if ask, ok := u.Note.(Ask); ok && len(ask.Items) == 1 && ask.Items[0].NudgeID == a.Items[0].NudgeID {
			told = ask.Items[0].Settled == state.SettledUsed
		}
	}
	if !told {
		t.Error("Frances's nudge still offers Keep and Release; want it to say she used it again")
	}
	h.srv.ResetRequests()
	for range 3 {
		h.clock.Add(24 * time.Hour)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.srv.Count("admin", "/admin/v2/orgs/"+h.org.ID+"/directories/-/users/search"); n != 0 {
		t.Errorf("3 later follow-ups read accounts %d times, want none: nothing is left to follow up", n)
	}
}

// TestReleaseOfASeatNoLongerHeldIsNotRequested: a silent person whose
// access was removed another way is settled by the follow-up ("gone", the
// buttons taken off their message); a Release clicked on that nudge all
// the same (the update did not reach Slack, or the click was on its way)
// must not ask the approvers to release a seat the person no longer holds.
func TestReleaseOfASeatNoLongerHeldIsNotRequested(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	frances.Products = nil
	h.srv.SetUser(frances)
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := h.store.GetNudge(ctx, a.Items[0].NudgeID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Settled != state.SettledGone {
		t.Fatalf("Frances's nudge is settled %q after her access went, want %q", n.Settled, state.SettledGone)
	}
	err = h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false)
	if !isRefused(err) {
		t.Errorf("Release on a settled nudge: %v, want a refusal", err)
	}
	reqs, err := h.store.PendingRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if r.NudgeID == a.Items[0].NudgeID {
			t.Errorf("the approvers were asked to release a seat Frances no longer holds")
		}
	}
}
