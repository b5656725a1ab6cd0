package nudge

import (
	"context"
	"errors"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// requestFailsOnce is a store whose first PutRequest fails, as a database
// that is briefly away (or a stop) would.
type requestFailsOnce struct {
	Store
	failed bool
}

func (s *requestFailsOnce) PutRequest(ctx context.Context, r state.ReleaseRequest) (state.ReleaseRequest, bool, error) {
	if !s.failed {
		s.failed = true
		return r, false, errors.New("database is locked")
	}
	return s.Store.PutRequest(ctx, r)
}

// TestReleaseClickedAgainAfterAFailure: a Release whose answer was stored
// but whose request could not be (the click is told to try again) makes
// the request when clicked again (before, the second click was told "you
// have answered already" and the approvers never heard of it: the Release
// was lost, and the round asked again 30 days later).
func TestReleaseClickedAgainAfterAFailure(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	nudgeID := h.askOf(t, atlassiantest.ReleaseDirectEmail).Items[0].NudgeID
	failing := &requestFailsOnce{Store: h.store}
	cfg := h.cfg
	cfg.Store = func() Store { return failing }
	e := New(cfg)
	if err := e.Answer(ctx, uFrances, nudgeID, false); err == nil || isRefused(err) {
		t.Fatalf("first click: %v, want the store's failure", err)
	}
	if requestedShown(h) {
		t.Error("after the failed click the message says the release was requested (and lost its buttons)")
	}
	if err := e.Answer(ctx, uFrances, nudgeID, false); err != nil {
		t.Fatalf("second click: %v, want the request made", err)
	}
	if !requestedShown(h) {
		t.Error("after the second click the message does not say the release was requested")
	}
	reqs, err := h.store.PendingRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].NudgeID != nudgeID || reqs[0].Requester != uFrances {
		t.Fatalf("pending requests %+v, want Frances's", reqs)
	}
	if n := len(h.notes("approval")); n != len(h.cfg.Approvers) {
		t.Errorf("%d approval messages, want one per approver (%d)", n, len(h.cfg.Approvers))
	}
	// A third click (a double click) sends nothing more.
	if err := e.Answer(ctx, uFrances, nudgeID, false); !isRefused(err) {
		t.Errorf("third click: %v, want told it was answered", err)
	}
	if n := len(h.notes("approval")); n != len(h.cfg.Approvers) {
		t.Errorf("%d approval messages after a double click, want %d", n, len(h.cfg.Approvers))
	}
	// Keep after Release changes nothing.
	if err := e.Answer(ctx, uFrances, nudgeID, true); !isRefused(err) {
		t.Errorf("Keep after Release: %v, want refused", err)
	}
}

// requestedShown reports whether an update of a nudge says a release was
// requested.
func requestedShown(h *harness) bool {
	for _, u := range h.msgs.updated() {
		if a, ok := u.Note.(Ask); ok {
			for _, it := range a.Items {
				if it.Answer == state.AnswerRelease {
					return true
				}
			}
		}
	}
	return false
}
