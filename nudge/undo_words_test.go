package nudge

import (
	"context"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
)

// TestUndoResultSaysWhatWasRestored: the approver's Undo result named the
// step the release had made ("restored: direct role revoked"), which reads
// as the seat taken away again; it names what the undo did.
func TestUndoResultSaysWhatWasRestored(t *testing.T) {
	h := newHarness(t, true)
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Decide(context.Background(), "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Undo(context.Background(), "U0APP2", r.ID); err != nil {
		t.Fatal(err)
	}
	res := h.notes("result")
	if len(res) == 0 {
		t.Fatal("no undo result")
	}
	text := res[len(res)-1].Note.(Result).Text
	if strings.Contains(text, "revoked") || !strings.Contains(text, "direct role assigned again") {
		t.Errorf("undo result %q, want it to say the direct role was assigned again", text)
	}
}
