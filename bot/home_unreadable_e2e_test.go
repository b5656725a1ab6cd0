package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"lastactive/bot"
)

// TestAppHomeOpenWithAViewSlackGoCannotRead: Slack's app_home_opened
// carries the Home view last published, as it echoes it; one with a block
// element newer than slack-go was dropped whole, and the opener's Home tab
// never refreshed. Through the socket and the bot as wired: such an open
// publishes the Home; an open whose opener is not a string (nobody to
// publish for) is acked, published to no one, counted as an unreadable
// app_home_opened and logged with its envelope ID; the bot goes on.
func TestAppHomeOpenWithAViewSlackGoCannotRead(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := startBot(t, harnessOpts{metrics: bot.NewMetrics(reg), reports: true}) // App Home comes with reports
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	view := json.RawMessage(`{"id":"V1","team_id":"T1","type":"home","blocks":[{"type":"section","block_id":"b1","text":{"type":"mrkdwn","text":"old"}},` +
		`{"type":"actions","block_id":"b2","elements":[{"type":"a_newer_element","action_id":"x"}]}],"state":{"values":{}},"hash":"1.2"}`)
	if _, err := h.slack.AppHomeOpenedWithView(ctx, "U0VIEW01", view); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Wait(ctx, func() bool { return len(h.slack.HomeViews("U0VIEW01")) == 1 }); err != nil {
		t.Fatalf("no Home tab published for an open whose view slack-go refuses: %v\n%s", err, h.logs.String())
	}

	const frame = `{"envelope_id":"HOME-NOUSER","type":"events_api","accepts_response_payload":false,"payload":{"type":"event_callback","team_id":"T1",` +
		`"event":{"type":"app_home_opened","user":7,"tab":"home"}}}`
	if err := h.slack.SendRaw(ctx, []byte(frame)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(ctx, "HOME-NOUSER"); err != nil {
		t.Fatalf("an unreadable App Home open was not acked: %v", err)
	}
	// The ack is sent as the frame is read, before the bot handles it, and
	// the bot keeps two sockets, each handled by its own goroutine: neither
	// the ack nor a later command's answer (likely on the other socket)
	// says the frame was counted. The log line comes after the count, so
	// once it is there the count is too.
	logged := `"type":"app_home_opened","envelope_id":"HOME-NOUSER"`
	if err := waitFor(ctx, func() bool { return strings.Contains(h.logs.String(), logged) }); err != nil {
		t.Fatalf("no log line names the unreadable App Home open: %v\n%s", err, h.logs.String())
	}
	// The bot goes on.
	h.ask("U1", "C1", "help")
	want := `
# HELP lastactive_socketmode_unreadable_total Socket Mode envelopes acked but not decoded, by what they are (slash_commands, block_actions, message_action, shortcut, view_submission, interactive, app_home_opened, events_api, other).
# TYPE lastactive_socketmode_unreadable_total counter
lastactive_socketmode_unreadable_total{type="app_home_opened"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lastactive_socketmode_unreadable_total"); err != nil {
		t.Error(err)
	}
	if n := len(h.slack.HomeViews("")); n != 1 {
		t.Errorf("%d Home tabs published, want the one", n)
	}
}
