package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestStaleReleaseButtonWordsFitTheClicker: a keep-or-release button past
// ReleaseButtonMaxAge is refused. "Ask an approver" is right for the
// person nudged; it is no help to the approver who clicked Approve, Keep
// or Undo (before, they were told to ask an approver, that is themselves).
// They are told where to act instead, and nothing reaches the flow.
func TestStaleReleaseButtonWordsFitTheClicker(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	seal := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now })
	old := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now.Add(-ReleaseButtonMaxAge - time.Hour) })
	flow := &flowCalls{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{}),
		Release: &KeepRelease{Flow: flow, Seal: seal}})
	for _, tc := range []struct {
		action   string
		approver bool
	}{
		{ActionNudgeKeep, false}, {ActionNudgeRelease, false},
		{ActionReleaseApprove, true}, {ActionReleaseKeep, true}, {ActionReleaseUndo, true},
	} {
		resp, ok := svc.Click(context.Background(), Request{UserID: "U0ADA", ChannelID: "D0ADA"}, tc.action, old.Sign("n1"), nil)
		if !ok || resp.Outcome != OutcomeStale || resp.Mode != Private {
			t.Fatalf("%s: %v %v %v, want a private stale refusal", tc.action, ok, resp.Outcome, resp.Mode)
		}
		txt := resp.Message.Text
		if asks := strings.Contains(txt, "ask an approver"); asks == tc.approver {
			t.Errorf("%s: stale refusal %q (an approver's button: %v)", tc.action, txt, tc.approver)
		}
		if tc.approver && !strings.Contains(txt, "Atlassian Administration") {
			t.Errorf("%s: stale refusal %q does not say where to act instead", tc.action, txt)
		}
	}
	if len(flow.calls) != 0 {
		t.Errorf("stale clicks reached the flow: %v", flow.calls)
	}
}
