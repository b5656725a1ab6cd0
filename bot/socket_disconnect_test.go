package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/slack-go/slack/socketmode"

	"lastactive/internal/testlog"
)

// TestDisconnectReasonsAreSaid: Slack's disconnect is logged by its reason.
// Socket Mode turned off in the app's settings (link_disabled) is an error
// naming the fix, too many connections for the app token a warning naming
// the cause; only refresh_requested and warning are a routine refresh. A
// reason Slack does not document is logged cut short. Before, every
// disconnect was "socket mode refresh" at info, reason unsaid.
func TestDisconnectReasonsAreSaid(t *testing.T) {
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newFakeSocket("a", newEventLog())
	b := NewBot(Transport{Sockets: []Socket{s}}, NewService(ServiceConfig{Lookups: NewLookups(nil, LookupOptions{}), Gate: NewGate(GateConfig{})}),
		BotConfig{}, log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitUntil(t, "the socket open", b.Ready)

	odd := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		reason, level, says string
	}{
		{"refresh_requested", "INFO", "refresh"},
		{"warning", "INFO", "refresh"},
		{"link_disabled", "ERROR", "Socket Mode"},
		{"too_many_websockets", "WARN", "too many"},
		{odd, "WARN", "disconnect"},
	} {
		before := len(logs.String())
		s.events <- socketmode.Event{Type: socketmode.EventTypeDisconnect, Request: &socketmode.Request{Type: "disconnect", Reason: tc.reason}}
		var line map[string]any
		waitUntil(t, "the disconnect's line", func() bool {
			for l := range strings.SplitSeq(logs.String()[before:], "\n") {
				line = nil
				if json.Unmarshal([]byte(l), &line) == nil && line["msg"] != "socket mode connected" {
					return true
				}
			}
			return false
		})
		name := tc.reason[:min(len(tc.reason), 20)]
		raw, _ := json.Marshal(line)
		if line["level"] != tc.level || !strings.Contains(line["msg"].(string), tc.says) {
			t.Errorf("%s: logged %s, want level %s saying %q", name, raw, tc.level, tc.says)
		}
		if r, _ := line["reason"].(string); !strings.HasPrefix(tc.reason, strings.TrimSuffix(r, "…")) || r == "" || len(r) > 100 {
			t.Errorf("%s: reason logged as %q", name, r)
		}
		s.events <- socketmode.Event{Type: socketmode.EventTypeConnected}
	}
}
