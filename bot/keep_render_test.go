package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lastactive/internal/state"
	"lastactive/nudge"
)

// TestRenderKeepOrRelease: the nudge, its reminder and answered form, the
// approval open and decided, and the results, against their goldens (and
// Block Kit's limits, through golden's checks).
func TestRenderKeepOrRelease(t *testing.T) {
	seal := func(v string) string { return "sealed:" + v }
	last := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	person := nudge.Person{AccountID: "acc-1", Email: "frances@example.com", Name: "Frances <Allen>", SlackUser: "U0FRANCES"}
	items := []nudge.Item{
		{NudgeID: "n1", Key: "confluence", ProductID: "ari:cloud:confluence::site/s1", Site: "acme.atlassian.net", LastActive: last},
		{NudgeID: "n2", Key: "jira-software", ProductID: "ari:cloud:jira-software::site/s1", Site: "acme.atlassian.net", LastActive: last.AddDate(0, -1, 0)},
	}
	answered := append([]nudge.Item(nil), items...)
	answered[0].Answer, answered[1].Answer = "keep", "release"
	approval := nudge.Approval{RequestID: "r1", Person: person, Item: items[0], Grant: "by group confluence-users", MonthlySaving: 6.05,
		HasPrice: true, Currency: "USD", Requester: "U0FRANCES"}
	decided := approval
	decided.DecidedBy, decided.Decision = "U0APP2", "approve"
	escalated := approval
	escalated.Requester, escalated.HasPrice = "", false
	unreachable := escalated
	unreachable.Unreachable = true
	for _, tc := range []struct {
		name string
		note nudge.Note
		want []string // in the blocks
	}{
		{"nudge", nudge.Ask{Person: person, Items: items, Contact: "U0APP1,U0APP2"}, []string{ActionNudgeKeep, ActionNudgeRelease, "sealed:n2",
			"<!date^1782993600^{date_short_pretty}|2026-07-02>", "<@U0APP1>, <@U0APP2>", "acme.atlassian.net"}},
		{"nudge_reminder", nudge.Ask{Person: person, Items: items[:1], Reminder: true}, []string{"Reminder:", "your Slack admins"}},
		{"nudge_answered", nudge.Ask{Person: person, Items: answered}, []string{"Kept, thank you", "Release requested"}},
		{"release_request", approval, []string{ActionReleaseApprove, ActionReleaseKeep, "sealed:r1", "USD 6.05", "Requested by <@U0FRANCES>",
			"Frances &lt;Allen&gt;"}},
		{"release_request_escalated", escalated, []string{"No answer after a nudge and a reminder"}},
		{"release_request_unreachable", unreachable, []string{"Their Slack account was deactivated after the nudge"}},
		{"release_request_decided", decided, []string{"<@U0APP2> approved the release"}},
		{"release_result", nudge.Result{ReleaseID: "r1", Person: person, Item: items[0], Undo: true,
			Text: "released: removed from group confluence-users; read back, the seat is free", AdminURL: "https://admin.atlassian.com/o/org/users/acc-1"},
			[]string{ActionReleaseUndo, "sealed:r1", "https://admin.atlassian.com/o/org/users/acc-1"}},
		{"release_refused", nudge.Result{ReleaseID: "r2", Person: person, Item: items[0],
			Text: "refused: the account is managed by an identity provider", AdminURL: "https://admin.atlassian.com/o/org/users/acc-1"},
			[]string{"identity provider"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := RenderNote(tc.note, seal)
			golden(t, tc.name, m)
			js := blocksText(t, m)
			for _, w := range tc.want {
				if !strings.Contains(js, w) {
					t.Errorf("blocks lack %q", w)
				}
			}
			if tc.name == "release_request_decided" || tc.name == "nudge_answered" || tc.name == "release_refused" {
				for _, a := range []string{ActionReleaseApprove, ActionNudgeKeep, ActionReleaseUndo} {
					if strings.Contains(js, a) {
						t.Errorf("a closed message still has %s", a)
					}
				}
			}
		})
	}
}

// TestAskWithTheMostItemsFitsSlack: the largest nudge the engine sends
// (nudge.MaxAskItems products, each with long names) stays within Slack's
// 50 blocks per message, as a reminder too.
func TestAskWithTheMostItemsFitsSlack(t *testing.T) {
	var items []nudge.Item
	for i := range nudge.MaxAskItems {
		items = append(items, nudge.Item{NudgeID: fmt.Sprintf("n%d", i), Key: "jira-service-management",
			ProductID: fmt.Sprintf("ari:cloud:jira-servicedesk::site/%d", i), Site: fmt.Sprintf("very-long-subsidiary-name-%02d.atlassian.net", i),
			LastActive: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	for _, reminder := range []bool{false, true} {
		m := renderAsk(nudge.Ask{Person: nudge.Person{Name: "Ada"}, Items: items, Reminder: reminder}, func(s string) string { return s })
		if n := len(m.Blocks); n > 50 {
			t.Errorf("reminder %v: %d blocks, Slack takes 50", reminder, n)
		}
	}
}

// TestReleaseRequestSavingInTheCurrencysUnits: the saving an approver reads
// uses the currency's minor units, as every other cost does (seat.Money):
// not JPY 860.00, sen nobody pays, nor KWD 1.23, a fils short.
func TestReleaseRequestSavingInTheCurrencysUnits(t *testing.T) {
	for _, tc := range []struct {
		currency string
		saving   float64
		want     string
	}{
		{"JPY", 860, "JPY 860 a month"},
		{"KWD", 1.234, "KWD 1.234 a month"},
		{"USD", 1234.5, "USD 1,234.50 a month"},
	} {
		a := nudge.Approval{RequestID: "r1", Person: nudge.Person{AccountID: "acc-1", Email: "a@example.com"}, MonthlySaving: tc.saving,
			HasPrice: true, Currency: tc.currency}
		if js := blocksText(t, RenderNote(a, func(v string) string { return v })); !strings.Contains(js, tc.want) {
			t.Errorf("%s %v: the request lacks %q: %s", tc.currency, tc.saving, tc.want, js)
		}
	}
}

// TestDecidedCopyWithoutItsGrantSaysNothingOfIt: a copy closed by the
// decision is rebuilt from the request, which does not keep how the access
// was given; it read "Access given: –", as if the access had been given by
// nothing. It leaves the line out; an open copy whose grant is unknown
// still says so.
func TestDecidedCopyWithoutItsGrantSaysNothingOfIt(t *testing.T) {
	seal := func(v string) string { return "sealed:" + v }
	a := nudge.Approval{RequestID: "r1", Person: nudge.Person{Email: "frances@example.com"},
		Item: nudge.Item{Key: "confluence"}, Requester: "U0FRANCES", DecidedBy: "U0APP2", Decision: "approve"}
	if js := blocksText(t, RenderNote(a, seal)); strings.Contains(js, "Access given") {
		t.Errorf("a decided copy without its grant says how access was given:\n%s", js)
	}
	a.DecidedBy, a.Decision = "", ""
	if js := blocksText(t, RenderNote(a, seal)); !strings.Contains(js, "Access given: –") {
		t.Errorf("an open copy without its grant does not say it is unknown:\n%s", js)
	}
}

// TestEverySettledNudgeLosesItsButtons: each way a nudge ends has its own
// line and no Keep or Release left; an org admin or a synced account (the
// follow-up closes those now) kept live buttons, their settled value
// unknown to the message.
func TestEverySettledNudgeLosesItsButtons(t *testing.T) {
	seal := func(v string) string { return "sealed:" + v }
	for _, settled := range []string{state.SettledReleased, state.SettledApproved, state.SettledKept, state.SettledUsed,
		state.SettledRestored, state.SettledGone, state.SettledOrgAdmin, state.SettledSynced, state.SettledExpired} {
		t.Run(settled, func(t *testing.T) {
			it := nudge.Item{NudgeID: "n1", Key: "confluence", Site: "acme.atlassian.net", Settled: settled}
			if askOutcome(it) == "" {
				t.Fatalf("no line says how it ended")
			}
			js := blocksText(t, RenderNote(nudge.Ask{Person: nudge.Person{Email: "frances@example.com"}, Items: []nudge.Item{it}}, seal))
			if strings.Contains(js, ActionNudgeKeep) || strings.Contains(js, ActionNudgeRelease) {
				t.Errorf("settled %q still offers Keep or Release", settled)
			}
		})
	}
}

// TestExpiredRequestCopySaysNobodyDecided: a request closed because nobody
// decided in time says so on every approver's copy, with no buttons, and
// names no approver (it read "<@(nobody: expired)> kept the seat").
func TestExpiredRequestCopySaysNobodyDecided(t *testing.T) {
	seal := func(v string) string { return "sealed:" + v }
	a := nudge.Approval{RequestID: "r1", Person: nudge.Person{Email: "frances@example.com"},
		Item:      nudge.Item{NudgeID: "n1", Key: "confluence", Site: "acme.atlassian.net"},
		DecidedBy: state.ExpiredBy, Decision: state.DecisionExpired}
	m := RenderNote(a, seal)
	js := blocksText(t, m)
	for _, s := range []string{js, m.Text} {
		if strings.Contains(s, "<@") || !strings.Contains(s, "Nobody decided") {
			t.Errorf("expired copy reads %s; want it to say nobody decided, naming nobody", s)
		}
	}
	if strings.Contains(js, ActionReleaseApprove) || strings.Contains(js, ActionReleaseKeep) {
		t.Error("expired copy still offers Approve or Keep")
	}
}

// TestAskFallbackStaysWithinBudget: the nudge's plain text (notifications,
// screen readers) named every product and site whole, so 20 products whose
// key and site are each some 200 characters made about 16,000 characters,
// four times the 4,000 checkLimits allows. Names are cut as replies cut
// them, and the text is held to maxTextRunes, the other fallbacks' bound,
// saying how many more it leaves out; open, answered and reminded alike.
func TestAskFallbackStaysWithinBudget(t *testing.T) {
	var items []nudge.Item
	for i := range nudge.MaxAskItems {
		items = append(items, nudge.Item{NudgeID: fmt.Sprintf("n%d", i), Key: fmt.Sprintf("product-%02d-%s", i, strings.Repeat("k", 190)),
			ProductID: fmt.Sprintf("ari:cloud:x::site/%d", i), Site: fmt.Sprintf("site-%02d-%s.atlassian.net", i, strings.Repeat("s", 180)),
			LastActive: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	answered := append([]nudge.Item(nil), items...)
	for i := range answered {
		if i%2 == 0 {
			answered[i].Answer = state.AnswerKeep
		}
	}
	for _, tc := range []struct {
		name string
		ask  nudge.Ask
	}{
		{"open", nudge.Ask{Items: items}},
		{"reminder", nudge.Ask{Items: items, Reminder: true}},
		{"half answered", nudge.Ask{Items: answered}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := renderAsk(tc.ask, func(s string) string { return s })
			if err := checkLimits(m); err != nil {
				t.Errorf("%v (fallback %d runes)", err, len([]rune(m.Text)))
			}
			if n := len([]rune(m.Text)); n > maxTextRunes {
				t.Errorf("fallback %d runes, more than maxTextRunes %d", n, maxTextRunes)
			}
			if !strings.Contains(m.Text, "product-00") {
				t.Errorf("the fallback no longer names the first product: %.200s", m.Text)
			}
		})
	}
}
