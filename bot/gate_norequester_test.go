package bot

import (
	"bytes"
	"context"
	"testing"
)

// TestNobodyIsNeverAllowed: the socket refuses a request without a user ID
// (TestRequestsWithoutARequesterAreRefused, through the binary); the Gate
// does too, whatever calls the Service: with the allow-lists empty
// (everyone), requester "" was allowed, looked up and rate-limited, and a
// Share was posted "shared by" nobody.
func TestNobodyIsNeverAllowed(t *testing.T) {
	open := NewGate(GateConfig{})
	for _, user := range []string{"", " ", "\t"} {
		if open.Allowed(user, "C1") {
			t.Errorf("Allowed(%q) with empty allow-lists = true", user)
		}
	}
	if !open.Allowed("U1", "C1") {
		t.Errorf("Allowed(U1) with empty allow-lists = false")
	}

	sink := &recordingSink{}
	var logs bytes.Buffer
	svc := auditService(t, sink, nil, &logs)
	ctx := context.Background()
	nobody := Request{ChannelID: "C1"}
	value := auditSigner.Sign(ButtonValue([]string{"ada@example.com"}))
	for name, r := range map[string]Reply{
		"command": svc.Answer(ctx, Request{ChannelID: "C1", Text: "ada@example.com"}, nil),
		"share":   func() Reply { resp, _ := svc.Click(ctx, nobody, ActionShare, value, nil); return resp.Reply }(),
		"refresh": func() Reply { resp, _ := svc.Click(ctx, nobody, ActionRefresh, value, nil); return resp.Reply }(),
		"author":  func() Reply { resp, _ := svc.Shortcut(ctx, nobody, ShortcutAuthor, "UGRACE", nil); return resp.Reply }(),
	} {
		if r.Outcome != OutcomeRefused {
			t.Errorf("%s by nobody: outcome %q, want refused", name, r.Outcome)
		}
	}
	for _, e := range sink.got {
		if e.Outcome != OutcomeRefused {
			t.Errorf("audited %s %s for nobody, want only refusals", e.Action, e.Outcome)
		}
	}
}
