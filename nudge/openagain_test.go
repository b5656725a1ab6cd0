package nudge

import (
	"context"
	"testing"
	"time"
)

// TestOpenNudgeIsNotAskedAgain: a seat whose nudge still waits for its
// answer, reminder or escalation is not asked about again, however old
// that nudge is. With LASTACTIVE_NUDGE_WAIT over 15 days a nudge is more
// than 30 days old before it escalates, and the round asked again; over 45
// days it escalates past the 90 days of nudges the round reads, and the
// round asked again too. Both nudges stayed open, the seat was named twice
// in the reminder, escalated twice, and approvers got two release requests
// for one seat (found by the round's oracle, extended to follow-ups, and
// by a review).
func TestOpenNudgeIsNotAskedAgain(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	type step struct {
		after time.Duration
		round string // "" for the follow-up alone
	}
	for _, c := range []struct {
		name  string
		wait  time.Duration
		steps []step
	}{
		{"wait 20 days, asked again at day 31", 20 * day, []step{
			{0, "nudge d0"}, {20 * day, ""}, {11 * day, "nudge d31"}, {9 * day, ""}, {11 * day, ""}, {20 * day, ""},
		}},
		{"wait 46 days, asked again at day 91", 46 * day, []step{
			{0, "nudge d0"}, {46 * day, ""}, {45 * day, "nudge d91"}, {day, ""},
			{46 * day, ""}, {46 * day, ""}, {46 * day, ""}, {46 * day, ""},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, true)
			h.cfg.Wait = c.wait
			e := New(h.cfg)
			ctx := context.Background()
			for i, s := range c.steps {
				h.clock.Add(s.after)
				if s.round != "" {
					sum, err := e.Round(ctx, s.round, false)
					if err != nil {
						t.Fatal(err)
					}
					if i > 0 && len(sum.Asked) > 0 {
						t.Errorf("%s asked %s again while the first nudge still waits", s.round, sum.Asked[0].Person.Email)
					}
				}
				if err := e.FollowUp(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// Read from the approvers' copies, not the requests waiting:
			// the last steps outlast RequestExpiry, which closes them.
			per := map[string]map[string]bool{}
			for _, p := range h.notes("approval") {
				a := p.Note.(Approval)
				k := a.Person.Email + " " + a.Item.Key
				if per[k] == nil {
					per[k] = map[string]bool{}
				}
				if per[k][a.RequestID] = true; len(per[k]) == 2 {
					t.Errorf("%s: two release requests for one seat", k)
				}
			}
			if len(per) == 0 {
				t.Fatal("no release request sent: the test did not reach the escalation")
			}
		})
	}
}
