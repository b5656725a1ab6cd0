package nudge

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestRefusedApprovalCopyIsNotResentForSomeoneActiveAgain: a Release whose
// approval copies Slack refused is sent again by a later follow-up; a
// person who used the product again in between is dropped silently, as
// the first request drops them ("just before any message ... anyone
// active again is dropped"): no approver is asked to release a seat in
// use, and the person's nudge says it was kept.
func TestRefusedApprovalCopyIsNotResentForSomeoneActiveAgain(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	_, frances := h.releaseWhileSlackRefuses(ctx, t)
	u := h.account(t, atlassiantest.ReleaseDirectEmail)
	for i := range u.Products {
		u.Products[i].LastActive = h.clock.Now().Add(-time.Hour)
	}
	h.srv.SetUser(u)
	for range 2 {
		h.clock.Add(24 * time.Hour)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range h.notes("approval") {
		if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
			t.Fatalf("approver %s was asked to release Frances's seat, which she uses again", p.To)
		}
	}
	n, err := h.store.GetNudge(ctx, frances.Items[0].NudgeID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Settled != state.SettledUsed {
		t.Errorf("Frances's nudge is settled %q, want %q (kept: used again)", n.Settled, state.SettledUsed)
	}
}
