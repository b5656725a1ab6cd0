package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
)

// TestUndoOfASweptReleaseSaysWhatToDo: the Undo of a release whose record
// the daily retention sweep deleted cannot restore it, and says so, with
// where to give the access back; it said "There is nothing to undo." of a
// seat it had released.
func TestUndoOfASweptReleaseSaysWhatToDo(t *testing.T) {
	h := newHarness(t, true)
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
	if res := h.notes("result"); len(res) != 1 || !res[0].Note.(Result).Undo {
		t.Fatalf("no release with Undo: %+v", res)
	}
	if n, err := h.store.SweepKeepOrRelease(ctx, h.clock.Now().Add(time.Hour)); err != nil || n == 0 {
		t.Fatalf("sweep: %d rows, %v", n, err)
	}
	err := h.e.Undo(ctx, "U0APP2", rid)
	if !isRefused(err) || !strings.Contains(err.Error(), "Atlassian Administration") {
		t.Errorf("Undo after the sweep: %v, want a refusal saying the access is given back in Atlassian Administration", err)
	}
}
