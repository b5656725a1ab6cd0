package nudge

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestReleaseClickAgainOnAClosedQuestion: a Release click that made no
// request because the person is someone a round would not ask (an org
// admin now) closes the question: the message says why, with no buttons.
// A second click (a double click, a client showing the old buttons) was
// taken for a click whose request had failed (unrequested): the account
// was read again, a second skip audited, and, the person no longer an org
// admin by then, a release request sent to every approver from a question
// the person was told was closed. It is refused as closed.
func TestReleaseClickAgainOnAClosedQuestion(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	id := a.Items[0].NudgeID
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	admin := frances
	admin.OrgAdmin = true
	h.srv.SetUser(admin)
	h.clock.Add(time.Hour)
	if err := h.e.Answer(ctx, uFrances, id, false); err != nil {
		t.Fatalf("Release: %v", err)
	}
	h.srv.SetUser(frances) // an org admin no longer
	h.clock.Add(time.Minute)
	err := h.e.Answer(ctx, uFrances, id, false)
	var refused *Refused
	if !errors.As(err, &refused) {
		t.Errorf("Release again on the closed question: %v, want a refusal", err)
	}
	reqs, rerr := h.store.RequestsAbout(ctx, frances.AccountID, a.Items[0].ProductID, time.Time{})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(reqs) != 0 || len(h.notes("approval")) != 0 {
		t.Errorf("%d release requests stored, %d approval copies sent from a closed question, want none", len(reqs), len(h.notes("approval")))
	}
	skips := 0
	for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		if e.Kind == state.KindSkip && strings.Contains(e.Detail, "release not requested") {
			skips++
		}
	}
	if skips != 1 {
		t.Errorf("%d 'release not requested' skips in the trail, want 1", skips)
	}
}
