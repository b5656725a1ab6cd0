package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestUndecidedRequestExpires: a release request nobody decides within
// RequestExpiry is closed by the follow-up, once: every approver's copy
// says so (no buttons left), the person's nudge says they keep the seat for
// now, the trail has an entry, a late Approve is refused as expired, and a
// later round may ask the person again. Before, it waited for good: live
// buttons on every copy, the seat listed as waiting on App Home, and the
// person never asked again (skipped as "release requested, waiting for an
// approver" by every round).
func TestUndecidedRequestExpires(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	id := a.Items[0].NudgeID
	if err := h.e.Answer(ctx, uFrances, id, false); err != nil {
		t.Fatal(err)
	}
	var rid string
	copies := 0
	for _, p := range h.notes("approval") {
		if ap := p.Note.(Approval); ap.Person.Email == atlassiantest.ReleaseDirectEmail {
			rid = ap.RequestID
			copies++
		}
	}
	if copies == 0 {
		t.Fatal("no approval copies for Frances's request")
	}
	expired := func() int {
		n := 0
		for _, u := range h.msgs.updated() {
			if ap, ok := u.Note.(Approval); ok && ap.RequestID == rid && ap.Decision == state.DecisionExpired {
				n++
			}
		}
		return n
	}
	h.clock.Add(RequestExpiry - time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := h.store.GetRequest(ctx, rid); err != nil || r.DecidedBy != "" || expired() != 0 {
		t.Fatalf("closed before RequestExpiry: %+v %v", r, err)
	}
	h.clock.Add(2 * time.Hour)
	for range 2 {
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r, err := h.store.GetRequest(ctx, rid)
	if err != nil {
		t.Fatal(err)
	}
	if r.Decision != state.DecisionExpired {
		t.Fatalf("request after RequestExpiry: %+v, want it expired", r)
	}
	if got := expired(); got != copies {
		t.Errorf("%d copies updated as expired, want each of the %d once", got, copies)
	}
	n, err := h.store.GetNudge(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n.Settled != state.SettledExpired {
		t.Errorf("Frances's nudge settled %q, want %q", n.Settled, state.SettledExpired)
	}
	told := false
	for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		told = told || e.Kind == state.KindApproval && strings.Contains(e.Detail, "expired")
		if e.Kind == state.KindApproval && strings.Contains(e.Detail, "ari:cloud") {
			t.Errorf("the expiry names the product ID, not the site (TestTrailNamesTheSiteNotTheProductID): %q", e.Detail)
		}
	}
	if !told {
		t.Error("the audit trail does not say the request expired")
	}
	if err := h.e.Decide(ctx, "U0APP2", rid, true); !isRefused(err) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Approve after the expiry: %v, want a refusal saying it expired", err)
	}
	sum, err := h.e.Round(ctx, "nudge r2", false)
	if err != nil {
		t.Fatal(err)
	}
	if r := skipReason(sum, atlassiantest.ReleaseDirectEmail); r != "" {
		t.Errorf("Frances skipped by the next round (%q); want her asked again", r)
	}
}
