package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// accountChange is a change to a person's account after their nudge that
// makes a round skip them today, and how their nudge is then settled.
type accountChange struct {
	name    string
	change  func(h *harness, u atlassiantest.User)
	settled string
}

// wouldNotAsk are the changes after which a round would not ask the
// person: the follow-ups (TestFollowUpAsksOnlyWhomARoundWouldAsk) and a
// Release click (TestReleaseClickAsksOnlyWhomARoundWouldAsk) check them.
var wouldNotAsk = []accountChange{
	{"org admin", func(h *harness, u atlassiantest.User) { u.OrgAdmin = true; h.srv.SetUser(u) }, state.SettledOrgAdmin},
	{"synced", func(h *harness, u atlassiantest.User) { u.ManagementSource = "synced"; h.srv.SetUser(u) }, state.SettledSynced},
	{"deactivated", func(h *harness, u atlassiantest.User) { u.AccountStatus = "inactive"; h.srv.SetUser(u) }, state.SettledGone},
	{"suspended", func(h *harness, u atlassiantest.User) { u.MembershipStatus = "suspended"; h.srv.SetUser(u) }, state.SettledGone},
	{"left the organisation", func(h *harness, u atlassiantest.User) { h.srv.RemoveUser(u.AccountID) }, state.SettledGone},
}

// TestFollowUpAsksOnlyWhomARoundWouldAsk: a follow-up reads the account
// again before each reminder and each escalation, and someone the round
// would skip today is closed, not followed: an org admin or an account an
// identity provider manages now (the bot never changes those, so the
// approvers would be asked for a release it refuses), an account
// deactivated or suspended, or one that left the organisation (no seat to
// give back). Before, only a product used again or gone was seen, so all
// of them were reminded, then escalated to every approver.
func TestFollowUpAsksOnlyWhomARoundWouldAsk(t *testing.T) {
	for _, c := range wouldNotAsk {
		for _, reminded := range []bool{false, true} {
			name := c.name + " before the reminder"
			if reminded {
				name = c.name + " after the reminder"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, true)
				ctx := context.Background()
				if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
					t.Fatal(err)
				}
				a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
				id := a.Items[0].NudgeID
				if reminded {
					h.clock.Add(time.Hour)
					if err := h.e.FollowUp(ctx); err != nil {
						t.Fatal(err)
					}
				}
				c.change(h, h.account(t, atlassiantest.ReleaseDirectEmail))
				reminders := remindersOf(h, uFrances)
				for range 2 {
					h.clock.Add(time.Hour)
					if err := h.e.FollowUp(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if got := remindersOf(h, uFrances); got != reminders {
					t.Errorf("Frances was reminded after the change (%d reminders, want %d)", got, reminders)
				}
				for _, p := range h.notes("approval") {
					if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
						t.Fatalf("Frances's seat was escalated to %s after the change", p.To)
					}
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
					t.Errorf("Frances's nudge message shows %q, want %q (no buttons left)", shown, c.settled)
				}
				if err := h.e.Answer(ctx, uFrances, id, false); !isRefused(err) {
					t.Errorf("Release after the change: %v, want a refusal", err)
				}
				skipped := false
				for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
					if e.Kind != state.KindSkip {
						continue
					}
					skipped = true
					// As every keep-or-release entry: the site, not the
					// product ID (TestTrailNamesTheSiteNotTheProductID).
					if !strings.Contains(e.Detail, "acme.atlassian.net") || strings.Contains(e.Detail, "ari:cloud") {
						t.Errorf("the skip names the product ID, not the site: %q", e.Detail)
					}
				}
				if !skipped {
					t.Error("no skip in Frances's audit trail says why she was not followed up")
				}
			})
		}
	}
}

func remindersOf(h *harness, user string) int {
	n := 0
	for _, p := range h.notes("reminder") {
		if p.To == user {
			n++
		}
	}
	return n
}

// TestRefusedApprovalCopyIsNotResentForSomeoneARoundWouldNotAsk: the copy
// Slack refused is not sent again once the person left the organisation
// (the account is not found: before, the copy went again, its access
// "unknown: the account could not be read"), nor once their account is one
// the bot never changes; their nudge is closed as the reminder's would be.
func TestRefusedApprovalCopyIsNotResentForSomeoneARoundWouldNotAsk(t *testing.T) {
	cases := []struct {
		name    string
		change  func(h *harness, u atlassiantest.User)
		settled string
	}{
		{"left the organisation", func(h *harness, u atlassiantest.User) { h.srv.RemoveUser(u.AccountID) }, state.SettledGone},
		{"org admin", func(h *harness, u atlassiantest.User) { u.OrgAdmin = true; h.srv.SetUser(u) }, state.SettledOrgAdmin},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, true)
			ctx := context.Background()
			if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
				t.Fatal(err)
			}
			_, frances := h.releaseWhileSlackRefuses(ctx, t)
			c.change(h, h.account(t, atlassiantest.ReleaseDirectEmail))
			h.clock.Add(24 * time.Hour)
			if err := h.e.FollowUp(ctx); err != nil {
				t.Fatal(err)
			}
			for _, p := range h.notes("approval") {
				if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
					t.Fatalf("approver %s was sent Frances's request again after the change", p.To)
				}
			}
			n, err := h.store.GetNudge(ctx, frances.Items[0].NudgeID)
			if err != nil {
				t.Fatal(err)
			}
			if n.Settled != c.settled {
				t.Errorf("Frances's nudge is settled %q, want %q", n.Settled, c.settled)
			}
		})
	}
}
