package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian"
	"lastactive/seat"
)

// A bug that panics must cost one answer, not the process: every person's
// command in flight, and everyone after, would lose theirs. These fakes
// panic as such a bug would.

type panicTrail struct{}

func (panicTrail) Trail(context.Context, string, time.Time) ([]AuditEvent, error) {
	var m map[string][]AuditEvent
	m["x"] = nil // assignment to entry in nil map
	return nil, nil
}

type panicDirectory struct{}

func (panicDirectory) Resolve(context.Context, string) (atlassian.Account, atlassian.Via, error) {
	var a []atlassian.Account
	return a[3], atlassian.ViaJira, nil // index out of range
}

func (panicDirectory) LastActive(context.Context, string) (*atlassian.Activity, error) {
	panic("unreachable")
}

func (panicDirectory) DirectoryUser(context.Context, string) (atlassian.DirectoryUser, error) {
	panic("unreachable")
}

type panicScanner struct{}

func (panicScanner) Report(context.Context, seat.Options, bool, func()) (*seat.Report, error) {
	panic("scanner bug")
}

func (panicScanner) Progress() (seat.Progress, bool) { return seat.Progress{}, false }

// TestPanicInAnEnvelopeIsAnswered: a command whose handling panics gets
// an apology at its response_url, and the bot answers the next command.
func TestPanicInAnEnvelopeIsAnswered(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{AuditTrail: panicTrail{},
		Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}, PerUserBurst: 1000})})
	u.command(0, "E1", "U1", "audit ada@example.com")
	u.log.waitFor(t, "E1's apology", hasLine("reply /E1 ephemeral new Something went wrong"))
	u.command(0, "E2", "U1", "help")
	u.log.waitFor(t, "E2's reply", hasLine("reply /E2 "))
}

// TestPanicInALookupIsThatPersonsError: a lookup that panics (in the
// shared flight, which x/sync/singleflight would re-panic on a goroutine
// of its own) is that person's error, alone or among several.
func TestPanicInALookupIsThatPersonsError(t *testing.T) {
	svc := NewService(ServiceConfig{Lookups: NewLookups(panicDirectory{}, LookupOptions{TTL: time.Hour}),
		Gate: NewGate(GateConfig{PerUserBurst: 1000}), StillLooking: -1})
	for _, text := range []string{"ada@example.com", "ada@example.com grace@example.com"} {
		r := svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: text}, nil)
		if !strings.Contains(r.Message.Text, "Something went wrong") {
			t.Errorf("%q: %q", text, r.Message.Text)
		}
	}
}

// TestPanicInAReportIsAFailedReport: the report's own goroutine panicking
// fails that report.
func TestPanicInAReportIsAFailedReport(t *testing.T) {
	svc := NewService(ServiceConfig{Scanner: panicScanner{}, Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}, PerUserBurst: 1000}),
		StillLooking: -1})
	r := svc.Answer(context.Background(), Request{UserID: "U1", ChannelID: "C1", Text: "idle"}, nil)
	if r.Outcome != OutcomeFailed {
		t.Errorf("outcome %s: %q", r.Outcome, r.Message.Text)
	}
}
