package nudge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// TestRefusedApprovalCopiesAreSentLater: a Release whose approval messages
// Slack all refused (a 429 past the retries at a burst of escalations)
// reaches the approvers at a later follow-up; until then the request waits
// for an approver nobody told, and keeps the person from being asked.
func TestRefusedApprovalCopiesAreSentLater(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	h.releaseWhileSlackRefuses(ctx, t)
	if n := len(h.notes("approval")); n != 0 {
		t.Fatalf("%d approval messages went while Slack refused them", n)
	}
	for range 3 {
		h.clock.Add(24 * time.Hour)
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, p := range h.notes("approval") {
		if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
			n++
		}
	}
	if n == 0 {
		t.Error("Frances's release request never reached an approver: every copy was refused once and never sent again")
	}
}

// refusingTo is a Messenger that Slack refuses for some recipients (an
// approver who left: user_not_found) and counts each try at them.
type refusingTo struct {
	*recorder
	to    map[string]bool
	mu    sync.Mutex
	tries []post
}

func (m *refusingTo) Post(ctx context.Context, to string, n Note) (Ref, error) {
	if m.to[to] {
		m.mu.Lock()
		m.tries = append(m.tries, post{To: to, Note: n})
		m.mu.Unlock()
		return Ref{}, fmt.Errorf("slack chat.postMessage: slack refused the call (user_not_found): %w", ErrNotSent)
	}
	return m.recorder.Post(ctx, to, n)
}

// triesAbout counts the refused tries at sending email's release request.
func (m *refusingTo) triesAbout(email string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, p := range m.tries {
		if a, ok := p.Note.(Approval); ok && a.Person.Email == email {
			n++
		}
	}
	return n
}

// TestApprovalCopyRefusedForAMonthIsLetGo: an approver Slack always
// refuses (they left) is tried once a follow-up, not in a storm, and not
// for ever: once the request is 30 days old it is no longer tried, which
// the audit trail says once. The approvers Slack takes got their copies at
// once, and only once.
func TestApprovalCopyRefusedForAMonthIsLetGo(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	msgs := &refusingTo{recorder: h.msgs, to: map[string]bool{"U0APP2": true}}
	cfg := h.cfg
	cfg.Messages = msgs
	e := New(cfg)
	if err := e.Answer(ctx, uFrances, frances.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	copies := func() map[string]int {
		out := map[string]int{}
		for _, p := range h.notes("approval") {
			if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
				out[p.To]++
			}
		}
		return out
	}
	if got := copies(); got["U0APP1"] != 1 || got["U0APP3"] != 1 || msgs.triesAbout(atlassiantest.ReleaseDirectEmail) != 1 {
		t.Fatalf("at the click: copies %v and %d tries at U0APP2, want one each", got, msgs.triesAbout(atlassiantest.ReleaseDirectEmail))
	}
	runs, atMonth := 0, 0
	for day := 1; day <= 40; day++ {
		h.clock.Add(24 * time.Hour)
		if err := e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
		runs++
		if day == 30 {
			atMonth = msgs.triesAbout(atlassiantest.ReleaseDirectEmail)
		}
	}
	if got := copies(); got["U0APP1"] != 1 || got["U0APP3"] != 1 {
		t.Errorf("after 40 follow-ups the approvers Slack takes have %v copies, want one each", got)
	}
	tries := msgs.triesAbout(atlassiantest.ReleaseDirectEmail)
	if tries < 2 || tries > 1+runs || tries != atMonth {
		t.Errorf("%d tries at the refusing approver over %d daily follow-ups (%d by day 30), want at least one again, one a run at most, and none after 30 days",
			tries, runs, atMonth)
	}
	given := 0
	for _, en := range h.trail(t, atlassiantest.ReleaseDirectEmail) {
		if en.Kind == state.KindEscalation && strings.Contains(en.Detail, "no longer tried") {
			given++
		}
	}
	if given != 1 {
		t.Errorf("the audit trail says %d times that the copy is no longer tried, want once", given)
	}
}

// TestApproverAddedGetsWaitingRequests: an approver added to
// LASTACTIVE_APPROVERS while a request waits gets its copy at the next
// follow-up, once; one removed gets nothing more.
func TestApproverAddedGetsWaitingRequests(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	if err := h.e.Answer(ctx, uFrances, frances.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	before := len(h.notes("approval"))
	cfg := h.cfg
	cfg.Approvers = []string{"U0APP1", "U0APP4"} // APP2 and APP3 left, APP4 came
	e := New(cfg)
	for range 2 {
		if err := e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var to []string
	for _, p := range h.notes("approval")[before:] {
		if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
			to = append(to, p.To)
		}
	}
	if !slices.Equal(to, []string{"U0APP4"}) {
		t.Errorf("after the approvers changed, Frances's request went to %v, want the new approver once", to)
	}
}

// TestRefusedApproverDoesNotHoldOtherCopiesBack: more release requests
// wait than one follow-up resends (maxResends), each missing only the copy
// of an approver Slack always refuses (they left). A newer request whose
// copies Slack refused in a 429 burst must still reach the approvers Slack
// takes at the next follow-ups. Before, every follow-up read the oldest
// requests missing a copy, tried the approver who left on each, and never
// came to the newer one until the older ones were a month old.
func TestRefusedApproverDoesNotHoldOtherCopiesBack(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	created := h.clock.Now().Add(-48 * time.Hour)
	for i := range maxResends + 5 {
		req, _, err := h.store.PutRequest(ctx, state.ReleaseRequest{NudgeID: fmt.Sprintf("old-nudge-%d", i), AccountID: fmt.Sprintf("acc-%d", i),
			Email: fmt.Sprintf("p%d@example.com", i), Product: "ari:cloud:confluence::site/s1", ProductKey: "confluence", Created: created})
		if err != nil {
			t.Fatal(err)
		}
		for _, ap := range []string{"U0APP1", "U0APP3"} {
			if _, err := h.store.PutApprovalMessage(ctx, state.ApprovalMessage{RequestID: req.ID, Approver: ap}); err != nil {
				t.Fatal(err)
			}
			if err := h.store.SetApprovalMessage(ctx, state.ApprovalMessage{RequestID: req.ID, Approver: ap, Channel: "D" + ap, TS: fmt.Sprintf("1.%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg, _ := h.releaseWhileSlackRefuses(ctx, t)
	cfg.Messages = &refusingTo{recorder: h.msgs, to: map[string]bool{"U0APP2": true}}
	e := New(cfg)
	for range 3 {
		h.clock.Add(24 * time.Hour)
		if err := e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]int{}
	for _, p := range h.notes("approval") {
		if p.Note.(Approval).Person.Email == atlassiantest.ReleaseDirectEmail {
			got[p.To]++
		}
	}
	if got["U0APP1"] != 1 || got["U0APP3"] != 1 {
		t.Errorf("after 3 follow-ups Frances's request reached %v, want U0APP1 and U0APP3 once each", got)
	}
}

// releaseWhileSlackRefuses has Frances answer Release while Slack refuses
// every post (a 429 past the retries): her request is stored and its
// approval copies are not sent. It returns the engine's config as used,
// and her nudge.
func (h *harness) releaseWhileSlackRefuses(ctx context.Context, t *testing.T) (Config, Ask) {
	t.Helper()
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	cfg := h.cfg
	cfg.Messages = &failingPosts{recorder: h.msgs, err: fmt.Errorf("slack chat.postMessage: slack is rate limiting the bot (HTTP 429): %w", ErrNotSent)}
	if err := New(cfg).Answer(ctx, uFrances, frances.Items[0].NudgeID, false); err != nil {
		t.Fatal(err)
	}
	return cfg, frances
}
