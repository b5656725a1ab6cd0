package main

import (
	"encoding/json"
	"fmt"
	"strings"
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
