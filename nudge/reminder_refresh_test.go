package nudge

import (
	"context"
	"testing"
	"time"

	"lastactive/internal/state"
)

// TestReminderOfTwoRoundsIsUpdatedWhole: a reminder gathering seats asked
// in two rounds (two nudge messages) is updated, when one seat is
// answered, with every seat it named, each in its own state; the nudge
// message of that seat's round shows that round's seat only.
func TestReminderOfTwoRoundsIsUpdatedWhole(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	h.cfg.Products = []string{"confluence", "loom"}
	h.e = New(h.cfg)
	if _, err := h.e.Round(ctx, "nudge r2", false); err != nil {
		t.Fatal(err)
	}
	var asks []post
	for _, p := range h.notes("ask") {
		if p.To == uDonald {
			asks = append(asks, p)
		}
	}
	if len(asks) != 2 {
		t.Fatalf("Donald was asked %d times, want once a round (Confluence, then Loom)", len(asks))
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	var reminder post
	for _, p := range h.notes("reminder") {
		if p.To == uDonald {
			reminder = p
		}
	}
	if items := reminder.Note.(Ask).Items; len(items) != 2 {
		t.Fatalf("Donald's reminder names %d seats, want both rounds' (2)", len(items))
	}
	loom := asks[1].Note.(Ask).Items[0]
	if err := h.e.Answer(ctx, uDonald, loom.NudgeID, true); err != nil {
		t.Fatal(err)
	}
	var toReminder, toNudge []Ask
	for _, u := range h.msgs.updated() {
		switch u.Ref {
		case reminder.Ref:
			toReminder = append(toReminder, u.Note.(Ask))
		case asks[1].Ref:
			toNudge = append(toNudge, u.Note.(Ask))
		}
	}
	if len(toReminder) != 1 {
		t.Fatalf("the reminder Donald answered in was updated %d times, want once", len(toReminder))
	}
	got := toReminder[0]
	if !got.Reminder || len(got.Items) != 2 {
		t.Fatalf("reminder updated as %+v, want the reminder with both seats", got)
	}
	for _, it := range got.Items {
		want := ""
		if it.NudgeID == loom.NudgeID {
			want = state.AnswerKeep
		}
		if it.Answer != want {
			t.Errorf("reminder line %s answered %q, want %q", it.Key, it.Answer, want)
		}
	}
	if len(toNudge) != 1 || len(toNudge[0].Items) != 1 || toNudge[0].Reminder || toNudge[0].Items[0].Answer != state.AnswerKeep {
		t.Errorf("round 2's nudge updated as %+v, want its one seat, kept", toNudge)
	}
}
