package bot_test

import (
	"regexp"
	"strings"
	"testing"

	"lastactive/atlassian/atlassiantest"
	"lastactive/bot"
	"lastactive/bot/slacktest"
)

var dateTokenRe = regexp.MustCompile(`<!date\^[0-9]+\^\{date_short_pretty\}\|[0-9]{4}-[0-9]{2}-[0-9]{2}>`)

// TestLookupWithoutJira: with JIRA_* unset a lookup costs no Jira call, one
// exact-email search, the last-active pages, and (once for the process)
// the workspaces read that names the sites.
func TestLookupWithoutJira(t *testing.T) {
	h := startBot(t, harnessOpts{noJira: true})
	ada := h.user("ada@example.com")
	r := h.ask("U1", "C1", "ada@example.com")
	got := text(r)
	for _, want := range []string{ada.DisplayName, atlassiantest.HostMain, "Last active anywhere", "account active", "Data as of <!date^"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
	if !dateTokenRe.MatchString(got) {
		t.Errorf("reply has no date token:\n%s", got)
	}
	if strings.Contains(r.Text, "<!date") {
		t.Errorf("the plain text fallback has a date token: %q", r.Text)
	}
	pages := (len(ada.Products) + 1) / 2
	for ep, want := range map[atlassiantest.Endpoint]int{
		atlassiantest.EndpointJiraSearch:  0,
		atlassiantest.EndpointEmailSearch: 1,
		atlassiantest.EndpointLastActive:  pages,
	} {
		if n := h.atl.CountEndpoint(ep); n != want {
			t.Errorf("%s: %d requests, want %d", ep, n, want)
		}
	}
	if h.jiraCalls() != 0 {
		t.Errorf("%d Jira calls without Jira", h.jiraCalls())
	}
	workspaces := h.atl.CountEndpoint(atlassiantest.EndpointWorkspaces)
	if workspaces == 0 {
		t.Fatal("sites were not read")
	}

	// The next person reuses the sites; a suspended account is not idle.
	r = h.ask("U1", "C1", "edsger@example.com")
	if n := h.atl.CountEndpoint(atlassiantest.EndpointWorkspaces); n != workspaces {
		t.Errorf("a second lookup read the workspaces again (%d requests, was %d)", n, workspaces)
	}
	if got := text(r); !strings.Contains(got, "Account suspended") || strings.Contains(got, "· idle") {
		t.Errorf("a suspended account must say so and not be called idle:\n%s", got)
	}
}

// TestJiraFallbackFindsHedy: Jira cannot see Hedy; the Admin exact-email
// search finds her, and her site is named by its host.
func TestJiraFallbackFindsHedy(t *testing.T) {
	h := startBot(t, harnessOpts{})
	r := h.ask("U1", "C1", "hedy@example.com")
	got := text(r)
	if !strings.Contains(got, "Hedy Lamarr") || !strings.Contains(got, atlassiantest.HostSecond) {
		t.Errorf("reply lacks Hedy or her site:\n%s", got)
	}
	if n := h.atl.CountEndpoint(atlassiantest.EndpointJiraSearch); n != 1 {
		t.Errorf("Jira searches = %d, want 1", n)
	}
	if n := h.atl.CountEndpoint(atlassiantest.EndpointEmailSearch); n != 1 {
		t.Errorf("exact-email searches = %d, want 1", n)
	}
	if b := buttons(t, r); b[bot.ActionShare] == nil {
		t.Errorf("an answer must be shareable")
	}
}

// TestChooseOneOfSeveralAccounts: an email with two accounts lists both
// with links and a This one button each; a click answers for that account
// in place of the list; a tampered value is refused at no upstream cost.
func TestChooseOneOfSeveralAccounts(t *testing.T) {
	h := startBot(t, harnessOpts{})
	r := h.ask("U1", "C1", "sam@example.com")
	btn := buttons(t, r)
	if btn[bot.ActionShare] != nil {
		t.Errorf("a list of candidates must not carry Share")
	}
	var pick map[string]any
	for id, b := range btn {
		if bot.IsChooseAction(id) && strings.Contains(b["text"].(map[string]any)["text"].(string), "contractor") {
			pick = b
			pick["action_id"] = id
		}
	}
	if pick == nil {
		t.Fatalf("no This one button for the contractor: %v", btn)
	}
	if got := text(r); strings.Count(got, "https://admin.atlassian.com/o/"+h.org.ID+"/users/") < 2 {
		t.Errorf("candidates are not linked:\n%s", got)
	}
	value := pick["value"].(string)
	if !strings.Contains(value, "~") {
		t.Errorf("This one value is not sealed: %q", value)
	}

	jira := h.jiraCalls()
	replies := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: pick["action_id"].(string), Value: value})
	got := text(replies[0])
	if !replies[0].ReplaceOriginal || !strings.Contains(got, "Sam Rivera (contractor)") || !strings.Contains(got, "Confluence") {
		t.Errorf("choice reply (replace_original=%v):\n%s", replies[0].ReplaceOriginal, got)
	}
	if h.jiraCalls() != jira {
		t.Errorf("a choice searched Jira again")
	}
	// Its Share posts the contractor in the channel, found by account:
	// by email Share would have met both accounts again.
	after := buttons(t, replies[0])
	share := after[bot.ActionChooseShare]
	if share == nil || after[bot.ActionShare] != nil || after[bot.ActionChooseRefresh] == nil {
		t.Fatalf("buttons under the chosen answer: %v; want Share and Refresh for the account", after)
	}
	shared := h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: bot.ActionChooseShare, Value: share["value"].(string)})
	if got := text(shared[0]); shared[0].ResponseType != "in_channel" || !strings.Contains(got, "Sam Rivera (contractor)") {
		t.Errorf("shared choice (%s):\n%s", shared[0].ResponseType, got)
	}
	if h.jiraCalls() != jira {
		t.Errorf("sharing a choice searched Jira again")
	}

	before := h.jiraCalls() + h.adminCalls()
	tampered := strings.Replace(value, "0000000005a2", "0000000005a1", 1)
	replies = h.click(slacktest.Action{UserID: "U1", ChannelID: "C1", ActionID: pick["action_id"].(string), Value: tampered})
	if got := text(replies[0]); !strings.Contains(got, "could not be checked") {
		t.Errorf("tampered choice not refused:\n%s", got)
	}
	if got := h.jiraCalls() + h.adminCalls() - before; got != 0 {
		t.Errorf("tampered choice cost %d upstream calls", got)
	}
}
