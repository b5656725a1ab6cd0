package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestExemptRemoveSaysWhatWasNotExempt: `exempt remove` of several
// products, some of which had no exemption, said only "may be nudged
// again about Jira", leaving the asker to think the others were removed
// too (or to wonder); it says which had none. The audit entry says both.
func TestExemptRemoveSaysWhatWasNotExempt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := &memExemptions{}
	sink := &recordingSink{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: store, Audit: sink, Now: func() time.Time { return now }})
	ctx := context.Background()
	ask := func(text string) Reply {
		return svc.Answer(ctx, Request{UserID: "UBOSS", ChannelID: "C1", Text: text}, nil)
	}
	if r := ask("exempt ada@example.com jira on leave"); r.Outcome != OutcomeOK {
		t.Fatalf("add: %v %q", r.Outcome, r.Message.Text)
	}
	r := ask("exempt remove ada@example.com jira trello")
	if r.Outcome != OutcomeOK || len(store.m) != 0 {
		t.Fatalf("remove: %v, %d left", r.Outcome, len(store.m))
	}
	for _, want := range []string{"may be nudged again about Jira", "no exemption for Trello"} {
		if !strings.Contains(r.Message.Text, want) {
			t.Errorf("reply %q does not say %q", r.Message.Text, want)
		}
	}
	if last := sink.got[len(sink.got)-1]; last.Detail != "removed: jira-software; none for trello" {
		t.Errorf("audit detail %q", last.Detail)
	}
}
