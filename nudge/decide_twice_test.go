package nudge

import (
	"context"
	"errors"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestSecondClickOfTheSameApproverSaysTheyDecided: an approver's double
// click on Keep is two envelopes; the second is refused, and its words say
// that they decided it, not "another approver" (which sent them looking
// for someone else's decision). A second approver is still told another
// decided.
func TestSecondClickOfTheSameApproverSaysTheyDecided(t *testing.T) {
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
	if err := h.e.Decide(ctx, "U0APP2", rid, false); err != nil {
		t.Fatal(err)
	}
	var r *Refused
	if err := h.e.Decide(ctx, "U0APP2", rid, false); !errors.As(err, &r) {
		t.Fatalf("the same approver's second Keep: %v, want a refusal", err)
	} else if strings.Contains(r.Text, "Another approver") || !strings.Contains(r.Text, "You decided") {
		t.Errorf("the same approver's second Keep is refused with %q; want it to say they decided it", r.Text)
	}
	if err := h.e.Decide(ctx, "U0APP3", rid, true); !errors.As(err, &r) {
		t.Fatalf("another approver's Approve after the Keep: %v, want a refusal", err)
	} else if !strings.Contains(r.Text, "Another approver") {
		t.Errorf("another approver's late Approve is refused with %q; want it to say another approver decided", r.Text)
	}
}
