package nudge

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestUndoByNoApproverIsRefused: an Undo clicked by someone who is no
// approver (Frances, whose seat it was, or anyone else holding the value)
// is refused, names Frances's seat for the caller's audit entry, restores
// nothing and takes no claim: an approver's Undo after it restores the seat.
func TestUndoByNoApproverIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	var rid string
	for _, p := range h.notes("approval") {
		rid = p.Note.(Approval).RequestID
	}
	if err := h.e.Decide(ctx, "U0APP2", rid, true); err != nil {
		t.Fatal(err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	if h.srv.Holds(frances.AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("the seat was not released; the test needs it released")
	}
	for _, who := range []string{uFrances, "U0MALLORY"} {
		var r *Refused
		if err := h.e.Undo(ctx, who, rid); !errors.As(err, &r) {
			t.Fatalf("Undo by %s: %v, want a refusal", who, err)
		} else if r.Email != atlassiantest.ReleaseDirectEmail || r.AccountID != frances.AccountID {
			t.Errorf("Undo by %s: the refusal names %q %q, want Frances's seat for the trail", who, r.Email, r.AccountID)
		}
		if h.srv.Holds(frances.AccountID, atlassiantest.ConfluenceMain) {
			t.Fatalf("Undo by %s restored the seat", who)
		}
	}
	if err := h.e.Undo(ctx, "U0APP3", rid); err != nil {
		t.Fatalf("an approver's Undo after the refused ones: %v", err)
	}
	if !h.srv.Holds(frances.AccountID, atlassiantest.ConfluenceMain) {
		t.Error("the approver's Undo did not restore the seat")
	}
}
