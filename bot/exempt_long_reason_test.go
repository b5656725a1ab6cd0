package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestExemptConfirmationKeepsALongReasonAndItsNote: the reply to an
// exemption was one notice escaped whole, and EscapeMrkdwn cuts anything
// past 500 characters: a reason near its 300 allowed cut the reply short,
// so "Reason kept:" showed a reason that was not the one kept, and the
// note that nobody in the organisation has the address (a typo?) was lost
// entirely, the one thing the report user had to read. The whole reason
// and the note are shown, within Slack's limits.
func TestExemptConfirmationKeepsALongReasonAndItsNote(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := &memExemptions{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
		Exemptions: store, Now: func() time.Time { return now }})
	reason := strings.TrimSpace(strings.Repeat("on parental leave & back in spring ", 8)) + " then part-time" // 293 characters
	r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1",
		Text: "exempt ada@examp1e.com confluence jira jira-service-desk until 2027-03-31 " + reason}, nil)
	if r.Outcome != OutcomeOK || len(store.m) != 3 {
		t.Fatalf("%v, %d stored; want 3 kept", r.Outcome, len(store.m))
	}
	if got := store.m[[2]string{"ada@examp1e.com", "confluence"}].Reason; got != reason {
		t.Fatalf("stored reason %q, want %q", got, reason)
	}
	mustCheck(t, r.Message)
	text := blocksText(t, r.Message)
	if !strings.Contains(text, EscapeMrkdwn(reason)) {
		t.Errorf("the reply does not show the whole reason kept:\n%s", text)
	}
	if !strings.Contains(text, "nobody in this organisation has that address now (a typo?). The exemption is kept, and holds if someone with it joins.") {
		t.Errorf("the reply lost the note that nobody has the address:\n%s", text)
	}
}
