package bot

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHomeAskedOnceWhileItSaysNothing: an auth.test that answers but names
// no workspace (nothing to judge by) was asked again for every request
// from Slack. Such an answer now counts as a failure: asked again only
// after homeRetry, and the request served meanwhile, as when Slack fails.
func TestHomeAskedOnceWhileItSaysNothing(t *testing.T) {
	var calls atomic.Int32
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{}), OwnWorkspaceOnly: true,
		Home: func(context.Context) (string, string, error) { calls.Add(1); return "", "", nil }})
	for range 3 {
		r := svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", TeamID: "T0OTHER", Text: "help"}, nil)
		if strings.Contains(r.Message.Text, "not allowed") {
			t.Fatalf("refused while the bot's workspace is unknown: %q", r.Message.Text)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("auth.test asked %d times for 3 requests, want 1", n)
	}
}
