package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"lastactive/internal/state"
	"lastactive/nudge"
)

// flowCalls is a ReleaseFlow that records its calls and refuses as told.
type flowCalls struct {
	mu     sync.Mutex
	calls  []string
	refuse string
}

var _ ReleaseFlow = (*flowCalls)(nil)

func (f *flowCalls) record(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
	if f.refuse != "" {
		return &nudge.Refused{Text: f.refuse}
	}
	return nil
}

func (f *flowCalls) Answer(_ context.Context, user, id string, keep bool) error {
	return f.record("answer " + user + " " + id + map[bool]string{true: " keep", false: " release"}[keep])
}

func (f *flowCalls) Decide(_ context.Context, user, id string, approve bool) error {
	return f.record("decide " + user + " " + id + map[bool]string{true: " approve", false: " keep"}[approve])
}

func (f *flowCalls) Undo(_ context.Context, user, id string) error {
	return f.record("undo " + user + " " + id)
}

// TestReleaseButtons: each keep-or-release button reaches the flow with the
// ID its sealed value carries; a forged, re-signed or stale value is
// refused privately and reaches nothing; the flow's refusal is shown to the
// clicker.
func TestReleaseButtons(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	seal := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now })
	flow := &flowCalls{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{AllowedUsers: []string{"U0OTHER"}}),
		Release: &KeepRelease{Flow: flow, Seal: seal}})
	ctx := context.Background()
	// Not on the allow-list: nudged people need not be.
	req := Request{UserID: "U0ADA", ChannelID: "D0ADA"}
	for _, tc := range []struct{ action, want string }{
		{ActionNudgeKeep, "answer U0ADA n1 keep"},
		{ActionNudgeRelease, "answer U0ADA n1 release"},
		{ActionReleaseApprove, "decide U0ADA n1 approve"},
		{ActionReleaseKeep, "decide U0ADA n1 keep"},
		{ActionReleaseUndo, "undo U0ADA n1"},
	} {
		flow.calls = nil
		resp, ok := svc.Click(ctx, req, tc.action, seal.Sign("n1"), nil)
		if ok || len(flow.calls) != 1 || flow.calls[0] != tc.want {
			t.Errorf("%s: reply %v (%+v), calls %v; want no reply and %q", tc.action, ok, resp, flow.calls, tc.want)
		}
	}
	old := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now.Add(-ReleaseButtonMaxAge - time.Hour) })
	for _, tc := range []struct {
		name, value string
		want        Outcome
	}{
		{"forged", "n1~1764583200~AAAAAAAAAAAAAAAAAAAAAA", OutcomeForged},
		{"other key", NewButtonSigner("other", ReleaseButtonMaxAge, nil).Sign("n1"), OutcomeForged},
		{"plain", "n1", OutcomeForged},
		{"stale", old.Sign("n1"), OutcomeStale},
	} {
		flow.calls = nil
		resp, ok := svc.Click(ctx, req, ActionReleaseApprove, tc.value, nil)
		if !ok || resp.Outcome != tc.want || resp.Mode != Private || len(flow.calls) != 0 {
			t.Errorf("%s: %v %v %v, calls %v", tc.name, ok, resp.Outcome, resp.Mode, flow.calls)
		}
	}
	flow.refuse = "You asked for this release, so another approver decides it."
	resp, ok := svc.Click(ctx, req, ActionReleaseApprove, seal.Sign("r1"), nil)
	if !ok || resp.Outcome != OutcomeRefused || resp.Message.Text != flow.refuse {
		t.Errorf("refusal: %v %+v", ok, resp)
	}
}

// failingFlow is a ReleaseFlow whose every call fails as a database outage would.
type failingFlow struct{}

func (failingFlow) Answer(context.Context, string, string, bool) error { return errors.New("db down") }
func (failingFlow) Decide(context.Context, string, string, bool) error { return errors.New("db down") }
func (failingFlow) Undo(context.Context, string, string) error         { return errors.New("db down") }

// TestFailedReleaseClicksAreAudited: a keep-or-release click that fails
// (the database or Atlassian unavailable) or reaches a bot where keep or
// release is not set up says so privately and leaves an entry in the audit
// trail with who clicked what: a click on someone's seat that did nothing
// is not only a log line.
func TestFailedReleaseClicksAreAudited(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	seal := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now })
	for _, tc := range []struct {
		name    string
		release *KeepRelease
	}{
		{"flow fails", &KeepRelease{Flow: failingFlow{}, Seal: seal}},
		{"not set up", nil},
	} {
		sink := &recordingSink{}
		svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{}),
			Release: tc.release, Audit: sink, Now: func() time.Time { return now }})
		resp, ok := svc.Click(context.Background(), Request{UserID: "U0ADA", ChannelID: "D0ADA"}, ActionReleaseApprove, seal.Sign("r1"), nil)
		if !ok || resp.Outcome != OutcomeFailed || resp.Mode != Private {
			t.Errorf("%s: reply %v %v %v; want a private failure", tc.name, ok, resp.Outcome, resp.Mode)
		}
		sink.mu.Lock()
		got := sink.got
		sink.mu.Unlock()
		// An approval that failed, not a refusal: nothing refused the clicker.
		if len(got) != 1 || got[0].Actor != "U0ADA" || got[0].Outcome != OutcomeFailed || got[0].Action != AuditAction(state.KindApproval) ||
			!strings.Contains(got[0].Detail, ActionReleaseApprove) {
			t.Errorf("%s: audit trail %+v; want one failed approval by U0ADA naming %s", tc.name, got, ActionReleaseApprove)
		}
	}
}

// unsentFlow is a ReleaseFlow whose release is made but whose result
// message Slack refused: it hands the result back.
type unsentFlow struct{}

func (unsentFlow) Answer(context.Context, string, string, bool) error { return nil }
func (unsentFlow) Decide(context.Context, string, string, bool) error {
	return &nudge.Unsent{Note: nudge.Result{ReleaseID: "r1", Person: nudge.Person{Email: "ada@example.com"}, Item: nudge.Item{Key: "confluence", Site: "acme.atlassian.net"},
		Text: "released: direct role revoked; read back, the seat is free", Undo: true}}
}
func (unsentFlow) Undo(context.Context, string, string) error { return nil }

// TestRefusedResultIsShownPrivately: an approval whose result message
// Slack refused is answered privately with that result and its Undo,
// not with "That did not work" about a release that was made.
func TestRefusedResultIsShownPrivately(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	seal := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now })
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{}),
		Release: &KeepRelease{Flow: unsentFlow{}, Seal: seal}, Now: func() time.Time { return now }})
	resp, ok := svc.Click(context.Background(), Request{UserID: "U0APP1", ChannelID: "D0APP1"}, ActionReleaseApprove, seal.Sign("r1"), nil)
	if !ok || resp.Outcome != OutcomeOK || resp.Mode != Private || !strings.Contains(resp.Message.Text, "the seat is free") {
		t.Fatalf("reply %v %v %v %q; want the result, privately", ok, resp.Outcome, resp.Mode, resp.Message.Text)
	}
	if raw, _ := json.Marshal(resp.Message.Blocks); !strings.Contains(string(raw), ActionReleaseUndo) {
		t.Errorf("the private result has no Undo button")
	}
}

// TestUndeliveredPrivateResultIsTheApproval: when the private copy of an
// approval's result (Slack refused the result message) does not reach
// Slack either, the trail's undelivered entry is the approval's, not a
// refusal of a release that was made.
func TestUndeliveredPrivateResultIsTheApproval(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	seal := NewButtonSigner("secret", ReleaseButtonMaxAge, func() time.Time { return now })
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{}),
		Release: &KeepRelease{Flow: unsentFlow{}, Seal: seal}, Audit: sink, Now: func() time.Time { return now }})
	req := Request{UserID: "U0APP1", ChannelID: "D0APP1"}
	resp, _ := svc.Click(context.Background(), req, ActionReleaseApprove, seal.Sign("r1"), nil)
	svc.UndeliveredAs(resp.Audited, req, resp.Reply)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.got) != 1 || sink.got[0].Action != AuditAction(state.KindApproval) || sink.got[0].Outcome != OutcomeUndelivered {
		t.Errorf("audit trail %+v; want one undelivered approval", sink.got)
	}
}
