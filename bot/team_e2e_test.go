package bot_test

import (
	"strings"
	"testing"

	"lastactive/bot"
	"lastactive/bot/slacktest"
)

// TestGridClicksAreJudgedByTheClicker: in an Enterprise Grid, Slack gives a
// click's user.team_id as the organisation's ID (E…), and the payload's
// team and enterprise are the app's workspace and organisation, whoever
// clicked. With the bot installed in workspace T0TEST of organisation
// E0GRID (auth.test's team_id and enterprise_id), a Refresh clicked by one
// of its own people is answered, with or without the payload's enterprise,
// and one clicked by someone of another company in a Slack Connect
// channel (user.team_id T0OTHERCO) is refused though the payload names
// E0GRID. Before, the first was refused when Slack sent no enterprise
// object, and the second was answered with the person's dates.
func TestGridClicksAreJudgedByTheClicker(t *testing.T) {
	h := startBot(t, harnessOpts{ownWorkspaceOnly: true})
	h.app.Service.SetHome(slacktest.TeamID, "E0GRID")
	first := h.ask("U0ALICE01", "C1", "ada@example.com")
	refresh, _ := buttons(t, first)[bot.ActionRefresh]["value"].(string)
	if refresh == "" {
		t.Fatalf("no Refresh button: %s", first.Blocks)
	}
	for _, c := range []struct {
		name   string
		a      slacktest.Action
		served bool
	}{
		{"own person, enterprise given", slacktest.Action{UserID: "U0ALICE01", TeamID: "E0GRID", EnterpriseID: "E0GRID"}, true},
		{"own person, enterprise null", slacktest.Action{UserID: "U0ALICE01", TeamID: "E0GRID", EnterpriseID: "E0GRID", NoEnterprise: true}, true},
		{"own workspace's ID", slacktest.Action{UserID: "U0ALICE01", EnterpriseID: "E0GRID"}, true},
		{"another company in a shared channel", slacktest.Action{UserID: "U0EXT1", TeamID: "T0OTHERCO", EnterpriseID: "E0GRID"}, false},
		{"another organisation", slacktest.Action{UserID: "U0EXT2", TeamID: "E0OTHER", EnterpriseID: "E0GRID"}, false},
	} {
		a := c.a
		a.ChannelID, a.ActionID, a.Value = "C1", bot.ActionRefresh, refresh
		searches := h.adminCalls() + h.jiraCalls()
		replies := h.click(a)
		got := text(replies[len(replies)-1])
		refused := strings.Contains(got, "not allowed")
		switch {
		case c.served && refused:
			t.Errorf("%s: refused: %q", c.name, got)
		case !c.served && !refused:
			t.Errorf("%s: answered: %q", c.name, got)
		case !c.served && h.adminCalls()+h.jiraCalls() != searches:
			t.Errorf("%s: Atlassian was called", c.name)
		}
	}
}
