package nudge

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// claimHook is a store that runs before, once, just before its ClaimUndo:
// another approver's Undo that ends between this Undo's read of the
// release and its claim.
type claimHook struct {
	Store
	before func()
}

func (s *claimHook) ClaimUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	if f := s.before; f != nil {
		s.before = nil
		f()
	}
	return s.Store.ClaimUndo(ctx, id, at)
}

// TestUndoTwiceDoesNotResendWhatTheFirstRestored: Barbara's release
// revoked her role and left the group. Two approvers click Undo at once.
// The first rejoins the group, then meets the seat limit on the role and
// saves what is left to restore (the role). The second had read the
// release before that save and claims it after: it restored from the
// steps it had read, sending the join the first had already made.
func TestUndoTwiceDoesNotResendWhatTheFirstRestored(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	if rel, steps := h.releaseSteps(t, r); rel.State != state.ReleaseDone || len(steps) != 2 {
		t.Fatalf("release: state %q, steps %s; want done with two steps", rel.State, rel.Steps)
	}
	h.srv.Fail(atlassiantest.Failure{API: "admin", PathContains: "/roles/assign", Status: http.StatusConflict,
		Body: `{"code":"ADMIN-UAM-409-3","message":"licence limit"}`, Times: 1})
	cfg := h.cfg
	cfg.Store = func() Store {
		return &claimHook{Store: h.store, before: func() {
			if err := h.e.Undo(ctx, "U0APP3", r.ID); err != nil {
				t.Errorf("first Undo: %v", err)
			}
		}}
	}
	if err := New(cfg).Undo(ctx, "U0APP2", r.ID); err != nil {
		t.Fatalf("second Undo: %v", err)
	}
	if w := h.stepWrites(barbara); w["join"] != 1 {
		t.Errorf("writes %v; want one join: the second Undo sent again what the first restored", w)
	}
	if !h.srv.IsMember(atlassiantest.GroupConfluenceUsers, barbara) || !h.srv.Holds(barbara, atlassiantest.ConfluenceMain) {
		t.Error("the two Undos did not restore the group and the role")
	}
}

// rereadFails is a store whose GetRelease fails once the undo claim is
// won: the database went away between the two statements.
type rereadFails struct {
	Store
	claimed bool
}

func (s *rereadFails) ClaimUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	won, err := s.Store.ClaimUndo(ctx, id, at)
	s.claimed = s.claimed || won
	return won, err
}

func (s *rereadFails) GetRelease(ctx context.Context, id string) (state.Release, error) {
	if s.claimed {
		return state.Release{}, errors.New("database went away")
	}
	return s.Store.GetRelease(ctx, id)
}

// TestUndoThatFailsBeforeRestoringGivesTheClaimBack: an Undo that won the
// claim but could not read the release again restored nothing; it kept
// the claim, and every later Undo was told "undone already" while the
// seat stayed released for good.
func TestUndoThatFailsBeforeRestoringGivesTheClaimBack(t *testing.T) {
	h := newHarnessOrg(t, true, atlassiantest.WithReleaseBoth(time.Now()))
	ctx := context.Background()
	barbara := h.account(t, atlassiantest.ReleaseBothEmail).AccountID
	r := h.requestFor(t, atlassiantest.ReleaseBothEmail)
	if err := h.e.Decide(ctx, "U0APP2", r.ID, true); err != nil {
		t.Fatal(err)
	}
	cfg := h.cfg
	cfg.Store = func() Store { return &rereadFails{Store: h.store} }
	if err := New(cfg).Undo(ctx, "U0APP2", r.ID); err == nil {
		t.Fatal("the Undo whose read failed reported no error")
	}
	if err := h.e.Undo(ctx, "U0APP3", r.ID); err != nil {
		t.Fatalf("the next Undo: %v; want it to restore what the first could not", err)
	}
	if !h.srv.IsMember(atlassiantest.GroupConfluenceUsers, barbara) || !h.srv.Holds(barbara, atlassiantest.ConfluenceMain) {
		t.Error("the next Undo did not restore the group and the role")
	}
}
