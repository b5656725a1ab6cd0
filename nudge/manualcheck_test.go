package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestManualCheckSeesHowTheSeatWentFree: a release approved without the
// write key is checked a day later. An admin who removed the person from
// the organisation, or deactivated the account, freed the seat; someone
// who used the product again since keeps it. Before, a person gone from
// the organisation was never checked (the read's "not found" was taken
// for a failure, tried again at every follow-up for good), and a
// deactivated account or someone active again read "still has the
// access; remove it".
func TestManualCheckSeesHowTheSeatWentFree(t *testing.T) {
	cases := []struct {
		name    string
		change  func(h *harness, u atlassiantest.User)
		want    string
		settled string
	}{
		{"left the organisation", func(h *harness, u atlassiantest.User) { h.srv.RemoveUser(u.AccountID) }, "the seat is free", state.SettledReleased},
		{"deactivated", func(h *harness, u atlassiantest.User) { u.AccountStatus = "inactive"; h.srv.SetUser(u) }, "the seat is free", state.SettledReleased},
		{"used again", func(h *harness, u atlassiantest.User) {
			u.Products[0].LastActive = h.clock.Now().Add(time.Hour)
			h.srv.SetUser(u)
		}, "used the product again", state.SettledUsed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, false)
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
			fr := h.account(t, atlassiantest.ReleaseDirectEmail)
			if fr.Products[0].Key != "confluence" {
				t.Fatalf("the sample changed: %+v", fr.Products)
			}
			h.clock.Add(25 * time.Hour)
			c.change(h, fr)
			if err := h.e.FollowUp(ctx); err != nil {
				t.Fatal(err)
			}
			res := h.notes("result")
			if len(res) != 2 {
				t.Fatalf("%d results, want the approval's and the check's", len(res))
			}
			if got := res[1].Note.(Result).Text; !strings.Contains(got, c.want) || strings.Contains(got, "remove it") {
				t.Errorf("check reads %q, want it to say %q", got, c.want)
			}
			n, err := h.store.GetNudge(ctx, a.Items[0].NudgeID)
			if err != nil {
				t.Fatal(err)
			}
			if n.Settled != c.settled {
				t.Errorf("Frances's nudge settled %q, want %q", n.Settled, c.settled)
			}
			if due, err := h.store.ChecksDue(ctx, h.clock.Now()); err != nil || len(due) != 0 {
				t.Errorf("checks still due: %+v, %v", due, err)
			}
		})
	}
}
