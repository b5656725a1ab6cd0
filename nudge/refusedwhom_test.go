package nudge

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestRefusalsSayWhoseSeat: a keep-or-release click refused because it
// was not the clicker's to make (someone else's question, a decision or
// an undo by someone who is no approver) said nothing of whose seat it
// was about, so its audit entry named nobody and the attempt was missing
// from that person's trail. The refusal now carries the person.
func TestRefusalsSayWhoseSeat(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	john := h.askOf(t, atlassiantest.ReleaseGroupEmail)
	jacc := h.account(t, atlassiantest.ReleaseGroupEmail).AccountID
	whom := func(what string, err error) {
		t.Helper()
		var r *Refused
		if !errors.As(err, &r) {
			t.Fatalf("%s: %v, want a refusal", what, err)
		}
		if r.Email != atlassiantest.ReleaseGroupEmail || r.AccountID != jacc {
			t.Errorf("%s: refusal about %q %q, want John (%s %s)", what, r.Email, r.AccountID, atlassiantest.ReleaseGroupEmail, jacc)
		}
	}
	whom("Keep by someone else", h.e.Answer(ctx, "U0MALLORY", john.Items[0].NudgeID, true))
	if err := h.e.Answer(ctx, uJohn, john.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	var a Approval
	for _, p := range h.msgs.sent() {
		if ap, ok := p.Note.(Approval); ok {
			a = ap
		}
	}
	if a.RequestID == "" {
		t.Fatal("no approval request")
	}
	whom("Approve by someone who is no approver", h.e.Decide(ctx, "U0MALLORY", a.RequestID, true))
	if err := h.e.Decide(ctx, "U0APP2", a.RequestID, true); err != nil {
		t.Fatal(err)
	}
	var rel string
	for _, p := range h.msgs.sent() {
		if r, ok := p.Note.(Result); ok {
			rel = r.ReleaseID
		}
	}
	if rel == "" {
		t.Fatal("no release")
	}
	whom("Undo by someone who is no approver", h.e.Undo(ctx, "U0MALLORY", rel))
}
