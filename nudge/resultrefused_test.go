package nudge

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestRefusedResultIsHandedBack: an approval whose result message Slack
// refused (a 429 past the retries as an approver clears a batch of
// requests) hands the result, with its Undo, back to the click, which
// shows it privately; before, the approver was never told what the
// release did, and had no Undo anywhere. An Undo's result likewise.
func TestRefusedResultIsHandedBack(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, frances.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	var reqID string
	for _, p := range h.notes("approval") {
		if a := p.Note.(Approval); a.Person.Email == atlassiantest.ReleaseDirectEmail {
			reqID = a.RequestID
		}
	}
	cfg := h.cfg
	cfg.Messages = &refusingTo{recorder: h.msgs, to: map[string]bool{"U0APP1": true}}
	e := New(cfg)
	err := e.Decide(ctx, "U0APP1", reqID, true)
	var u *Unsent
	if !errors.As(err, &u) {
		t.Fatalf("Decide = %v with the result refused, want it handed back: the approver is never told", err)
	}
	if r, ok := u.Note.(Result); !ok || !r.Undo || r.ReleaseID != reqID {
		t.Fatalf("handed back %+v, want the release's result with its Undo", u.Note)
	}
	if held, err := h.client.SeatHeld(ctx, frances.Person.AccountID, frances.Items[0].ProductID); err != nil || held {
		t.Fatalf("the release was not made: held %v, %v", held, err)
	}
	err = e.Undo(ctx, "U0APP1", reqID)
	if !errors.As(err, &u) {
		t.Fatalf("Undo = %v with the result refused, want it handed back", err)
	}
	if r, ok := u.Note.(Result); !ok || r.Undo {
		t.Errorf("Undo handed back %+v, want its result", u.Note)
	}
}
