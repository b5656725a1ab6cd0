package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestShortcutOnAMessageSlackGoCannotRead: the author shortcut carries the
// whole message it was used on, written by any person or app, and slack-go
// refuses a whole payload for one part of that message it does not know: a
// block element of a type newer than the library, an attachment ID or
// colour of another JSON type than its struct (as Slack has sent them), a
// file's size as a string. The bot reads only the message's author, so each
// is answered with the author's lookup; before, each was acked, logged as
// unreadable and answered by nobody, the asker left with nothing.
func TestShortcutOnAMessageSlackGoCannotRead(t *testing.T) {
	t.Parallel()
	s := serveTutorial(t)
	for i, c := range []struct{ name, extra string }{
		{"a context element of a newer type", `"blocks":[{"type":"context","block_id":"c","elements":[{"type":"user","user_id":"UTUT"}]}]`},
		{"an actions element of a newer type", `"blocks":[{"type":"actions","block_id":"a","elements":[{"type":"some_new_element","action_id":"x"}]}]`},
		{"an attachment ID as a string", `"attachments":[{"id":"1","fallback":"x","text":"y"}]`},
		{"an attachment colour as a number", `"attachments":[{"id":1,"color":36,"fallback":"x"}]`},
		{"a file's width as a string", `"files":[{"id":"F1","name":"a.png","original_w":"100","original_h":"100"}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("env-sc-%d", i)
			ru := s.srv.URL + "/hooks/shortcuts/TMIN/" + id
			msg := json.RawMessage(`{"type":"message","user":"UTUT","ts":"1700000000.000300","text":"hello",` + c.extra + `}`)
			s.send(t, id, "interactive", false, map[string]any{
				"type": "message_action", "callback_id": "lastactive_author", "token": "verification-token-unused",
				"trigger_id": "7.8.9", "action_ts": "1700000002.000001", "message_ts": "1700000000.000300",
				"user":         map[string]string{"id": "UASK", "username": "asker", "name": "asker", "team_id": "TMIN"},
				"team":         map[string]string{"id": "TMIN", "domain": "acme"},
				"channel":      map[string]string{"id": "CMIN", "name": "support"},
				"message":      msg,
				"response_url": ru,
			})
			r := s.reply(t, ru, 1)
			r.private(t)
			if !strings.Contains(r.raw, "Tess Tutorial") {
				t.Errorf("the reply is not the author's lookup:\n%s", r.raw)
			}
		})
	}
}

// TestInteractionUnreadableIsTold: a click or a message shortcut whose own
// fields the bot needs are of another type (the clicker's ID as a number)
// cannot be served, but its asker is told so at its response_url, when
// that URL is trusted as any reply's is; before, it was acked, logged as
// unreadable and answered by nobody. An untrusted response_url in such a
// payload receives nothing.
func TestInteractionUnreadableIsTold(t *testing.T) {
	t.Parallel()
	people := mfPeople(t)
	a := newMinAtlassian(t, []mfPerson{people[0].p}, mfWorkspacesDefault)
	s := newMinSlack(t, `{"type":"hello"}`, map[string]string{"UTUT": "tut@example.com"})
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	_, _, logs := serveProcess(t, a.env("SLACK_APP_TOKEN="+mfAppToken, "SLACK_BOT_TOKEN="+mfBotToken,
		"SLACK_API_URL="+s.apiURL(), "LASTACTIVE_DATABASE_URL="+mfDatabase(t)))
	t.Cleanup(func() {
		mfNoSecrets(t, logs.String())
		if t.Failed() {
			t.Logf("serve:\n%.8000s", logs.String())
		}
	})
	click := func(ru string) map[string]any {
		return map[string]any{"type": "block_actions", "user": map[string]any{"id": 7, "team_id": "TMIN"}, "team": map[string]any{"id": "TMIN"},
			"channel":      map[string]any{"id": "CMIN"},
			"actions":      []map[string]any{{"action_id": "refresh", "value": "x", "block_id": "b", "type": "button"}},
			"response_url": ru, "trigger_id": "1.2.3"}
	}
	shortcut := func(ru string) map[string]any {
		return map[string]any{"type": "message_action", "callback_id": "lastactive_author", "trigger_id": "7.8.9",
			"message_ts": "1700000000.000300", "user": map[string]any{"id": 7, "team_id": "TMIN"}, "team": map[string]any{"id": "TMIN"},
			"channel": map[string]any{"id": "CMIN"}, "message": map[string]any{"type": "message", "user": "UTUT", "ts": "1700000000.000300"},
			"response_url": ru}
	}
	// The untrusted ones first: by the time the trusted ones are answered,
	// a post wrongly made would most likely have arrived.
	s.send(t, "env-iu-0", "interactive", false, click(other.URL+"/hooks/actions/TMIN/env-iu-0"))
	s.send(t, "env-iu-1", "interactive", false, shortcut(other.URL+"/hooks/shortcuts/TMIN/env-iu-1"))
	for _, c := range []struct {
		id, path, want string
		payload        func(string) map[string]any
	}{
		{"env-iu-2", "/hooks/actions/TMIN/", "could not read that click", click},
		{"env-iu-3", "/hooks/shortcuts/TMIN/", "could not read that shortcut", shortcut},
	} {
		ru := s.srv.URL + c.path + c.id
		s.send(t, c.id, "interactive", false, c.payload(ru))
		r := s.reply(t, ru, 1)
		r.private(t)
		if !strings.Contains(r.raw, c.want) {
			t.Errorf("%s: the reply does not say %q:\n%s", c.id, c.want, r.raw)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d posts to an untrusted response_url", n)
	}
}
