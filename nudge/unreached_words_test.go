package nudge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"lastactive/internal/state"
)

// TestUnreachedNudgeIsNotSaidRefused: a nudge whose post never reached
// Slack (no connection made: refused, no such host, a proxy refusing
// CONNECT) is ErrNotSent since fc94dcb, and its audit entry said "not sent
// (Slack refused it)": an admin reading the trail looked for a scope or a
// blocked DM, where the bot's network was at fault.
func TestUnreachedNudgeIsNotSaidRefused(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	cfg := h.cfg
	cfg.Messages = &failingPosts{recorder: h.msgs, err: fmt.Errorf("%w: slack chat.postMessage: %w", ErrNotSent, dial)}
	sum, err := New(cfg).Round(ctx, "nudge r1", false)
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	for _, sk := range sum.Skipped {
		if sk.Reason != SkipNotSent {
			continue
		}
		for _, e := range h.trail(t, sk.Person.Email) {
			if e.Kind != state.KindNudge || e.Outcome != state.OutcomeFailed {
				continue
			}
			checked++
			if strings.Contains(e.Detail, "Slack refused it") || !strings.Contains(e.Detail, "could not be reached") {
				t.Errorf("the trail says %q of a nudge that never reached Slack", e.Detail)
			}
		}
	}
	if checked == 0 {
		t.Fatalf("no failed nudge in the trail; skipped: %+v", sum.Skipped)
	}
}
