package nudge

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestApprovedReleaseOfASeatAlreadyFree: a release approved after the seat
// was freed another way (the access removed by an admin, the account
// deactivated, the person gone from the organisation) changes nothing and
// says the seat is free; the person's nudge says they no longer have it.
// Before, with the write key the approver read "refused: … no seat role …
// change it in Atlassian Administration" or "the account could not be
// read" (a failure), without it was told to remove access that was gone,
// and the nudge said "Release requested" for good.
func TestApprovedReleaseOfASeatAlreadyFree(t *testing.T) {
	cases := []struct {
		name   string
		change func(h *harness, u atlassiantest.User)
		want   string
	}{
		{"access removed", func(h *harness, u atlassiantest.User) { u.Products = u.Products[1:]; h.srv.SetUser(u) }, "already removed"},
		{"deactivated", func(h *harness, u atlassiantest.User) { u.AccountStatus = "inactive"; h.srv.SetUser(u) }, "holds no seat"},
		{"left the organisation", func(h *harness, u atlassiantest.User) { h.srv.RemoveUser(u.AccountID) }, "no longer in the organisation"},
	}
	for _, c := range cases {
		for _, writeKey := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, write key %v", c.name, writeKey), func(t *testing.T) {
				h := newHarness(t, writeKey)
				ctx := context.Background()
				if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
					t.Fatal(err)
				}
				a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
				if err := h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false); err != nil {
					t.Fatal(err)
				}
				fr := h.account(t, atlassiantest.ReleaseDirectEmail)
				if fr.Products[0].Key != "confluence" {
					t.Fatalf("the sample changed: %+v", fr.Products)
				}
				c.change(h, fr)
				var rid string
				for _, p := range h.notes("approval") {
					rid = p.Note.(Approval).RequestID
				}
				if err := h.e.Decide(ctx, "U0APP2", rid, true); err != nil {
					t.Fatal(err)
				}
				res := h.notes("result")
				if len(res) != 1 {
					t.Fatalf("%d results, want 1", len(res))
				}
				r := res[0].Note.(Result)
				if !strings.Contains(r.Text, c.want) || !strings.Contains(r.Text, "nothing was changed") || r.Undo {
					t.Errorf("the approver reads %q (Undo %v), want it to say %q and that nothing was changed, with no Undo", r.Text, r.Undo, c.want)
				}
				rel, err := h.store.GetRelease(ctx, rid)
				if err != nil {
					t.Fatal(err)
				}
				if rel.State != state.ReleaseDropped {
					t.Errorf("release recorded %q, want %q", rel.State, state.ReleaseDropped)
				}
				n, err := h.store.GetNudge(ctx, a.Items[0].NudgeID)
				if err != nil {
					t.Fatal(err)
				}
				if n.Settled != state.SettledGone {
					t.Errorf("Frances's nudge settled %q, want %q", n.Settled, state.SettledGone)
				}
			})
		}
	}
}
