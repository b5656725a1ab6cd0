package bot

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"lastactive/internal/testlog"
)

// TestUnreadableRequestIsToldWhere: which frames slack-go could not decode
// are answered "could not read" at their response_url: a slash command, a
// click and a message shortcut, each in its own words; not a global
// shortcut or a view submission (the bot answers neither), nor a frame
// whose envelope ID or response_url is not a string, nor a message
// shortcut whose callback_id names another shortcut (the bot would not have
// answered it readable either; it was told "could not read that shortcut").
// Before, a click or a message shortcut was answered by nobody.
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
		{"a message shortcut of another app's callback", `{"envelope_id":"E3b","type":"interactive","payload":{"type":"message_action","callback_id":"someone_else","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/3b"}}`, "", "", ""},
		{"a message shortcut of ours", `{"envelope_id":"E3c","type":"interactive","payload":{"type":"message_action","callback_id":"` + ShortcutAuthor + `","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/3c"}}`,
			"E3c", "https://hooks.slack.com/actions/T/3c", "that shortcut"},
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

// TestUnreadableEnvelopesAreCountedByType: an envelope slack-go could not
// decode was one Warn line, with no type, and counted nowhere: an App Home
// open, a global shortcut or a view submission Slack sent in a form the bot
// does not read went unnoticed unless someone read every log line. Each is
// counted now in lastactive_socketmode_unreadable_total by what it is (a
// bounded set: an unknown interaction type or event is counted under its
// envelope type), and its log line names the type and the envelope, not the
// person or what they typed.
func TestUnreadableEnvelopesAreCountedByType(t *testing.T) {
	t.Parallel()
	const personal = "alice.personal@example.com"
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	logs := &testlog.Buffer{}
	b := NewBot(Transport{}, nil, BotConfig{}, slog.New(slog.NewJSONHandler(logs, nil)), m)
	var tasks sync.WaitGroup
	rc := runCtx{work: t.Context(), posts: t.Context(), tasks: &tasks}
	frames := []struct{ frame, typ string }{
		{`{"envelope_id":"E1","type":"slash_commands","payload":{"text":7,"user_name":"` + personal + `"}}`, "slash_commands"},
		{`{"envelope_id":"E2","type":"interactive","payload":{"type":"block_actions","user":{"id":7,"name":"` + personal + `"}}}`, "block_actions"},
		{`{"envelope_id":"E3","type":"interactive","payload":{"type":"message_action","user":{"id":7}}}`, "message_action"},
		{`{"envelope_id":"E4","type":"interactive","payload":{"type":"shortcut","user":{"id":7},"callback_id":"` + personal + `"}}`, "shortcut"},
		{`{"envelope_id":"E5","type":"interactive","payload":{"type":"view_submission","user":{"id":7}}}`, "view_submission"},
		{`{"envelope_id":"E6","type":"interactive","payload":{"type":"` + personal + `"}}`, "interactive"},
		{`{"envelope_id":"E7","type":"interactive","payload":{"type":7}}`, "interactive"},
		{`{"envelope_id":"E8","type":"events_api","payload":{"type":"event_callback","event":{"type":"app_home_opened","user":7}}}`, "app_home_opened"},
		{`{"envelope_id":"E9","type":"events_api","payload":{"type":"event_callback","event":{"type":"` + personal + `"}}}`, "events_api"},
		{`{"envelope_id":"E10","type":"` + personal + `","payload":{}}`, "other"},
		{`not JSON ` + personal, "other"},
	}
	for _, f := range frames {
		b.event(rc, 0, socketmode.Event{Type: socketmode.EventTypeErrorBadMessage,
			Data: &socketmode.ErrorBadMessage{Cause: errors.New("json: cannot unmarshal number"), Message: json.RawMessage(f.frame)}}, func() {})
	}
	tasks.Wait()
	want := map[string]float64{}
	for _, f := range frames {
		want[f.typ]++
	}
	for typ, n := range want {
		if got := testutil.ToFloat64(m.unreadable.WithLabelValues(typ)); got != n {
			t.Errorf("%s: counted %v, want %v", typ, got, n)
		}
	}
	if n := testutil.CollectAndCount(m.unreadable); n != len(want) {
		t.Errorf("%d series, want %d", n, len(want))
	}
	out := logs.String()
	if strings.Contains(out, personal) || strings.Contains(out, "alice") {
		t.Errorf("a log line carries what the person sent:\n%s", out)
	}
	for _, f := range frames {
		if !strings.Contains(out, `"type":"`+f.typ+`"`) {
			t.Errorf("no log line names the type %s:\n%s", f.typ, out)
		}
	}
	if !strings.Contains(out, `"envelope_id":"E8"`) {
		t.Errorf("the App Home open's log line does not name its envelope:\n%s", out)
	}

	// A cause quotes what it could not read (slack-go names a block
	// element type, the socket an envelope type), of any length in a frame
	// of 1 MiB: the line keeps its start.
	before := len(logs.String())
	huge := strings.Repeat("x", 100_000)
	b.event(rc, 0, socketmode.Event{Type: socketmode.EventTypeErrorBadMessage,
		Data: &socketmode.ErrorBadMessage{Cause: errors.New("unsupported block element type " + huge),
			Message: json.RawMessage(`{"envelope_id":"E11","type":"events_api","payload":{"type":"event_callback","event":{"type":"app_home_opened","view":{"blocks":[{"type":"actions","elements":[{"type":"` + huge + `"}]}]}}}}`)}}, func() {})
	if line := logs.String()[before:]; len(line) > 2000 || !strings.Contains(line, "unsupported block element type xxx") {
		t.Errorf("a log line of %d bytes for one unreadable envelope: %.300s", len(line), line)
	}
}

// FuzzUnreadableType: whatever frame did not decode, it is counted under
// one of a few types (each a series for good), its envelope ID is one the
// socket could have acked or none, and a frame answered "could not read"
// is counted as what it was answered for.
func FuzzUnreadableType(f *testing.F) {
	f.Add([]byte(`{"envelope_id":"E1","type":"slash_commands","payload":{"text":7,"response_url":"https://hooks.slack.com/commands/T/1"}}`))
	f.Add([]byte(`{"envelope_id":"E2","type":"interactive","payload":{"type":"block_actions","user":{"id":7},"response_url":"https://hooks.slack.com/actions/T/2"}}`))
	f.Add([]byte(`{"envelope_id":"E3","type":"interactive","payload":{"type":"view_submission","user":{"id":7}}}`))
	f.Add([]byte(`{"envelope_id":"E4","type":"events_api","payload":{"type":"event_callback","event":{"type":"app_home_opened","user":7}}}`))
	f.Add([]byte(`{"envelope_id":"E5","type":"events_api","payload":{"type":"event_callback","event":[]}}`))
	f.Add([]byte(`{"envelope_id":7,"type":"interactive","payload":"x"}`))
	f.Add([]byte(`not JSON`))
	f.Add([]byte(`{"envelope_id":"E6","type":"interactive","payload":{"type":"block_actions","event":7,"response_url":"https://hooks.slack.com/actions/T/6"}}`))
	allowed := map[string]bool{"slash_commands": true, "block_actions": true, "message_action": true, "shortcut": true,
		"view_submission": true, "interactive": true, "app_home_opened": true, "events_api": true, "other": true}
	f.Fuzz(func(t *testing.T, frame []byte) {
		typ, id := unreadableType(frame)
		if !allowed[typ] {
			t.Fatalf("counted under %q", typ)
		}
		if len(id) > maxEnvelopeID {
			t.Fatalf("an envelope ID of %d bytes", len(id))
		}
		if id != "" {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(frame, &env) != nil || env.EnvelopeID != id {
				t.Fatalf("envelope ID %q not the frame's (%q)", id, env.EnvelopeID)
			}
		}
		if rid, _, what := unreadableRequest(frame); rid != "" {
			want := map[string]string{"your command": "slash_commands", "that click": "block_actions", "that shortcut": "message_action"}[what]
			if typ != want || id != rid {
				t.Fatalf("answered as %q (%q) but counted as %q (%q)", what, rid, typ, id)
			}
		}
	})
}

// TestInteractionsTheBotDoesNotAnswerAreLogged: the app has no global
// shortcut and opens no modal, so a global shortcut, a view submission or
// a message shortcut of another callback ID (one an admin added in the
// app's settings) gets only the ack, and the person sees nothing happen.
// That was silent in the logs too: the admin who added it had nothing to
// go on. Each is one line now, naming its type and callback ID, and counted
// as ignored.
func TestInteractionsTheBotDoesNotAnswerAreLogged(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	logs := &testlog.Buffer{}
	b := NewBot(Transport{}, nil, BotConfig{}, slog.New(slog.NewJSONHandler(logs, nil)), m)
	var tasks sync.WaitGroup
	rc := runCtx{work: t.Context(), posts: t.Context(), tasks: &tasks}
	long := strings.Repeat("c", 5000)
	for i, cb := range []slack.InteractionCallback{
		{Type: slack.InteractionTypeShortcut, CallbackID: "find_idle_seats", User: slack.User{ID: "U1"}},
		{Type: slack.InteractionTypeViewSubmission, View: slack.View{CallbackID: "some_form"}, User: slack.User{ID: "U1"}},
		{Type: slack.InteractionTypeMessageAction, CallbackID: "someone_elses", User: slack.User{ID: "U1"}},
		{Type: slack.InteractionTypeShortcut, CallbackID: long, User: slack.User{ID: "U1"}},
	} {
		b.event(rc, 0, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb,
			Request: &socketmode.Request{EnvelopeID: "N" + string(rune('0'+i)), Type: socketmode.RequestTypeInteractive}}, func() {})
	}
	tasks.Wait()
	out := logs.String()
	for _, want := range []string{`"type":"shortcut","callback_id":"find_idle_seats"`, `"type":"view_submission","callback_id":"some_form"`,
		`"type":"message_action","callback_id":"someone_elses"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no line with %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, long) {
		t.Errorf("a callback ID of 5,000 characters logged whole")
	}
	if got := testutil.ToFloat64(m.commands.WithLabelValues("interaction", "ignored")); got != 4 {
		t.Errorf("counted %v ignored interactions, want 4", got)
	}
}
