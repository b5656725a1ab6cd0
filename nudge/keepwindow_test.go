package nudge

import (
	"context"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestKeepLastsNinetyDaysFromTheAnswer: a Keep holds new nudges back for 90
// days from the answer, not from the question. Before, the round read only
// the nudges asked in the last 90 days, so a Keep given ten days after its
// question stopped counting at day 80: asked again 85 days after saying
// Keep (found by TestRoundOracle).
func TestKeepLastsNinetyDaysFromTheAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	ns, err := h.store.NudgesAbout(ctx, frances.AccountID, atlassiantest.ConfluenceMain, time.Time{})
	if err != nil || len(ns) != 1 {
		t.Fatalf("nudges %+v, %v", ns, err)
	}
	day := 24 * time.Hour
	if ok, err := h.store.AnswerNudge(ctx, ns[0].ID, state.AnswerKeep, h.clock.Now().Add(10*day)); !ok || err != nil {
		t.Fatalf("keep: %v %v", ok, err)
	}
	h.clock.Add(95 * day) // 85 days after the Keep
	sum, err := New(h.cfg).Round(ctx, "nudge r2", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != SkipKept {
		t.Errorf("85 days after Keep: skipped as %q, want %q", got, SkipKept)
	}
	h.clock.Add(6 * day) // 91 days after it
	if sum, err = New(h.cfg).Round(ctx, "nudge r3", true); err != nil {
		t.Fatal(err)
	}
	if got := skipReason(sum, atlassiantest.ReleaseDirectEmail); got != "" {
		t.Errorf("91 days after Keep: skipped as %q, want asked", got)
	}
}
