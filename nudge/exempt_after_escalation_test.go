package nudge

import (
	"context"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestExemptionAfterEscalationKeepsTheSeat: a person exempted after their
// silence went to the approvers (on leave, say) keeps the seat when an
// approver then clicks Approve on the escalation already in their DMs: the
// exemption says the bot leaves them alone, and the escalation was the
// bot's doing, not the person's. Before, the release went ahead and the
// person came back from leave without their access.
func TestExemptionAfterEscalationKeepsTheSeat(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	reqs := escalateJohn(t, h)
	a := reqs[0].Note.(Approval)
	john := h.account(t, atlassiantest.ReleaseGroupEmail)
	if err := h.store.PutExemption(ctx, state.Exemption{Email: atlassiantest.ReleaseGroupEmail, Product: a.Item.Key,
		Reason: "on parental leave", By: "UBOSS"}); err != nil {
		t.Fatal(err)
	}
	approver := reqs[0].To
	if err := h.e.Decide(ctx, approver, a.RequestID, true); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Holds(john.AccountID, a.Item.ProductID) {
		t.Errorf("the seat of a person exempted after the escalation was released")
	}
	res := h.notes("result")
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	r := res[0].Note.(Result)
	if !strings.Contains(r.Text, "exempt") || !strings.Contains(r.Text, "nothing was changed") || r.Undo {
		t.Errorf("the approver reads %q (Undo %v), want it to say the person is exempt and nothing was changed", r.Text, r.Undo)
	}
	rel, err := h.store.GetRelease(ctx, a.RequestID)
	if err != nil {
		t.Fatal(err)
	}
	if rel.State != state.ReleaseDropped {
		t.Errorf("release recorded %q, want %q", rel.State, state.ReleaseDropped)
	}
}
