package nudge

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestUndoCountsAsAKeep: an approver's Undo of a release means the
// organisation keeps the seat: it holds new nudges back for 90 days from
// the Undo, as a Keep does from the answer. Before, the round asked Frances
// again about the seat 30 days after her first nudge, a few days after the
// Undo, and a Release then went to the approvers again.
func TestUndoCountsAsAKeep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	ctx := context.Background()
	day := 24 * time.Hour
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
	h.clock.Add(5 * day)
	if err := h.e.Decide(ctx, "U0APP2", rid, true); err != nil {
		t.Fatal(err)
	}
	if res := h.notes("result"); len(res) != 1 || !res[0].Note.(Result).Undo {
		t.Fatalf("no release with Undo: %+v", res)
	}
	h.clock.Add(20 * day) // the Undo, 25 days after the nudge
	if err := h.e.Undo(ctx, "U0APP2", rid); err != nil {
		t.Fatal(err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	if !h.srv.Holds(frances.AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("the Undo did not restore the seat; the test needs it restored")
	}
	for _, step := range []struct {
		after time.Duration // since the Undo
		want  string
	}{
		{6 * day, SkipUndone},  // 31 days after the nudge
		{89 * day, SkipUndone}, // 114 days after the nudge, past the 90 a round reads back
		{91 * day, ""},
	} {
		h.clock.Add(step.after - h.clock.Now().Sub(h.undoneAt(t, rid)))
		sum, err := New(h.cfg).Round(ctx, "nudge later", true)
		if err != nil {
			t.Fatal(err)
		}
		if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != step.want {
			t.Errorf("%d days after the Undo: Frances skipped as %q, want %q", step.after/day, got, step.want)
		}
	}
}

// undoneAt is when release id was undone.
func (h *harness) undoneAt(t *testing.T, id string) time.Time {
	t.Helper()
	rel, err := h.store.GetRelease(context.Background(), id)
	if err != nil || rel.Undone.IsZero() {
		t.Fatalf("release %s: %+v, %v", id, rel, err)
	}
	return rel.Undone
}
