package bot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
	"lastactive/nudge"
)

// planted returns the first of the hostile strings found verbatim in m's
// text or blocks: Slack would read it as a ping, a mention or a link.
func planted(m slacktest.Message, hostile ...string) string {
	var raw strings.Builder
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m.Blocks)
	for _, h := range hostile {
		if strings.Contains(m.Text, h) || strings.Contains(raw.String(), h) {
			return h
		}
	}
	return ""
}

// TestNudgeFallbackTextIsEscaped: a product key and a site ID are whatever
// Atlassian sends. A nudge, the approvers' request and its notification
// text (chat.postMessage's text, which Slack parses as mrkdwn for the
// notification) must not turn them into a @here, a mention or a link.
func TestNudgeFallbackTextIsEscaped(t *testing.T) {
	now := time.Now().UTC()
	org := atlassiantest.SampleOrg(now)
	const hostileKey = "<!here>"
	hostile := []string{hostileKey, "<!channel>"}
	org.Users = append(org.Users, atlassiantest.User{AccountID: "712020:hostile-0001", DisplayName: "Mallory",
		Email: "mallory@example.com", AddedToOrg: now.AddDate(-2, 0, 0),
		Products: []atlassiantest.Product{
			{Key: "confluence", SiteID: "<!channel>", LastActive: now.AddDate(0, 0, -150)},
			{Key: hostileKey, SiteID: atlassiantest.SiteMain, LastActive: now.AddDate(0, 0, -150)},
		}})
	atl := atlassiantest.NewServer(org)
	defer atl.Close()
	fake := slacktest.NewServer(slacktest.WithPingInterval(200 * time.Millisecond))
	defer fake.Close()
	fake.AddUser(slacktest.User{ID: "U0MALLORY", Name: "mallory", Email: "mallory@example.com"})
	app, logs := nudgeApp(t, org, atl, fake, nudge.On, hostileKey)
	ctx, stop := runApp(t, app, fake)
	defer stop()

	if _, err := app.Nudge.Round(ctx, "hostile", false); err != nil {
		t.Fatalf("round: %v\n%s", err, logs.String())
	}
	asks := fake.Messages("U0MALLORY")
	if len(asks) != 1 {
		t.Fatalf("%d nudges for Mallory, want 1\n%s", len(asks), logs.String())
	}
	if c := planted(asks[0], hostile...); c != "" {
		t.Errorf("the nudge opens %q: %q", c, asks[0].Text)
	}
	values := buttonValues(asks[0], bot.ActionNudgeRelease)
	if len(values) != 2 {
		t.Fatalf("%d Release buttons, want 2", len(values))
	}
	for _, v := range values {
		env, err := fake.BlockAction(ctx, slacktest.Action{UserID: "U0MALLORY", ChannelID: "DU0MALLORY", ActionID: bot.ActionNudgeRelease, Value: v})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fake.WaitAck(ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := fake.Wait(ctx, func() bool { return len(fake.Messages(reportUser)) == 2 }); err != nil {
		t.Fatalf("no release request reached the approver: %v\n%s", err, logs.String())
	}
	for _, m := range fake.Messages(reportUser) {
		if c := planted(m, hostile...); c != "" {
			t.Errorf("the release request opens %q: %q", c, m.Text)
		}
	}
}

// buttonValues is the value of every button actionID in m.
func buttonValues(m slacktest.Message, actionID string) []string {
	var out []string
	for _, b := range m.Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el, _ := e.(map[string]any)
			if v, _ := el["value"].(string); el["action_id"] == actionID && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// TestReleaseResultTextIsEscaped: the release result's notification text
// names the product, the person and what Atlassian's answer came to (a
// group's name among it): escaped like its blocks.
func TestReleaseResultTextIsEscaped(t *testing.T) {
	t.Parallel()
	m := bot.RenderNote(nudge.Result{Person: nudge.Person{Email: "a@example.com", Name: "<@U0BOSS>"},
		Item: nudge.Item{Key: "<!channel>", Site: "acme.atlassian.net"}, Text: "left by group <https://evil.example|click>"},
		func(s string) string { return s })
	if c := planted(slacktest.Message{Text: m.Text}, "<!channel>", "<@U0BOSS>", "<https://evil.example|click>"); c != "" {
		t.Errorf("the result's text opens %q: %q", c, m.Text)
	}
}
