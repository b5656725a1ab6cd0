package nudge

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestOwnSeatOfTheOnlyApproverIsNotLeftWaiting: when the person whose
// seat it is is the only approver (a small team's one IT admin), nobody
// can decide their release: no copy went anywhere, the request waited 60
// days until it expired, and their message said "an approver will
// confirm" meanwhile. Their nudge is settled at once, saying so; the trail
// says why, and nothing waits in App Home.
func TestOwnSeatOfTheOnlyApproverIsNotLeftWaiting(t *testing.T) {
	for _, answer := range []string{"release", "silence"} {
		t.Run(answer, func(t *testing.T) {
			h := newHarness(t, true)
			h.cfg.Approvers = []string{uJohn}
			e := New(h.cfg)
			ctx := context.Background()
			if _, err := e.Round(ctx, "nudge r1", false); err != nil {
				t.Fatal(err)
			}
			a := h.askOf(t, atlassiantest.ReleaseGroupEmail)
			if answer == "release" {
				if err := e.Answer(ctx, uJohn, a.Items[0].NudgeID, false); err != nil {
					t.Fatal(err)
				}
			} else {
				for range 2 { // the reminder, then the escalation
					h.clock.Add(time.Hour)
					if err := e.FollowUp(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, p := range h.notes("approval") {
				if ap := p.Note.(Approval); ap.Person.Email == atlassiantest.ReleaseGroupEmail {
					t.Errorf("an approval copy about John's seat went to %s", p.To)
				}
			}
			reqs, err := h.store.PendingRequests(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if i := slices.IndexFunc(reqs, func(r state.ReleaseRequest) bool { return r.Email == atlassiantest.ReleaseGroupEmail }); i >= 0 {
				t.Errorf("a release request about John's seat waits for an approver who cannot decide it: %+v", reqs[i])
			}
			n, err := h.store.GetNudge(ctx, a.Items[0].NudgeID)
			if err != nil {
				t.Fatal(err)
			}
			if n.Settled != state.SettledNoApprover {
				t.Errorf("John's nudge settled %q, want %q", n.Settled, state.SettledNoApprover)
			}
			if !slices.ContainsFunc(h.trail(t, atlassiantest.ReleaseGroupEmail), func(e state.AuditEntry) bool {
				return strings.Contains(e.Detail, "no approver") && strings.Contains(e.Detail, "LASTACTIVE_APPROVERS")
			}) {
				t.Errorf("the trail does not say no approver could decide: %+v", h.trail(t, atlassiantest.ReleaseGroupEmail))
			}
		})
	}
}
