package bot

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// TestOversizedSlackIDsAreNotServed: a slash command or a click whose
// user, channel or team ID is far longer than any Slack ID (a hostile or
// broken Socket Mode peer; a frame may be 1 MiB) is refused with a clear
// reply and keeps nothing: before, each such requester kept its whole ID
// as a rate-limit bucket key, an audit entry and a log line (400 commands
// of 900 KB IDs through the binary: 590 MB of RSS, a 370 MB database).
func TestOversizedSlackIDsAreNotServed(t *testing.T) {
	u := startUnit(t, 1, BotConfig{}, ServiceConfig{})
	long := "U" + strings.Repeat("X", 100<<10)
	cases := []struct {
		id   string
		data any
	}{
		{"S1", slack.SlashCommand{UserID: long, ChannelID: "C1", Text: "ada@example.com", ResponseURL: u.sink.URL + "/S1"}},
		{"S2", slack.SlashCommand{UserID: "U1", ChannelID: "C" + long, Text: "ada@example.com", ResponseURL: u.sink.URL + "/S2"}},
		{"S3", slack.SlashCommand{UserID: "U1", ChannelID: "C1", TeamID: "T" + long, Text: "ada@example.com", ResponseURL: u.sink.URL + "/S3"}},
	}
	for _, c := range cases {
		u.sockets[0].put(socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: c.data,
			Request: &socketmode.Request{EnvelopeID: c.id, Type: "slash_commands"}})
	}
	click := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, ResponseURL: u.sink.URL + "/B1"}
	click.User.ID = long
	click.Channel.ID = "C1"
	click.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: ActionRefresh, Value: "x"}}
	u.sockets[0].put(socketmode.Event{Type: socketmode.EventTypeInteractive, Data: click,
		Request: &socketmode.Request{EnvelopeID: "B1", Type: "interactive"}})

	for _, id := range []string{"S1", "S2", "S3", "B1"} {
		u.log.waitFor(t, id+"'s reply", hasLine("reply /"+id+" "))
	}
	for _, l := range u.log.snapshot() {
		if strings.HasPrefix(l, "reply /") && !strings.Contains(l, "not a Slack ID") {
			t.Errorf("reply does not say what was wrong: %.200s", l)
		}
	}
	if n := u.atl.Count("", "/"); n != 0 {
		t.Errorf("%d Admin API requests for requests that were not served", n)
	}
	u.svc.cfg.Gate.mu.Lock()
	n := len(u.svc.cfg.Gate.limiters)
	u.svc.cfg.Gate.mu.Unlock()
	if n != 0 {
		t.Errorf("%d rate-limit buckets kept for requests that were not served", n)
	}
}
