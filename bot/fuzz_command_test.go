package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// FuzzSlashCommand feeds arbitrary slash_commands payloads, decoded as the
// socket decodes them, to the bot's command handling. It never panics; it
// answers only to Slack's hosts, privately; and it costs no upstream call
// for a requester outside the allow-lists.
func FuzzSlashCommand(f *testing.F) {
	const okURL = "https://hooks.slack.com/commands/T0/1/abc"
	for _, s := range []struct{ user, channel, url, text string }{
		{"U0OK", "C0OK", okURL, "ada@example.com"},
		{"U0OK", "C0OK", okURL, "<@U0GRACE|grace>"},
		{"U0NO", "C0OK", okURL, "ada@example.com"},
		{"U0OK", "C0NO", okURL, "<mailto:ada@example.com|ada@example.com>"},
		{"U0OK", "C0OK", "https://evil.example/x", "ada@example.com"},
		{"U0OK", "C0OK", "http://169.254.169.254/latest/meta-data/", "help"},
		{"U0OK", "C0OK", "https://hooks.slack.com/redirect/T0/1/abc", "ada@example.com"},
		{"U0OK", "C0OK", "https://hooks.slack.com@evil.example/x", "idle"},
		{"U0OK", "C0OK", "https://hooks.slack.com.evil.example/x", "audit ada@example.com"},
		{"U0OK", "C0OK", "", "digest"},
		{"u0ok", "c0ok", okURL, "exempt list"},
	} {
		b, _ := json.Marshal(map[string]any{"command": "/lastactive", "user_id": s.user, "channel_id": s.channel,
			"response_url": s.url, "text": s.text, "team_id": "T0", "trigger_id": "1"})
		f.Add(b)
	}
	f.Add([]byte(`{"text":null,"user_id":1}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var cmd slack.SlashCommand
		if json.Unmarshal(payload, &cmd) != nil {
			return // the socket reports it as a bad message; nothing to answer
		}
		rt := &recordingTransport{}
		hc := &http.Client{Transport: rt}
		dir, users := &fuzzDir{}, &fuzzUsers{}
		gate := NewGate(GateConfig{AllowedUsers: []string{"U0OK"}, AllowedChannels: []string{"C0OK"}, PerUserBurst: 1000})
		svc := NewService(ServiceConfig{Lookups: NewLookups(dir, LookupOptions{}), Users: users, Gate: gate,
			OrgID: "org", Now: func() time.Time { return fuzzNow }, Buttons: fuzzSigner(fuzzNow)})
		b := NewBot(Transport{Responder: NewResponder(hc, "https://slack.com/api/")}, svc, BotConfig{}, nil, nil)

		ctx := context.Background()
		b.command(runCtx{work: ctx, posts: ctx}, job{received: fuzzNow, command: &cmd})

		for _, r := range rt.requests() {
			// Slack's response_url host, or the configured Web API host.
			if r.scheme != "https" || (hostOnly(r.host) != "hooks.slack.com" && r.host != "slack.com") {
				t.Fatalf("a reply went to %s://%s", r.scheme, r.host)
			}
			if bytes.Contains(r.body, []byte(`"response_type":"in_channel"`)) {
				t.Fatalf("a command answered in the channel: %s", r.body)
			}
		}
		allowed := cmd.UserID == "U0OK" && cmd.ChannelID == "C0OK"
		if n := dir.calls.Load() + users.calls.Load(); n > 0 && !allowed {
			t.Fatalf("%d upstream calls for %q in %q", n, cmd.UserID, cmd.ChannelID)
		}
		if len(rt.requests()) == 0 && trustedResponseURL(cmd.ResponseURL) {
			t.Fatalf("a command with a Slack response_url got no answer")
		}
	})
}
