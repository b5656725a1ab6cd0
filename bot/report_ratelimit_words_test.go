package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/seat"
)

// TestRateLimitedReportSaysReports: a report user past their rate limit
// who asks for an idle report was told "You have asked about many people
// in a short time", the lookup's words, though they asked about nobody
// (a report spends a token of the same allowance as a lookup). The reply
// says it was a report, and that lookups and reports share the limit.
func TestRateLimitedReportSaysReports(t *testing.T) {
	t.Parallel()
	scanner := seat.NewScanner(seat.ScanConfig{Dir: atlassiantest.OrgUserList(smallOrg()), Now: func() time.Time { return idleNow }})
	defer scanner.Close()
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}),
		Gate:    NewGate(GateConfig{ReportUsers: []string{"U1"}, PerUserBurst: 1, PerUserEvery: time.Hour, Now: func() time.Time { return idleNow }}),
		Scanner: scanner, Now: func() time.Time { return idleNow }, IdleDays: 90, Files: &fakeFiles{}})
	ctx := context.Background()
	if r := svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "idle"}, nil); r.Outcome != OutcomeOK {
		t.Fatalf("first report: %q\n%s", r.Outcome, r.Message.Text)
	}
	r := svc.Answer(ctx, Request{UserID: "U1", ChannelID: "C1", Text: "idle"}, nil)
	if r.Outcome != OutcomeRateLimited {
		t.Fatalf("second report: %q, want rate_limited", r.Outcome)
	}
	all := strings.Join(allTexts(t, r.Message), "\n")
	if strings.Contains(all, "many people") || !strings.Contains(all, "report") {
		t.Errorf("a rate-limited report is worded as a lookup:\n%s", all)
	}
	if !strings.Contains(all, "Try again in") {
		t.Errorf("the reply does not say when to try again:\n%s", all)
	}
}
