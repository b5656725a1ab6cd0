package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"lastactive/atlassian"
	"lastactive/internal/state"
	"lastactive/nudge"
)

var (
	homeConfluence = "ari:cloud:confluence::site/" + site1
	homeSites      = atlassian.NewSites([]atlassian.Workspace{{CloudID: site1, Type: "confluence", Host: "acme.atlassian.net"}})
)

// keepReleaseFacts is a report user's view of keep or release: two nudges
// waiting (one reminded), two requests waiting (one asked for, one
// escalated), and the last dry run.
func keepReleaseFacts() *KeepReleaseFacts {
	return &KeepReleaseFacts{
		Sites: homeSites,
		Pending: []state.Nudge{
			{ID: "n1", Email: "ada@example.com", SlackUser: "U0ADA", ProductKey: "confluence", Product: homeConfluence, Asked: now.AddDate(0, 0, -9),
				Reminded: now.AddDate(0, 0, -2)},
			{ID: "n2", Email: "grace_*hopper*@example.com", SlackUser: "U0GRACE", ProductKey: "jira-software", Product: "ari:cloud:jira-software::site/" + site2,
				Asked: now.AddDate(0, 0, -1)},
		},
		Approvals: []state.ReleaseRequest{
			{ID: "r1", Email: "john@example.com", ProductKey: "confluence", Product: homeConfluence, Requester: "U0JOHN", Created: now.AddDate(0, 0, -3)},
			{ID: "r2", Email: "frances@example.com", ProductKey: "confluence", Product: homeConfluence, Created: now.AddDate(0, 0, -1)},
			{ID: "r3", Email: "barbara@example.com", ProductKey: "confluence", Product: homeConfluence, Created: now, SlackAccountGone: true},
		},
		DryRunMode: true,
		DryRun: &state.DryRun{Round: "nudge 2026-11-26T10:00:00Z", At: now.Add(-5 * time.Hour), AskedPeople: 2, Skipped: 3,
			Asked: []state.DryRunAsk{
				{Email: "ada@example.com", Name: "Ada Lovelace", SlackUser: "U0ADA", Items: []state.DryRunItem{
					{ProductKey: "confluence", Site: "acme.atlassian.net", LastActive: now.AddDate(0, 0, -120)},
					{ProductKey: "jira-software", Site: "acme.atlassian.net", LastActive: now.AddDate(0, 0, -95)}}},
				{Email: "alan@example.com", Name: "Alan <Turing>", SlackUser: "U0ALAN", Items: []state.DryRunItem{
					{ProductKey: "confluence", Site: "acme.atlassian.net"}}},
			},
			Skips: []state.DryRunSkip{
				{Email: "leslie@example.com", Name: "Leslie", ProductKey: "confluence", Site: "acme.atlassian.net", Reason: nudge.SkipOrgAdmin},
				{Email: "sophie@example.com", Name: "Sophie", ProductKey: "confluence", Site: "acme.atlassian.net", Reason: nudge.SkipSynced},
				{Email: "edsger@example.com", ProductKey: "confluence", Site: "acme.atlassian.net", Reason: nudge.SkipNoSlack},
			},
			Reasons: map[string]int{nudge.SkipOrgAdmin: 1, nudge.SkipSynced: 1, nudge.SkipNoSlack: 1}},
	}
}

// TestRenderHomeKeepRelease: the goldens of the keep-or-release part of a
// report user's App Home: what waits for an answer, what waits for an
// approver, and, under dry-run, what the last round would have sent and
// whom it skipped and why; and the same with nothing waiting and no dry run
// recorded yet.
func TestRenderHomeKeepRelease(t *testing.T) {
	history := []state.Snapshot{{Taken: now, IdleDays: 90, Rows: []state.SnapshotRow{
		{Product: "confluence", Site: "acme.atlassian.net", Seats: 10, Active: 6, Idle: 3, NeverUsed: 1}}}}
	home := RenderHomeReport(HomeFacts{History: history, KeepRelease: keepReleaseFacts()})
	golden(t, "home_report_keep_release", Message{Text: "App Home", Blocks: home.Blocks.BlockSet})
	all := strings.Join(allTexts(t, Message{Text: "x", Blocks: home.Blocks.BlockSet}), "\n")
	for _, want := range []string{"<@U0ADA>", "acme.atlassian.net", "requested by <@U0JOHN>", "no answer", "Would ask *2 people*",
		"barbara@example.com · *Confluence* on acme.atlassian.net · escalated: their Slack account was deactivated after the nudge",
		"Alan &lt;Turing&gt;", "org admin", "graceˍ∗hopper∗@example.com"} {
		if !strings.Contains(all, want) {
			t.Errorf("home lacks %q:\n%s", want, all)
		}
	}
	quiet := RenderHomeReport(HomeFacts{History: history, KeepRelease: &KeepReleaseFacts{DryRunMode: true}})
	golden(t, "home_report_keep_release_none", Message{Text: "App Home", Blocks: quiet.Blocks.BlockSet})

	on := keepReleaseFacts()
	on.DryRunMode = false
	if s := strings.Join(allTexts(t, Message{Text: "x", Blocks: RenderHomeReport(HomeFacts{KeepRelease: on}).Blocks.BlockSet}), "\n"); strings.Contains(s, "dry run") {
		t.Errorf("with LASTACTIVE_NUDGE=on the home shows a dry run:\n%s", s)
	}
}

// TestRenderHomeKeepReleaseStaysWithinLimits: with thousands waiting and a
// dry run of thousands, the Home tab keeps within Slack's limits (100
// blocks, 3,000 characters a section), shows the first rows of each list
// and counts the rest, including what the dry run's record left out.
func TestRenderHomeKeepReleaseStaysWithinLimits(t *testing.T) {
	f := &KeepReleaseFacts{Sites: homeSites, DryRunMode: true, DryRun: &state.DryRun{Round: "r", At: now, AskedPeople: 5000, Skipped: 9000,
		Reasons: map[string]int{nudge.SkipNoSlack: 6000, nudge.SkipCap: 3000}}}
	for i := range 3000 {
		email := fmt.Sprintf("person%d@example.com", i)
		f.Pending = append(f.Pending, state.Nudge{Email: email, SlackUser: "U0PERSON", ProductKey: "confluence", Product: homeConfluence, Asked: now})
		f.Approvals = append(f.Approvals, state.ReleaseRequest{Email: email, ProductKey: "confluence", Product: homeConfluence, Created: now})
	}
	for i := range nudge.MaxDryRunRows {
		f.DryRun.Asked = append(f.DryRun.Asked, state.DryRunAsk{Email: fmt.Sprintf("p%d@example.com", i), SlackUser: "U0P",
			Items: []state.DryRunItem{{ProductKey: "confluence", Site: "acme.atlassian.net", LastActive: now}}})
		f.DryRun.Skips = append(f.DryRun.Skips, state.DryRunSkip{Email: fmt.Sprintf("s%d@example.com", i), ProductKey: "confluence",
			Site: "acme.atlassian.net", Reason: nudge.SkipNoSlack})
	}
	v := RenderHomeReport(HomeFacts{KeepRelease: f})
	blocks := v.Blocks.BlockSet
	if len(blocks) > 100 {
		t.Fatalf("%d blocks, Slack allows 100 in a Home tab", len(blocks))
	}
	ids := map[string]bool{}
	for _, b := range blocks {
		s, ok := b.(*slack.SectionBlock)
		if !ok {
			continue
		}
		if n := len([]rune(s.Text.Text)); n > maxSectionChars {
			t.Errorf("section %s: %d characters", s.BlockID, n)
		}
		ids[s.BlockID] = true
		lines := strings.Count(s.Text.Text, "\n• ")
		if lines > maxHomeRows {
			t.Errorf("section %s shows %d rows, at most %d", s.BlockID, lines, maxHomeRows)
		}
	}
	all := strings.Join(allTexts(t, Message{Text: "x", Blocks: blocks}), "\n")
	for _, want := range []string{"Waiting for an answer (3,000)", "Waiting for an approver (3,000)", "2,990 more", "4,990 more", "8,990 more",
		"Would ask *5,000 people*", "no Slack user with that email: 6,000"} {
		if !strings.Contains(all, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	for _, id := range []string{"home_nudges", "home_approvals", "home_dry_run", "home_dry_run_skipped"} {
		if !ids[id] {
			t.Errorf("no section %s", id)
		}
	}
}
