package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestReleaseClickAsksOnlyWhomARoundWouldAsk: a Release click reads the
// account again before the request, as the follow-ups do, and someone a
// round would not ask today gets no request made: an org admin or an
// account an identity provider manages now (the bot never changes those:
// approving was refused), an account deactivated or suspended, or one that
// left the organisation (no seat to give back). Before, only "active
// again" was checked: the request went to every approver, and approving it
// was then refused or dropped. The person's message says why instead.
func TestReleaseClickAsksOnlyWhomARoundWouldAsk(t *testing.T) {
	for _, c := range wouldNotAsk {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, true)
			ctx := context.Background()
			if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
				t.Fatal(err)
			}
			a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
			id := a.Items[0].NudgeID
			frances := h.account(t, atlassiantest.ReleaseDirectEmail)
			c.change(h, frances)
			h.clock.Add(time.Hour)
			if err := h.e.Answer(ctx, uFrances, id, false); err != nil {
				t.Fatalf("Release: %v", err)
			}
			for _, p := range h.notes("approval") {
				if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
					t.Errorf("approver %s was sent Frances's release request after the change", p.To)
				}
			}
			reqs, err := h.store.RequestsAbout(ctx, frances.AccountID, a.Items[0].ProductID, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) != 0 {
				t.Errorf("%d release requests stored, want none: %+v", len(reqs), reqs)
			}
			n, err := h.store.GetNudge(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if n.Settled != c.settled {
				t.Errorf("Frances's nudge is settled %q, want %q", n.Settled, c.settled)
			}
			shown := ""
			for _, u := range h.msgs.updated() {
				if ask, ok := u.Note.(Ask); ok && !ask.Reminder && len(ask.Items) == 1 && ask.Items[0].NudgeID == id {
					shown = ask.Items[0].Settled
				}
			}
			if shown != c.settled {
				t.Errorf("Frances's nudge message shows %q, want %q (why nothing was requested)", shown, c.settled)
			}
			skipped := false
			for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
				skipped = skipped || e.Kind == state.KindSkip && strings.Contains(e.Detail, "release not requested: "+settledWhy[c.settled])
			}
			if !skipped {
				t.Errorf("no skip in Frances's audit trail says the release was not requested (%s)", settledWhy[c.settled])
			}
			// Nothing is left to follow up.
			h.clock.Add(30 * 24 * time.Hour)
			if err := h.e.FollowUp(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(h.notes("approval")); got != 0 {
				t.Errorf("%d approval copies after the follow-ups, want none", got)
			}
		})
	}
}
