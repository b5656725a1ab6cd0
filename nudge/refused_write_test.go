package nudge

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestReleaseWhoseWriteIsRefusedSaysNothingChanged: a write key that reads
// but may not write (Atlassian wants an org admin's key without scopes)
// gets its revoke refused with a 403 before anything changed. The approver
// is told that nothing was changed and why, with no Undo (before: "the
// change failed part-way; Undo restores what was done", with no Undo
// button and nothing done).
func TestReleaseWhoseWriteIsRefusedSaysNothingChanged(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/roles/revoke", Status: http.StatusForbidden})
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Holds(h.account(t, atlassiantest.ReleaseDirectEmail).AccountID, atlassiantest.ConfluenceMain) {
		t.Fatal("the refused revoke changed something")
	}
	results := h.notes("result")
	res := results[len(results)-1].Note.(Result)
	for _, bad := range []string{"part-way", "Undo"} {
		if strings.Contains(res.Text, bad) {
			t.Errorf("result says %q though nothing was changed: %q", bad, res.Text)
		}
	}
	if res.Undo || !strings.Contains(res.Text, "nothing was changed") || !strings.Contains(res.Text, "ATLASSIAN_ADMIN_WRITE_KEY") {
		t.Errorf("result %q (Undo %v): want it to say nothing was changed and that the write key was refused", res.Text, res.Undo)
	}
	tr := h.trail(t, atlassiantest.ReleaseDirectEmail)
	if last := tr[len(tr)-1]; last.Kind != state.KindRelease || last.Outcome != state.OutcomeFailed || !strings.Contains(last.Detail, "nothing was changed") {
		t.Errorf("audit %+v", last)
	}
}
