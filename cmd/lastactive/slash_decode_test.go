package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSlashCommandSlackGoCannotRead: slack-go refuses a whole slash command
// for one field the bot does not read (is_enterprise_install as "", a name
// as a number, as Slack may send them when it adds fields or changes
// types). The bot reads only the command, its text and where it came from,
// so each is answered; before, each was acked, logged as unreadable and
// answered by nobody, the person who typed it left with nothing.
func TestSlashCommandSlackGoCannotRead(t *testing.T) {
	t.Parallel()
	s := serveTutorial(t)
	for i, c := range []struct {
		name  string
		extra map[string]any
	}{
		{"is_enterprise_install empty", map[string]any{"is_enterprise_install": ""}},
		{"a user name as a number", map[string]any{"user_name": 7}},
		{"a channel name as an object", map[string]any{"channel_name": map[string]any{"name": "support"}}},
		{"an API app ID as a number", map[string]any{"api_app_id": 12}},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("env-sd-%d", i)
			ru := s.srv.URL + "/hooks/commands/TMIN/" + id
			p := map[string]any{
				"token": "verification-token-unused", "team_id": "TMIN", "team_domain": "acme", "channel_id": "CMIN",
				"channel_name": "support", "user_id": "UASK", "user_name": "asker", "command": "/lastactive", "text": "tut@example.com",
				"api_app_id": "A0MIN", "is_enterprise_install": "false", "response_url": ru, "trigger_id": "1.2.3",
			}
			for k, v := range c.extra {
				p[k] = v
			}
			s.send(t, id, "slash_commands", false, p)
			r := s.reply(t, ru, 1)
			r.private(t)
			if !strings.Contains(r.raw, "Tess Tutorial") {
				t.Errorf("the reply is not the lookup:\n%s", r.raw)
			}
		})
	}
}

// TestSlashCommandUnreadableIsTold: a slash command whose own fields the
// bot needs are of another type (its text as a number) cannot be served,
// but its asker is told so at its response_url, when that URL is trusted
// as any reply's is; before, it was acked and answered by nobody. An
// untrusted response_url in such a payload receives nothing.
func TestSlashCommandUnreadableIsTold(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	s := serveTutorial(t)
	payload := func(ru string) map[string]any {
		return map[string]any{"team_id": "TMIN", "channel_id": "CMIN", "user_id": "UASK", "command": "/lastactive", "text": 7,
			"is_enterprise_install": "", "response_url": ru, "trigger_id": "1.2.3"}
	}
	// The untrusted one first: by the time the trusted one is answered, a
	// post it wrongly made would most likely have arrived.
	s.send(t, "env-su-0", "slash_commands", false, payload(other.URL+"/hooks/commands/TMIN/env-su-0"))
	ru := s.srv.URL + "/hooks/commands/TMIN/env-su-1"
	s.send(t, "env-su-1", "slash_commands", false, payload(ru))
	r := s.reply(t, ru, 1)
	r.private(t)
	if !strings.Contains(r.raw, "could not read your command") {
		t.Errorf("the reply does not say the command was unreadable:\n%s", r.raw)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d posts to an untrusted response_url", n)
	}
}

// serveTutorial starts serve against the minimal fakes with one person,
// Tess Tutorial (tut@example.com, Slack user UTUT), and checks at the end
// that its log holds no secret (printing it if the test failed).
func serveTutorial(t *testing.T) *mfSlack {
	t.Helper()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, map[string]string{"UTUT": "tut@example.com"})
	_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
	t.Cleanup(func() {
		mfNoSecrets(t, logs.String())
		if t.Failed() {
			t.Logf("serve:\n%.8000s", logs.String())
		}
	})
	return s
}
