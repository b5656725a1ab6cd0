package nudge

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// dieAtApply makes the steps, then ends the goroutine making the release,
// as a replica killed (SIGKILL, the OOM killer) at that moment would: no
// defer of the engine's runs after it.
type dieAtApply struct{ Directory }

func (d dieAtApply) Apply(ctx context.Context, steps ...atlassian.Step) ([]atlassian.Step, error) {
	_, _ = d.Directory.Apply(ctx, steps...)
	runtime.Goexit()
	return nil, nil
}

// TestReleaseOfAKilledReplicaIsSettled: a release whose process died
// between its claim and its record stays "running", with the request
// decided (a second Approve is refused) and nothing to undo. A follow-up
// an hour later settles it as interrupted, audits it and tells the
// approver to check the person in Atlassian Administration; once, however
// many follow-ups.
func TestReleaseOfAKilledReplicaIsSettled(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	r := h.requestFor(t, atlassiantest.ReleaseDirectEmail)
	cfg := h.cfg
	cfg.Directory = dieAtApply{h.client}
	killed := make(chan struct{})
	go func() { defer close(killed); _ = New(cfg).Decide(ctx, "U0APP2", r.ID, true) }()
	<-killed
	if rel, err := h.store.GetRelease(ctx, r.ID); err != nil || rel.State != state.ReleaseRunning {
		t.Fatalf("after the kill: %+v, %v; want running", rel, err)
	}
	results := len(h.notes("result"))
	if err := h.e.FollowUp(ctx); err != nil {
		t.Fatal(err)
	}
	if rel, _ := h.store.GetRelease(ctx, r.ID); rel.State != state.ReleaseRunning {
		t.Fatalf("settled at once, while the release may still be under way elsewhere: %+v", rel)
	}
	h.clock.Add(2 * time.Hour)
	for range 2 {
		if err := h.e.FollowUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rel, err := h.store.GetRelease(ctx, r.ID)
	if err != nil || rel.State != state.ReleaseFailed || !strings.Contains(rel.Detail, "interrupted") {
		t.Fatalf("a release of a killed replica: %+v, %v; want failed, interrupted", rel, err)
	}
	sent := h.notes("result")[results:]
	if len(sent) != 1 || sent[0].To != "U0APP2" || !strings.Contains(sent[0].Note.(Result).Text, "Atlassian Administration") {
		t.Errorf("the approver was told %d times: %+v", len(sent), sent)
	}
	entries, err := h.store.Audit(ctx, state.AuditQuery{Kind: state.KindRelease})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Outcome == state.OutcomeFailed && strings.Contains(e.Detail, "interrupted") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d audit entries for the interrupted release, want 1: %+v", n, entries)
	}
}
