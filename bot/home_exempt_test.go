package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
	"lastactive/seat"
)

// exemptHistory is two scans, the last with exempt seats marked as m says.
func exemptHistory(m state.SnapshotExemptions) []state.Snapshot {
	last := state.Snapshot{Taken: now, IdleDays: 90, Exemptions: m, Rows: []state.SnapshotRow{
		{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Active: 6, Idle: 3, NeverUsed: 1},
		{Product: "jira-software", Site: "acme.atlassian.net", Seats: 20, Active: 15, Idle: 5}}}
	if m == state.ExemptionsMarked {
		last.Rows[0].Exempt, last.Rows[1].Exempt = 2, 1
	}
	return []state.Snapshot{
		{Taken: now.AddDate(0, 0, -7), IdleDays: 90, Rows: []state.SnapshotRow{{Product: "confluence", Site: "acme.atlassian.net", Seats: 9, Idle: 2}}},
		last,
	}
}

// TestRenderHomeMarksExemptSeats: App Home counted seats exempted with
// /lastactive exempt (kept on purpose) among the idle and never-used
// seats unmarked. It now says how many of them are exempt, as the idle
// report and the digest do, each line its own, and says when the scan
// could not read the exemptions; a snapshot that never marked them (made
// before, or without a database of exemptions) says nothing of them.
func TestRenderHomeMarksExemptSeats(t *testing.T) {
	t.Parallel()
	home := RenderHomeReport(HomeFacts{History: exemptHistory(state.ExemptionsMarked), ChartFileID: "F0000CHART"})
	m := Message{Text: "App Home", Blocks: home.Blocks.BlockSet}
	digestGolden(t, "home_report_exempt", m)
	text := strings.Join(allTexts(t, m), "\n")
	for _, want := range []string{
		"*8 idle* · *1 never used*.\n" + EscapeMrkdwn(seat.ExemptSeatsNote(3)),
		"*3 idle* · 1 never used · 0 new · 2 exempt seats",
		"*5 idle* · 0 never used · 0 new · 1 exempt seat",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("App Home with exempt seats lacks %q:\n%s", want, text)
		}
	}
	unread := RenderHomeReport(HomeFacts{History: exemptHistory(state.ExemptionsUnread)})
	text = strings.Join(allTexts(t, Message{Text: "App Home", Blocks: unread.Blocks.BlockSet}), "\n")
	if !strings.Contains(text, ":warning: "+EscapeMrkdwn(seat.ExemptionsUnreadNote)) {
		t.Errorf("App Home of a scan that could not read the exemptions does not say so:\n%s", text)
	}
	before := RenderHomeReport(HomeFacts{History: exemptHistory(state.ExemptionsNotMarked)})
	text = strings.Join(allTexts(t, Message{Text: "App Home", Blocks: before.Blocks.BlockSet}), "\n")
	if strings.Contains(text, "exempt") {
		t.Errorf("App Home of a snapshot that never marked exemptions speaks of them:\n%s", text)
	}
}

// keepReleaseRecords is a KeepReleaseRecords with what keepReleaseFacts
// holds.
type keepReleaseRecords struct{ f *KeepReleaseFacts }

var _ KeepReleaseRecords = keepReleaseRecords{}

func (r keepReleaseRecords) Unanswered(context.Context) ([]state.Nudge, error) {
	return r.f.Pending, nil
}
func (r keepReleaseRecords) PendingRequests(context.Context) ([]state.ReleaseRequest, error) {
	return r.f.Approvals, nil
}
func (r keepReleaseRecords) LastDryRun(context.Context) (state.DryRun, error) {
	return *r.f.DryRun, nil
}

// TestHomeMarksExemptKeepOrRelease: App Home's lists of nudges waiting for
// an answer and of release requests waiting for an approver named a
// person exempted since (kept on purpose) like any other, so an approver
// could release the seat from it. Their rows are now marked "exempt", and
// exemptions that cannot be read are said to be so.
func TestHomeMarksExemptKeepOrRelease(t *testing.T) {
	t.Parallel()
	store := &memExemptions{}
	for _, e := range []Exemption{
		{Email: "ada@example.com", Product: "confluence", Reason: "on leave"},
		{Email: "john@example.com", Product: "confluence", Reason: "on leave"},
		{Email: "frances@example.com", Product: "jira-software", Reason: "another product"},
		{Email: "alan@example.com", Product: "confluence", Until: now, Reason: "ended"},
	} {
		_ = store.PutExemption(context.Background(), e)
	}
	views := &homeViews{}
	svc := NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{ReportUsers: []string{"U1"}}),
		Now: func() time.Time { return now }, Exemptions: store,
		Release: &KeepRelease{Records: keepReleaseRecords{keepReleaseFacts()}, DryRun: true},
		Digests: NewDigests(DigestConfig{Source: storedHistory{h: exemptHistory(state.ExemptionsMarked)}, Home: views})})
	published := func() string {
		t.Helper()
		if err := svc.PublishHome(context.Background(), "U1"); err != nil {
			t.Fatal(err)
		}
		views.mu.Lock()
		defer views.mu.Unlock()
		v := views.views[len(views.views)-1]
		return strings.Join(allTexts(t, Message{Text: "App Home", Blocks: v.Blocks.BlockSet}), "\n")
	}
	text := published()
	for _, c := range []struct {
		row    string
		exempt bool
	}{
		{"<@U0ADA> (ada@example.com) · *Confluence*", true},
		{"<@U0GRACE> (graceˍ∗hopper∗@example.com) · *Jira Software*", false},
		{"john@example.com · *Confluence*", true},
		{"frances@example.com · *Confluence*", false},
		{"Ada Lovelace · <@U0ADA> (ada@example.com): *Confluence* on acme.atlassian.net (last active", true},
		{"Alan &lt;Turing&gt; · <@U0ALAN> (alan@example.com): *Confluence*", false},
	} {
		line := ""
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, c.row) {
				line = l
			}
		}
		if line == "" {
			t.Errorf("App Home has no row %q:\n%s", c.row, text)
			continue
		}
		if got := strings.Contains(line, "exempt"); got != c.exempt {
			t.Errorf("row %q marked exempt %v, want %v", line, got, c.exempt)
		}
	}
	if strings.Contains(text, seat.ExemptionsUnreadNote) {
		t.Errorf("exemptions read, App Home says they could not be:\n%s", text)
	}
	store.mu.Lock()
	store.down = true
	store.mu.Unlock()
	if text = published(); !strings.Contains(text, EscapeMrkdwn(seat.ExemptionsUnreadNote)) {
		t.Errorf("exemptions unreadable, App Home does not say so:\n%s", text)
	}
}
