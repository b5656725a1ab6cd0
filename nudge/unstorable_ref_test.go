package nudge

import (
	"context"
	"fmt"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/internal/state"
)

// nulRefTo is a Messenger whose post answer, for some recipients, names a
// channel holding a NUL (a broken or hostile Slack answer).
type nulRefTo struct {
	*recorder
	to map[string]bool
}

func (m *nulRefTo) Post(ctx context.Context, to string, n Note) (Ref, error) {
	ref, err := m.recorder.Post(ctx, to, n)
	if m.to[to] {
		ref.Channel += "\x00"
	}
	return ref, err
}

// textOnly is a Store that refuses a NUL in a message's channel or ts, as
// PostgreSQL does (22021).
type textOnly struct{ Store }

func (s textOnly) SetApprovalMessage(ctx context.Context, m state.ApprovalMessage) error {
	if !state.Storable(m.Channel, m.TS) {
		return fmt.Errorf("store approval message: invalid byte sequence for encoding \"UTF8\": 0x00")
	}
	return s.Store.SetApprovalMessage(ctx, m)
}

// TestApprovalCopyAnswerUnstorable: the copy to one approver went out, but
// Slack's answer names a channel no row can hold. The copies to the other
// approvers still go, and the Release click is not answered with a failure.
func TestApprovalCopyAnswerUnstorable(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	if _, err := h.e.Round(ctx, "nudge r1", false); err != nil {
		t.Fatal(err)
	}
	frances := h.askOf(t, atlassiantest.ReleaseDirectEmail)
	cfg := h.cfg
	cfg.Messages = &nulRefTo{recorder: h.msgs, to: map[string]bool{"U0APP2": true}}
	cfg.Store = func() Store { return textOnly{h.store} }
	if err := New(cfg).Answer(ctx, uFrances, frances.Items[0].NudgeID, false); err != nil {
		t.Errorf("Release click: %v", err)
	}
	got := map[string]int{}
	for _, p := range h.notes("approval") {
		got[p.To]++
	}
	if got["U0APP1"] != 1 || got["U0APP2"] != 1 || got["U0APP3"] != 1 {
		t.Errorf("approval copies %v, want one to each approver", got)
	}
}
