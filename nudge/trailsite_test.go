package nudge

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestTrailNamesTheSiteNotTheProductID: the nudge entry reads "confluence
// on acme.atlassian.net", but the entries that followed it (the answer,
// the approval, the release, the undo, the reminder and the escalation)
// read "confluence ari:cloud:confluence::site/58d24034-…", so an auditor
// could not tell which site they were about. Each now names the site as
// the nudge entry does.
func TestTrailNamesTheSiteNotTheProductID(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, frances.Items[0].NudgeID, true); err != nil {
		t.Fatal(err)
	}
	john := h.askOf(t, atlassiantest.ReleaseGroupEmail)
	if err := h.e.Answer(ctx, uJohn, john.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	var req string
	for _, p := range h.msgs.sent() {
		if a, ok := p.Note.(Approval); ok {
			req = a.RequestID
		}
	}
	if err := h.e.Decide(ctx, "U0APP2", req, true); err != nil {
		t.Fatal(err)
	}
	var rel string
	for _, p := range h.msgs.sent() {
		if r, ok := p.Note.(Result); ok {
			rel = r.ReleaseID
		}
	}
	if err := h.e.Undo(ctx, "U0APP2", rel); err != nil {
		t.Fatal(err)
	}
	// The others did not answer: a reminder, then the approvers.
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Hour)
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	es, err := h.store.Audit(ctx, state.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[state.Kind]bool{}
	for _, e := range es {
		if strings.Contains(e.Detail, "ari:cloud:") || strings.Contains(e.Detail, atlassiantest.SiteMain) {
			t.Errorf("%s %s entry names the product by its ID: %q", e.Kind, e.Outcome, e.Detail)
			continue
		}
		if strings.Contains(e.Detail, "confluence on "+atlassiantest.HostMain) {
			seen[e.Kind] = true
		}
	}
	for _, k := range []state.Kind{state.KindNudge, state.KindAnswer, state.KindApproval, state.KindRelease, state.KindUndo,
		state.KindReminder, state.KindEscalation} {
		if !seen[k] {
			t.Errorf("no %s entry says %q", k, "confluence on "+atlassiantest.HostMain)
		}
	}
}

// TestReleaseNotRequestedNamesTheSite: a Release clicked by someone who
// used the product again is not requested; its entry read "confluence
// release not requested: active again", naming no site.
func TestReleaseNotRequestedNamesTheSite(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	a := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	frances := h.account(t, atlassiantest.ReleaseDirectEmail)
	for i := range frances.Products {
		frances.Products[i].LastActive = h.clock.Now().Add(-time.Hour)
	}
	h.srv.SetUser(frances)
	if err := h.e.Answer(ctx, uFrances, a.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	want := "confluence on " + atlassiantest.HostMain + ": release not requested: " + SkipActiveAgain
	var got []string
	for _, e := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		if e.Kind == state.KindSkip {
			got = append(got, e.Detail)
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("skip entries %q, want [%q]", got, want)
	}
}
