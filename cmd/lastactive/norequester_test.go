package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestRequestsWithoutARequesterAreRefused: a click without a user object
// (or with an empty user ID), carrying a valid Refresh or Share value and a
// response_url, was answered, looked up and rate-limited as requester "";
// with the allow-lists empty (everyone) nothing stopped it, and a Share went
// to the channel "shared by" nobody. So was a message shortcut with an
// empty user and a slash command with an empty user_id. Each is refused
// before any lookup: one warning line, counted as an ignored interaction
// (or command), and the response_url told it was not served. A global
// shortcut or a view submission without a user is counted the same.
func TestRequestsWithoutARequesterAreRefused(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, map[string]string{"UTUT": "tut@example.com"})
	cmd, base, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve:\n%.6000s", logs.String())
		}
	})
	// A real answer, whose buttons the requests below reuse.
	ru := s.slash(t, "env-first", "tut@example.com", false)
	first := s.reply(t, ru, 1)
	if !strings.Contains(first.raw, "Tess Tutorial") {
		t.Fatalf("the first lookup: %s", first.raw)
	}
	a.mu.Lock()
	before := len(a.requests)
	a.mu.Unlock()

	click := func(user any, button map[string]any) map[string]any {
		p := map[string]any{
			"type": "block_actions", "api_app_id": "A0MIN", "trigger_id": "4.5.6",
			"team":      map[string]string{"id": "TMIN", "domain": "acme"},
			"channel":   map[string]string{"id": "CMIN", "name": "support"},
			"container": map[string]any{"type": "message", "message_ts": "1700000000.000200", "channel_id": "CMIN", "is_ephemeral": true},
			"actions": []map[string]any{{"type": "button", "action_id": button["action_id"], "block_id": "b1",
				"value": button["value"], "text": button["text"], "action_ts": "1700000001.000001"}},
		}
		if user != nil {
			p["user"] = user
		}
		return p
	}
	refresh, share := first.button(t, "Refresh"), first.button(t, "Share")
	for i, c := range []struct {
		name, typ string
		payload   map[string]any
	}{
		{"Refresh without a user", "interactive", click(nil, refresh)},
		{"Refresh with an empty user ID", "interactive", click(map[string]string{"id": "", "team_id": "TMIN"}, refresh)},
		{"Refresh with a blank user ID", "interactive", click(map[string]string{"id": " ", "team_id": "TMIN"}, refresh)},
		{"Share without a user", "interactive", click(nil, share)},
		{"author shortcut with an empty user ID", "interactive", map[string]any{
			"type": "message_action", "callback_id": "lastactive_author", "trigger_id": "7.8.9",
			"user":    map[string]string{"id": ""},
			"team":    map[string]string{"id": "TMIN"},
			"channel": map[string]string{"id": "CMIN"},
			"message": map[string]string{"type": "message", "user": "UTUT", "ts": "1700000000.000300", "text": "hello"},
		}},
		{"slash command with an empty user_id", "slash_commands", map[string]any{
			"team_id": "TMIN", "channel_id": "CMIN", "user_id": "", "command": "/lastactive", "text": "tut@example.com"}},
	} {
		id := fmt.Sprintf("env-nobody-%d", i)
		hook := s.srv.URL + "/hooks/nobody/TMIN/" + id
		c.payload["response_url"] = hook
		s.send(t, id, c.typ, false, c.payload)
		r := s.reply(t, hook, 1)
		if strings.Contains(r.raw, "Tess Tutorial") || r.ResponseType == "in_channel" || !strings.Contains(r.raw, "without saying who sent it") {
			t.Errorf("%s: answered %s", c.name, r.raw)
		}
	}
	// Neither a global shortcut nor a view submission is answered; without a
	// user they are counted as ignored too.
	s.send(t, "env-nobody-global", "interactive", false, map[string]any{"type": "shortcut", "callback_id": "x", "team": map[string]string{"id": "TMIN"}})
	s.send(t, "env-nobody-view", "interactive", false, map[string]any{"type": "view_submission", "team": map[string]string{"id": "TMIN"},
		"view": map[string]any{"id": "V1", "callback_id": "y"}})
	eventually(t, "seven ignored interactions and one ignored command", func() bool {
		_, m := get(base + "/metrics")
		return strings.Contains(m, `lastactive_commands_total{kind="interaction",outcome="ignored"} 7`) &&
			strings.Contains(m, `lastactive_commands_total{kind="command",outcome="ignored"} 1`)
	})
	a.mu.Lock()
	after := a.requests[before:]
	a.mu.Unlock()
	if len(after) != 0 {
		t.Errorf("Atlassian was asked %d times for requests without a requester: %q", len(after), after)
	}
	stop(t, cmd, logs)
	if n := strings.Count(logs.String(), "without a user ID; refused"); n != 8 {
		t.Errorf("%d warning lines, want 8", n)
	}
}
