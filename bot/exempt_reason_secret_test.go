package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestExemptReasonWithAPastedTokenIsRefused: a Slack token or an
// Atlassian key pasted into an exemption's reason by mistake was kept as
// its reason: quoted back in the reply, written to the audit trail and
// shown to every report user by `exempt list`. It is refused without being
// quoted, and nothing is kept; a reason with a long ordinary word or a link
// is kept as before.
func TestExemptReasonWithAPastedTokenIsRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	secrets := []string{
		"xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
		"xoxp-1234567890123-1234567890123-1234567890123-abcdef0123456789",
		"xapp-1-A0TEST-1-1234567890123-abcdef0123456789",
		"ATATT3xFfGF0T4mbiqfe-yl6aM_x1ZKMNKMIOkj2fq4mk3M8e",
	}
	for _, tc := range []struct{ text, secret string }{
		{"exempt ada@example.com confluence on leave %s", ""},
		{"exempt ada@example.com confluence %s on leave until 2027-01-31", ""},
		{"exempt ada@example.com confluence until 2027-01-31 token:%s", ""},
		{"exempt ada@example.com confluence on leave\n%s", ""},
		{"exempt ada@example.com confluence see “%s”", ""},
	} {
		for _, secret := range secrets {
			text := fmt.Sprintf(tc.text, secret)
			store := &memExemptions{}
			sink := &recordingSink{}
			svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
				Exemptions: store, Audit: sink, Now: func() time.Time { return now }})
			r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: text}, nil)
			raw, _ := json.Marshal(r.Message)
			audit, _ := json.Marshal(sink.got)
			if r.Outcome != OutcomeUsage || len(store.m) != 0 {
				t.Errorf("%q: %v, %d kept; want it refused, nothing kept", text, r.Outcome, len(store.m))
			}
			if strings.Contains(string(raw), secret[:12]) || strings.Contains(string(audit), secret[:12]) {
				t.Errorf("%q: the reply or the trail repeats the pasted secret:\n%s\n%s", text, raw, audit)
			}
		}
	}
	// Long words, links and IDs that are no credential are kept.
	for _, reason := range []string{
		"internationalization team, on leave",
		"see https://acme.atlassian.net/browse/HR-1234567890",
		"approved in ticket 550e8400-e29b-41d4-a716-446655440000",
		"xoxo from the team",
	} {
		store := &memExemptions{}
		svc := NewService(ServiceConfig{Lookups: NewLookups(knownDir{}, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"UBOSS"}}),
			Exemptions: store, Now: func() time.Time { return now }})
		r := svc.Answer(context.Background(), Request{UserID: "UBOSS", ChannelID: "C1", Text: "exempt ada@example.com confluence " + reason}, nil)
		if r.Outcome != OutcomeOK || len(store.m) != 1 {
			t.Errorf("reason %q: %v %q, want it kept", reason, r.Outcome, r.Message.Text)
		}
	}
}
