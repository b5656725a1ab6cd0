package nudge

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestNoOneUndoesTheReleaseOfTheirOwnSeat: John is an approver, and idle
// himself; another approver releases his seat. An Undo by John would give
// him back the seat he may not Keep (Decide refuses a decision about one's
// own seat), so it is refused, in his trail, and the seat stays released;
// another approver's Undo restores it. Before, John's Undo restored it.
func TestNoOneUndoesTheReleaseOfTheirOwnSeat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	ctx := context.Background()
	rid := escalateJohn(t, h)[0].Note.(Approval).RequestID
	if err := h.e.Decide(ctx, "U0APP2", rid, true); err != nil {
		t.Fatal(err)
	}
	john := h.account(t, atlassiantest.ReleaseGroupEmail)
	if h.srv.IsMember(atlassiantest.GroupConfluenceUsers, john.AccountID) {
		t.Fatal("John's seat was not released; the test needs it released")
	}
	err := h.e.Undo(ctx, uJohn, rid)
	var r *Refused
	if !errors.As(err, &r) {
		t.Fatalf("John undoing the release of his own seat: %v, want a refusal", err)
	}
	if h.srv.IsMember(atlassiantest.GroupConfluenceUsers, john.AccountID) {
		t.Fatal("John's own Undo restored his seat")
	}
	refusedInTrail := false
	for _, e := range h.trail(t, atlassiantest.ReleaseGroupEmail) {
		refusedInTrail = refusedInTrail || e.Actor == uJohn && e.Kind == state.KindUndo && e.Outcome == state.OutcomeRefused
	}
	if !r.Audited || !refusedInTrail {
		t.Errorf("John's refused Undo is not in his trail (audited %v)", r.Audited)
	}
	if err := h.e.Undo(ctx, "U0APP3", rid); err != nil {
		t.Fatalf("another approver's Undo after John's refused one: %v", err)
	}
	if !h.srv.IsMember(atlassiantest.GroupConfluenceUsers, john.AccountID) {
		t.Error("another approver's Undo did not restore John's seat")
	}
}
