package nudge

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// stepWrites counts the writes of a release sent for accountID: role
// revokes and assigns, membership removals and additions.
func (h *harness) stepWrites(accountID string) map[string]int {
	n := map[string]int{}
	for _, q := range h.srv.Requests() {
		switch {
		case q.Method == http.MethodPost && strings.HasSuffix(q.Path, accountID+"/roles/revoke"):
			n["revoke"]++
		case q.Method == http.MethodPost && strings.HasSuffix(q.Path, accountID+"/roles/assign"):
			n["assign"]++
		case q.Method == http.MethodDelete && strings.HasSuffix(q.Path, "/memberships/"+accountID):
			n["leave"]++
		case q.Method == http.MethodPost && strings.HasSuffix(q.Path, "/memberships"):
			n["join"]++
		}
	}
	return n
}

// releaseSteps is the stored release of r and its steps.
func (h *harness) releaseSteps(t *testing.T, r state.ReleaseRequest) (state.Release, []atlassian.Step) {
	t.Helper()
	rel, err := h.store.GetRelease(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []atlassian.Step
	if rel.Steps != "" {
		if err := json.Unmarshal([]byte(rel.Steps), &steps); err != nil {
			t.Fatal(err)
		}
	}
	return rel, steps
}

// TestLostRevokeAnswerGoesOnToTheGroup: Barbara holds Confluence directly
// and through a group; the plan revokes the role, then leaves the group.
// The revoke is made but its answer lost (500). The seat still read held
// (the group gives it), so the release was saved failed with no step: Undo
// could not give the revoked role back and the group was never left. Read
// back, the revoke itself is made: it counts as done, the group step
// follows, and Undo restores both.
func TestLostRevokeAnswerGoesOnToTheGroup(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/roles/revoke", Status: http.StatusInternalServerError, Made: true, Times: 1})
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	rel, steps := h.releaseSteps(t, r)
	if rel.State != state.ReleaseDone || len(steps) != 2 || steps[0].Kind != atlassian.StepRevokeRole || steps[1].Kind != atlassian.StepRemoveMembership {
		t.Fatalf("release: state %q, detail %q, steps %s; want done, the revoke and the group left", rel.State, rel.Detail, rel.Steps)
	}
	if h.srv.Holds(barbara, atlassiantest.ConfluenceMain) {
		t.Error("Confluence is still held after a release said done")
	}
	if w := h.stepWrites(barbara); w["revoke"] != 1 || w["leave"] != 1 {
		t.Errorf("writes %v; want one revoke (never sent twice) and one membership removal", w)
	}
	results := h.notes("result")
	if res := results[len(results)-1].Note.(Result); !res.Undo || !strings.Contains(res.Text, "released") {
		t.Errorf("result %+v; want released, with Undo", res)
	}
	if err := h.e.Undo(ctx, "U0APP2", r.ID); err != nil {
		t.Fatalf("Undo: %v", err)
	}
	if !h.srv.IsMember(atlassiantest.GroupConfluenceUsers, barbara) {
		t.Error("Undo did not put her back in the group")
	}
	if w := h.stepWrites(barbara); w["assign"] != 1 {
		t.Errorf("writes after Undo %v; want the direct role assigned again", w)
	}
}

// TestLostLeaveAnswerNotMadeKeepsTheRevoke: the revoke is answered, the
// group step's answer is lost and it was not made: the release stops
// there, failed, with the revoke kept for Undo and the approver told to
// check.
func TestLostLeaveAnswerNotMadeKeepsTheRevoke(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/memberships/", Status: http.StatusBadGateway, Times: 1})
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	rel, steps := h.releaseSteps(t, r)
	if rel.State != state.ReleaseFailed || len(steps) != 1 || steps[0].Kind != atlassian.StepRevokeRole {
		t.Fatalf("release: state %q, detail %q, steps %s; want failed with the revoke kept", rel.State, rel.Detail, rel.Steps)
	}
	if w := h.stepWrites(barbara); w["revoke"] != 1 || w["leave"] != 1 {
		t.Errorf("writes %v; want each once", w)
	}
	results := h.notes("result")
	if res := results[len(results)-1].Note.(Result); !res.Undo || !strings.Contains(res.Text, "Atlassian Administration") {
		t.Errorf("result %+v; want Undo offered and the approver told to check", res)
	}
}

// TestLostRevokeAnswerNotMadeStops: the revoke's answer is lost and it
// was not made: nothing is recorded as done, the group is not left, no
// Undo is offered.
func TestLostRevokeAnswerNotMadeStops(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/roles/revoke", Status: http.StatusInternalServerError, Times: 1})
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	rel, steps := h.releaseSteps(t, r)
	if rel.State != state.ReleaseFailed || len(steps) != 0 {
		t.Fatalf("release: state %q, detail %q, steps %s; want failed with nothing done", rel.State, rel.Detail, rel.Steps)
	}
	if w := h.stepWrites(barbara); w["revoke"] != 1 || w["leave"] != 0 {
		t.Errorf("writes %v; want the one revoke and no membership removal", w)
	}
	results := h.notes("result")
	if res := results[len(results)-1].Note.(Result); res.Undo || !strings.Contains(res.Text, "Atlassian Administration") {
		t.Errorf("result %+v; want no Undo and the approver told to check", res)
	}
}

// stepReadFails is a directory whose read-back of a step fails.
type stepReadFails struct{ Directory }

func (stepReadFails) StepMade(context.Context, atlassian.Step) (bool, error) {
	return false, &atlassian.Error{Kind: atlassian.ErrUnavailable}
}

// TestLostRevokeAnswerUnreadStops: the revoke is made, its answer lost,
// and reading it back fails: the release stops there, nothing counted
// as done, the group not left, and the approver is told to check.
func TestLostRevokeAnswerUnreadStops(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/roles/revoke", Status: http.StatusInternalServerError, Made: true, Times: 1})
	cfg := h.cfg
	cfg.Directory = stepReadFails{h.client}
	if err := New(cfg).Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	rel, steps := h.releaseSteps(t, r)
	if rel.State != state.ReleaseFailed || len(steps) != 0 || !strings.Contains(rel.Detail, "could not be read back") {
		t.Fatalf("release: state %q, detail %q, steps %s; want failed, unread, nothing done", rel.State, rel.Detail, rel.Steps)
	}
	if w := h.stepWrites(barbara); w["revoke"] != 1 || w["leave"] != 0 {
		t.Errorf("writes %v; want the one revoke and no membership removal", w)
	}
}

// TestUndoLostJoinAnswerReadBack: Barbara's release revoked the role and
// left the group; Undo joins the group again, then assigns the role. The
// join is made but its answer lost (500). It was taken as failed: the
// approver read "the undo failed" with the access half restored, the
// role never assigned, and a second Undo sent the join again. Read back,
// the join is made: it counts as restored and the assign follows.
func TestUndoLostJoinAnswerReadBack(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	if rel, _ := h.releaseSteps(t, r); rel.State != state.ReleaseDone {
		t.Fatalf("release: state %q, detail %q; want done", rel.State, rel.Detail)
	}
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/memberships", Status: http.StatusInternalServerError, Made: true, Times: 1})
	if err := h.e.Undo(ctx, "U0APP2", r.ID); err != nil {
		t.Fatalf("Undo: %v", err)
	}
	results := h.notes("result")
	if res := results[len(results)-1].Note.(Result); res.Undo || !strings.Contains(res.Text, "restored") {
		t.Errorf("undo result %+v; want restored, no Undo left", res)
	}
	if !h.srv.IsMember(atlassiantest.GroupConfluenceUsers, barbara) || !h.srv.Holds(barbara, atlassiantest.ConfluenceMain) {
		t.Error("Undo did not restore the group and the seat")
	}
	if w := h.stepWrites(barbara); w["join"] != 1 || w["assign"] != 1 {
		t.Errorf("writes %v; want one join (never sent twice) and one assign", w)
	}
	if rel, _ := h.releaseSteps(t, r); rel.Undone.IsZero() {
		t.Errorf("release %+v not saved as undone", rel)
	}
	trail := h.trail(t, atlassiantest.ReleaseBothEmail)
	if last := trail[len(trail)-1]; last.Kind != state.KindUndo || last.Outcome != state.OutcomeOK {
		t.Errorf("last audit entry %+v; want the undo, ok", last)
	}
}
