package bot

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestMistypedReportCommandIsRefusedFirst: someone who is not a report user
// and mistypes a report-user command (idle 0, idle with an unknown product,
// audit without an email, digest with arguments, exempt without a reason) is
// told they are not allowed, as they are for the command typed well, and is
// not taught its syntax, its limits or the product keys first. A report user
// still gets the usage.
func TestMistypedReportCommandIsRefusedFirst(t *testing.T) {
	t.Parallel()
	cases := []struct{ text, kind, usage string }{
		{"idle 0", "idle", "idle [DAYS]"},
		{"idle 90 confluenc", "idle", "idle [DAYS]"},
		{"audit", "audit", "audit EMAIL"},
		{"audit not-an-email", "audit", "audit EMAIL"},
		{"digest now", "digest", "digest"},
		{"exempt ada@example.com confluence", "exempt", "exempt EMAIL"},
	}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}}),
		Now: func() time.Time { return idleNow }, IdleDays: 90})
	for _, tc := range cases {
		r := svc.Answer(context.Background(), Request{UserID: "U2", ChannelID: "C1", Text: tc.text}, nil)
		all := strings.Join(allTexts(t, r.Message), "\n")
		if r.Outcome != OutcomeRefused || string(r.Kind) != tc.kind || !strings.Contains(all, "not allowed") {
			t.Errorf("%q from a non-report user: %s %s, want %s refused:\n%s", tc.text, r.Kind, r.Outcome, tc.kind, all)
		}
		if strings.Contains(all, tc.usage) || strings.Contains(all, "jira-software") {
			t.Errorf("%q from a non-report user shows the usage:\n%s", tc.text, all)
		}
		r = svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: tc.text}, nil)
		if r.Outcome != OutcomeUsage {
			t.Errorf("%q from a report user: %s, want usage", tc.text, r.Outcome)
		}
	}
}
