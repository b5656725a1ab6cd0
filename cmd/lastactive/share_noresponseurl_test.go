package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestShareWithoutAResponseURLIsNotAuditedAsShared: a Share click that
// came without a response_url (from a view container, or with only its
// channel) was looked up and posted with chat.postEphemeral, to the clicker
// alone, while the audit trail recorded a successful share in the channel,
// which nobody else saw. It is refused before the lookup: the clicker is
// told privately that it was not shared, and the trail says it was refused
// and why.
func TestShareWithoutAResponseURLIsNotAuditedAsShared(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, nil)
	db := "LASTACTIVE_DATABASE_URL=" + mfDatabase(t)
	cmd, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken, "SLACK_API_URL="+s.apiURL(), db))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve:\n%.6000s", logs.String())
		}
	})
	first := s.reply(t, s.slash(t, "env-first", "tut@example.com", false), 1)
	share := first.button(t, "Share")
	for i, c := range []struct {
		name      string
		container map[string]any
		channel   map[string]string
	}{
		{"message container with its channel", map[string]any{"type": "message", "message_ts": "1700000000.000200", "channel_id": "CMIN", "is_ephemeral": true},
			map[string]string{"id": "CMIN", "name": "support"}},
		{"view container", map[string]any{"type": "view", "view_id": "V0HOME"}, nil},
	} {
		s.mu.Lock()
		before := len(s.posts)
		s.mu.Unlock()
		p := map[string]any{
			"type": "block_actions", "api_app_id": "A0MIN", "trigger_id": "4.5.6",
			"user":      map[string]string{"id": "UASK", "username": "asker", "team_id": "TMIN"},
			"team":      map[string]string{"id": "TMIN", "domain": "acme"},
			"container": c.container,
			"actions": []map[string]any{{"type": "button", "action_id": share["action_id"], "block_id": "b1",
				"value": share["value"], "text": share["text"], "action_ts": "1700000001.000001"}},
		}
		if c.channel != nil {
			p["channel"] = c.channel
		}
		s.send(t, fmt.Sprintf("env-share-%d", i), "interactive", false, p)
		var text string
		eventually(t, "the clicker's answer to "+c.name, func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.posts) > before {
				text = s.posts[before].Get("text") + s.posts[before].Get("blocks")
				return true
			}
			return false
		})
		if strings.Contains(text, "Tess Tutorial") || !strings.Contains(text, "not shared") {
			t.Errorf("%s: the clicker was sent %.600s", c.name, text)
		}
	}
	stop(t, cmd, logs)
	r := runBinary(t, a.env(db), "", "audit", "--json", "tut@example.com")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	refused := 0
	for _, e := range auditLines(t, r.stdout) {
		if e.Kind == "share" {
			t.Errorf("a share nobody else saw is in the trail: %+v", e)
		}
		if e.Kind == "refusal" && strings.HasPrefix(e.Detail, "share ") && strings.Contains(e.Detail, "without a response_url") {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d refused shares in the trail, want 2:\n%s", refused, r.stdout)
	}
}
