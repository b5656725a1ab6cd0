package bot

import (
	"strings"
	"testing"
)

// TestUnreadableRequestIsToldWhere: which frames slack-go could not decode
// are answered "could not read" at their response_url: a slash command, a
// click and a message shortcut, each in its own words; not a global
// shortcut or a view submission (the bot answers neither), nor a frame
// whose envelope ID or response_url is not a string. Before, a click or a
// message shortcut was answered by nobody.
func TestUnreadableRequestIsToldWhere(t *testing.T) {
	long := strings.Repeat("e", maxEnvelopeID+1)
	for _, c := range []struct {
		name, frame, id, url, what string
	}{
		{"a slash command", `{"envelope_id":"E1","type":"slash_commands","payload":{"text":7,"response_url":"https://hooks.slack.com/commands/T/1"}}`,
			"E1", "https://hooks.slack.com/commands/T/1", "your command"},
		{"a click", `{"envelope_id":"E2","type":"interactive","payload":{"type":"block_actions","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/2"}}`,
			"E2", "https://hooks.slack.com/actions/T/2", "that click"},
		{"a message shortcut", `{"envelope_id":"E3","type":"interactive","payload":{"type":"message_action","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/3"}}`,
			"E3", "https://hooks.slack.com/actions/T/3", "that shortcut"},
		{"a global shortcut", `{"envelope_id":"E4","type":"interactive","payload":{"type":"shortcut","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/4"}}`, "", "", ""},
		{"a view submission", `{"envelope_id":"E5","type":"interactive","payload":{"type":"view_submission","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/5"}}`, "", "", ""},
		{"an interaction of no type", `{"envelope_id":"E6","type":"interactive","payload":{"type":7,"response_url":"https://hooks.slack.com/actions/T/6"}}`, "", "", ""},
		{"a response_url not a string", `{"envelope_id":"E7","type":"interactive","payload":{"type":"block_actions","response_url":7}}`, "", "", ""},
		{"no response_url", `{"envelope_id":"E8","type":"interactive","payload":{"type":"block_actions","user":{"id":7}}}`, "", "", ""},
		{"no envelope ID", `{"type":"interactive","payload":{"type":"block_actions","response_url":"https://hooks.slack.com/actions/T/9"}}`, "", "", ""},
		{"an envelope ID too long to ack", `{"envelope_id":"` + long + `","type":"interactive","payload":{"type":"block_actions","response_url":"https://hooks.slack.com/actions/T/a"}}`, "", "", ""},
		{"an events_api frame", `{"envelope_id":"E9","type":"events_api","payload":{"type":"block_actions","response_url":"https://hooks.slack.com/actions/T/b"}}`, "", "", ""},
		{"not JSON", `{"envelope_id":"E10",`, "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, url, what := unreadableRequest([]byte(c.frame))
			if id != c.id || url != c.url || what != c.what {
				t.Errorf("got (%q, %q, %q), want (%q, %q, %q)", id, url, what, c.id, c.url, c.what)
			}
		})
	}
}
