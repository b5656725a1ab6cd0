package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"lastactive/bot/slacktest"
)

// TestReplyFallsBackToTextWhenSlackRefusesItsBlocks: a response_url that
// answers 400 invalid_blocks (a block Slack's validator refuses) gets the
// same reply again as its plain-text fallback, so the asker still has the
// answer instead of nothing; the log names the refusal.
func TestReplyFallsBackToTextWhenSlackRefusesItsBlocks(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.FailResponseURLError(1, http.StatusBadRequest, "invalid_blocks")
	env := h.send("U1", "C1", "ada@example.com")
	r := h.reply(env)
	if len(r.Blocks) != 0 && string(r.Blocks) != "null" {
		t.Errorf("the reply after invalid_blocks has blocks again: %s", r.Blocks)
	}
	if !strings.Contains(r.Text, "ada@example.com") {
		t.Errorf("the fallback reply lacks the answer:\n%s", r.Text)
	}
	if r.ResponseType != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", r.ResponseType)
	}
	if n := len(h.slack.ResponseAttempts(env.ID)); n != 2 {
		t.Errorf("response_url attempts = %d, want 2 (the refused blocks, then the text)", n)
	}
	if !strings.Contains(h.logs.String(), "invalid_blocks") {
		t.Errorf("the log does not name Slack's refusal:\n%s", h.logs.String())
	}
}

// TestShortcutEphemeralFallsBackToText: a shortcut answered with
// chat.postEphemeral whose blocks Slack refuses (ok:false invalid_blocks,
// with the pointers to the bad block in response_metadata.messages) is
// posted again as its text alone, and the log carries Slack's pointer.
func TestShortcutEphemeralFallsBackToText(t *testing.T) {
	h := startBot(t, harnessOpts{})
	h.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
	h.slack.FailMethodDetail("chat.postEphemeral", 1, "invalid_blocks", map[string]any{
		"response_metadata": map[string]any{"messages": []string{"[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]"}},
	})
	delivered := h.shortcutWithoutResponseURL(t, "shortcut-invalid-blocks", "C1", "chat.postEphemeral")
	if delivered == nil {
		t.Fatalf("invalid_blocks dropped the shortcut's answer:\n%s", h.logs.String())
	}
	if delivered.Params.Get("user") != "U1" || delivered.Params.Get("blocks") != "" || !strings.Contains(delivered.Params.Get("text"), "ada@example.com") {
		t.Errorf("fallback post: user %q, blocks %.100q, text %.200q", delivered.Params.Get("user"), delivered.Params.Get("blocks"), delivered.Params.Get("text"))
	}
	if !strings.Contains(h.logs.String(), "json-pointer:/blocks/1/text/text") {
		t.Errorf("the log does not say which block Slack refused:\n%s", h.logs.String())
	}
}

// TestShortcutOutsideTheBotsChannelsIsAnsweredInADirectMessage: a
// shortcut that came without a response_url, used in a channel the bot is
// not in, cannot be answered with chat.postEphemeral (not_in_channel). The
// answer then goes to the asker's direct messages with the app, saying why.
// Before, the asker learnt nothing: the answer was only logged as not
// delivered.
func TestShortcutOutsideTheBotsChannelsIsAnsweredInADirectMessage(t *testing.T) {
	for _, code := range []string{"not_in_channel", "channel_not_found"} {
		t.Run(code, func(t *testing.T) {
			h := startBot(t, harnessOpts{})
			h.slack.AddUser(slacktest.User{ID: "U0ADA", Name: "ada", Email: "ada@example.com"})
			h.slack.FailMethodError("chat.postEphemeral", 1, code)
			dm := h.shortcutWithoutResponseURL(t, "shortcut-"+code, "CPRIVATE", "chat.postMessage")
			if dm == nil {
				t.Fatalf("the asker learnt nothing: no direct message after %s:\n%s", code, h.logs.String())
			}
			if ch := dm.Params.Get("channel"); ch != "U1" {
				t.Errorf("the answer went to %q, want the asker's direct messages (U1)", ch)
			}
			if got := dm.Params.Get("text") + dm.Params.Get("blocks"); !strings.Contains(got, "ada@example.com") || !strings.Contains(got, "not in that channel") {
				t.Errorf("the direct message lacks the answer or why it came there:\n%s", got)
			}
			if strings.Contains(h.logs.String(), `"outcome":"undelivered"`) {
				t.Errorf("an answer delivered by direct message is audited as undelivered")
			}
		})
	}
}

// shortcutWithoutResponseURL sends the author shortcut on a message by
// U0ADA, asked by U1 in channel, with no response_url (as Slack sends it
// from some surfaces), and returns the first call of method Slack took,
// or nil once the bot logged the answer as not delivered.
func (h *harness) shortcutWithoutResponseURL(t *testing.T, envelopeID, channel, method string) *slacktest.Call {
	t.Helper()
	frame, err := json.Marshal(map[string]any{
		"envelope_id": envelopeID, "type": "interactive", "accepts_response_payload": false,
		"payload": map[string]any{
			"type": "message_action", "callback_id": "lastactive_author", "trigger_id": "1.2", "message_ts": "1.1",
			"team": map[string]any{"id": slacktest.TeamID}, "user": map[string]any{"id": "U1"}, "channel": map[string]any{"id": channel},
			"message": map[string]any{"type": "message", "user": "U0ADA", "text": "hi", "ts": "1.1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.slack.SendRaw(ctx, frame); err != nil {
		t.Fatal(err)
	}
	var taken *slacktest.Call
	if err := h.slack.Wait(ctx, func() bool {
		for _, c := range h.slack.Calls(method) {
			if c.Error == "" {
				taken = &c
				return true
			}
		}
		return strings.Contains(h.logs.String(), "reply not delivered")
	}); err != nil {
		t.Fatalf("the shortcut was neither answered nor given up: %v", err)
	}
	return taken
}

// TestExpiredResponseURLIsAnsweredEphemerally: a response_url Slack calls
// expired or used up (30 minutes, or 5 posts) took the answer nowhere: the
// asker, after waiting, saw nothing. Slack did not post it, so the same
// answer goes by chat.postEphemeral to the asker in the channel they asked
// in (and, where the bot is not in it, to their direct messages).
func TestExpiredResponseURLIsAnsweredEphemerally(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
	}{{http.StatusNotFound, "expired_url"}, {http.StatusNotFound, "used_url"}, {http.StatusGone, ""}} {
		t.Run(c.code+http.StatusText(c.status), func(t *testing.T) {
			h := startBot(t, harnessOpts{})
			h.slack.FailResponseURLError(1, c.status, c.code)
			env := h.send("U1", "C1", "ada@example.com")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var got *slacktest.Call
			if err := h.slack.Wait(ctx, func() bool {
				for _, call := range h.slack.Calls("chat.postEphemeral") {
					if call.Error == "" {
						got = &call
						return true
					}
				}
				return strings.Contains(h.logs.String(), "not delivered")
			}); err != nil || got == nil {
				t.Fatalf("the asker learnt nothing after a %d %s response_url (%v):\n%s", c.status, c.code, err, h.logs.String())
			}
			if got.Params.Get("channel") != "C1" || got.Params.Get("user") != "U1" {
				t.Errorf("posted to channel %q user %q, want C1 and U1", got.Params.Get("channel"), got.Params.Get("user"))
			}
			if txt := got.Params.Get("text") + got.Params.Get("blocks"); !strings.Contains(txt, "ada@example.com") {
				t.Errorf("the ephemeral post lacks the answer:\n%.300s", txt)
			}
			if n := len(h.slack.ResponseAttempts(env.ID)); n != 1 {
				t.Errorf("response_url attempts = %d, want 1 (a gone URL is not tried again)", n)
			}
		})
	}
}
