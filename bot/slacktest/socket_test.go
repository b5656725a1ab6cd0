package slacktest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"lastactive/bot/slacktest"
)

func TestSlashCommandRoundTrip(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	b := connectedBot(ctx, t, s)

	env, err := s.SlashCommand(ctx, slacktest.Command{
		UserID: "U1", UserName: "ada", ChannelID: "C1", ChannelName: "support", Text: "ada@example.com",
	})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	evt := b.next(ctx, t, socketmode.EventTypeSlashCommand)
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		t.Fatalf("event %s carries %T, want slack.SlashCommand", evt.Type, evt.Data)
	}
	want := slack.SlashCommand{
		Token: slacktest.VerificationToken, TeamID: slacktest.TeamID, TeamDomain: slacktest.TeamDomain,
		ChannelID: "C1", ChannelName: "support", UserID: "U1", UserName: "ada",
		Command: "/lastactive", Text: "ada@example.com", ResponseURL: env.ResponseURL, APIAppID: slacktest.AppID,
	}
	if diff := cmp.Diff(want, cmd, cmpopts.IgnoreFields(slack.SlashCommand{}, "TriggerID")); diff != "" {
		t.Errorf("slash command (-want +got):\n%s", diff)
	}
	if cmd.TriggerID == "" {
		t.Error("trigger_id is empty")
	}
	if !strings.HasPrefix(cmd.ResponseURL, s.URL()+"/") {
		t.Errorf("response_url %q is not on the fake %s", cmd.ResponseURL, s.URL())
	}
	if evt.Request.EnvelopeID != env.ID || !evt.Request.AcceptsResponsePayload {
		t.Errorf("request = %+v, want envelope %s accepting a response payload", evt.Request, env.ID)
	}

	if err := b.sm.Ack(*evt.Request, map[string]any{"text": "working"}); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	ack, err := s.WaitAck(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantFrame := `{"envelope_id":"` + env.ID + `","payload":{"text":"working"}}`
	if string(ack.Payload) != `{"text":"working"}` || ack.Size != len(wantFrame) || ack.Late || ack.TooLarge {
		t.Errorf("ack = %+v, want payload {\"text\":\"working\"} of %d bytes, in time", ack, len(wantFrame))
	}

	_, _, err = webClient(s, slacktest.BotToken).PostMessageContext(ctx, "",
		slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("hi", false))
	if err != nil {
		t.Fatalf("post to response_url: %v", err)
	}
	replies, err := s.WaitReplies(ctx, env.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := replies[0]
	if got.ResponseType != "ephemeral" || got.Text != "hi" || got.Status != http.StatusOK || got.ReplaceOriginal {
		t.Errorf("reply = %+v, want ephemeral \"hi\" accepted", got)
	}
	if n := len(s.AllReplies()); n != 1 {
		t.Errorf("AllReplies has %d, want 1", n)
	}
}

func TestReconnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		breakConn func(*slacktest.Server)
	}{
		{"disconnect refresh_requested", func(s *slacktest.Server) { s.Disconnect("refresh_requested") }},
		{"disconnect link_disabled", func(s *slacktest.Server) { s.Disconnect("link_disabled") }},
		{"dropped connection", (*slacktest.Server).DropConnections},
		{"missing pings", func(s *slacktest.Server) { s.PausePings(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, slacktest.WithPingInterval(50*time.Millisecond))
			ctx := testContext(t)
			// A short watchdog only matters for the missing pings case; the
			// server pings twenty times as often, so the others stay connected.
			b := connectedBot(ctx, t, s, socketmode.OptionPingInterval(time.Second))

			tc.breakConn(s)
			if err := s.Wait(ctx, func() bool { return s.Opens() >= 2 }); err != nil {
				t.Fatalf("no second apps.connections.open: %v", err)
			}
			s.PausePings(false)
			if err := s.WaitConnected(ctx); err != nil {
				t.Fatal(err)
			}
			env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", ChannelID: "C1", Text: "help"})
			if err != nil {
				t.Fatalf("SlashCommand after reconnect: %v", err)
			}
			evt := b.next(ctx, t, socketmode.EventTypeSlashCommand)
			if evt.Request == nil || evt.Request.EnvelopeID != env.ID {
				t.Fatalf("got %s %+v, want envelope %s", evt.Type, evt.Request, env.ID)
			}
			if err := b.sm.Ack(*evt.Request); err != nil {
				t.Fatal(err)
			}
			if _, err := s.WaitAck(ctx, env.ID); err != nil {
				t.Fatal(err)
			}
			if s.Hellos() < 2 {
				t.Errorf("Hellos = %d, want a second socket", s.Hellos())
			}
		})
	}
}

func TestServerPingsAreAnswered(t *testing.T) {
	t.Parallel()
	s := newServer(t, slacktest.WithPingInterval(10*time.Millisecond))
	ctx := testContext(t)
	connectedBot(ctx, t, s)
	if err := s.Wait(ctx, func() bool { return s.Pongs() >= 3 }); err != nil {
		t.Fatalf("pongs = %d: %v", s.Pongs(), err)
	}
}

func TestAppTokenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		token   string
		revoked bool
		want    string
	}{
		{"wrong token", "xapp-1-A0TEST-1-wrong", false, "invalid_auth"},
		{"revoked token", slacktest.AppToken, true, "invalid_auth"},
		{"no token", "", false, "not_authed"},
		{"bot token", slacktest.BotToken, false, "not_allowed_token_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			s.SetAppTokenValid(!tc.revoked)
			ctx := testContext(t)
			api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(tc.token),
				slack.OptionAPIURL(s.APIURL()), slack.OptionLog(quiet))
			_, _, err := api.StartSocketModeContext(ctx)
			if err == nil || err.Error() != tc.want {
				t.Errorf("apps.connections.open error = %v, want %s", err, tc.want)
			}
			calls := s.Calls("apps.connections.open")
			if len(calls) != 1 || calls[0].TokenOK || calls[0].Error != tc.want {
				t.Errorf("calls = %+v, want one refused call", calls)
			}
			if s.Opens() != 0 {
				t.Errorf("Opens = %d, want 0", s.Opens())
			}
		})
	}

	t.Run("socketmode client gives up", func(t *testing.T) {
		t.Parallel()
		s := newServer(t)
		s.SetAppTokenValid(false)
		api := slack.New(slacktest.BotToken, slack.OptionAppLevelToken(slacktest.AppToken),
			slack.OptionAPIURL(s.APIURL()), slack.OptionLog(quiet))
		sm := socketmode.New(api, socketmode.OptionLog(quiet))
		ctx := testContext(t)
		done := make(chan error, 1)
		go func() { done <- sm.RunContext(ctx) }()
		go func() { // keep slack-go from blocking on its Events
			for {
				select {
				case <-sm.Events:
				case <-ctx.Done():
					return
				}
			}
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
				t.Errorf("RunContext = %v, want invalid_auth", err)
			}
		case <-ctx.Done():
			t.Fatal("RunContext kept retrying a revoked app token")
		}
	})
}

func TestTicketIsOneUse(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	ws, wsURL := rawConn(ctx, t, s)

	hello := readFrame(t, ws)
	if hello["type"] != "hello" || hello["num_connections"] != 1.0 {
		t.Errorf("first frame = %v, want hello with num_connections 1", hello)
	}
	if info, _ := hello["connection_info"].(map[string]any); info["app_id"] != slacktest.AppID {
		t.Errorf("hello connection_info = %v, want app_id %s", hello["connection_info"], slacktest.AppID)
	}

	for _, tc := range []struct{ name, url string }{
		{"reused ticket", wsURL},
		{"unknown ticket", strings.Replace(wsURL, "ticket=", "ticket=0", 1)},
		{"no ticket", "ws" + strings.TrimPrefix(s.URL(), "http") + "/link/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := websocket.DefaultDialer.DialContext(ctx, tc.url, nil)
			if err == nil {
				ws.Close()
				t.Fatal("dial succeeded")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("dial error %v, response %v: want a 401 handshake", err, resp)
			}
		})
	}

	second, _ := rawConn(ctx, t, s)
	if hello := readFrame(t, second); hello["num_connections"] != 2.0 {
		t.Errorf("second hello = %v, want num_connections 2", hello)
	}
	if s.Opens() != 2 || s.Connections() != 2 {
		t.Errorf("Opens, Connections = %d, %d; want 2, 2", s.Opens(), s.Connections())
	}
}

func TestRoundRobin(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	a, _ := rawConn(ctx, t, s)
	readFrame(t, a)
	b, _ := rawConn(ctx, t, s)
	readFrame(t, b)

	seen := map[string]bool{}
	for range 2 {
		if _, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", Text: "help"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ws := range []*websocket.Conn{a, b} {
		f := readFrame(t, ws)
		seen[f["envelope_id"].(string)] = true
	}
	if len(seen) != 2 {
		t.Errorf("envelopes seen = %v, want one distinct envelope per connection", seen)
	}
}

func TestAckSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		size     int
		tooLarge bool
	}{
		{"just below the limit", slacktest.MaxAckSize - 1, false},
		{"at the limit", slacktest.MaxAckSize, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			ctx := testContext(t)
			ws, _ := rawConn(ctx, t, s)
			readFrame(t, ws) // hello
			env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", Text: "x"})
			if err != nil {
				t.Fatal(err)
			}
			readFrame(t, ws)

			prefix := `{"envelope_id":"` + env.ID + `","payload":{"text":"`
			const suffix = `"}}`
			frame := prefix + strings.Repeat("a", tc.size-len(prefix)-len(suffix)) + suffix
			if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
				t.Fatal(err)
			}
			ack, err := s.WaitAck(ctx, env.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ack.Size != tc.size || ack.TooLarge != tc.tooLarge {
				t.Errorf("ack size %d, too large %v; want %d, %v", ack.Size, ack.TooLarge, tc.size, tc.tooLarge)
			}

			if !tc.tooLarge {
				// Still open: the next envelope arrives.
				if _, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1"}); err != nil {
					t.Fatal(err)
				}
				readFrame(t, ws)
				return
			}
			_ = ws.SetReadDeadline(time.Now().Add(testTimeout))
			_, _, err = ws.ReadMessage()
			if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
				t.Errorf("read after oversized ack: %v, want close 1009", err)
			}
		})
	}
}

func TestAckTimeout(t *testing.T) {
	t.Parallel()
	s := newServer(t, slacktest.WithAckTimeout(20*time.Millisecond))
	ctx := testContext(t)
	ws, _ := rawConn(ctx, t, s)
	readFrame(t, ws)
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	readFrame(t, ws)
	if err := s.Wait(ctx, func() bool { return s.TimedOut(env.ID) }); err != nil {
		t.Fatalf("envelope never timed out: %v", err)
	}
	if err := ws.WriteJSON(map[string]string{"envelope_id": env.ID}); err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Late || ack.Payload != nil {
		t.Errorf("ack = %+v, want a late ack without payload", ack)
	}
}

func TestResendAndHostileFrames(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	b := connectedBot(ctx, t, s)

	if err := s.SendRaw(ctx, []byte(`{"type": slash_commands}`)); err != nil {
		t.Fatal(err)
	}
	b.next(ctx, t, socketmode.EventTypeIncomingError)

	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", Text: "help"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		evt := b.next(ctx, t, socketmode.EventTypeSlashCommand)
		if evt.Request == nil || evt.Request.EnvelopeID != env.ID {
			t.Fatalf("delivery %d: %s %+v, want envelope %s", i, evt.Type, evt.Request, env.ID)
		}
		if err := b.sm.Ack(*evt.Request); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := s.Resend(ctx, env); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Wait(ctx, func() bool { return s.Acks(env.ID) == 2 }); err != nil {
		t.Fatalf("acks = %d, want 2: %v", s.Acks(env.ID), err)
	}
	if s.Opens() != 1 {
		t.Errorf("Opens = %d: a broken frame must not cost the connection", s.Opens())
	}
}

func TestInteractiveEnvelopes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	b := connectedBot(ctx, t, s)

	for _, tc := range []struct {
		name  string
		send  func() (*slacktest.Envelope, error)
		check func(t *testing.T, ic slack.InteractionCallback)
	}{
		{
			name: "block action",
			send: func() (*slacktest.Envelope, error) {
				return s.BlockAction(ctx, slacktest.Action{
					UserID: "U1", ChannelID: "C1", ActionID: "share", BlockID: "actions", Value: "ada@example.com", MessageTS: "1.000001",
				})
			},
			check: func(t *testing.T, ic slack.InteractionCallback) {
				if ic.Type != slack.InteractionTypeBlockActions || ic.User.ID != "U1" || ic.Channel.ID != "C1" ||
					ic.Container.ChannelID != "C1" || ic.Container.MessageTs != "1.000001" || !ic.Container.IsEphemeral {
					t.Errorf("callback = type %q user %q channel %q container %+v", ic.Type, ic.User.ID, ic.Channel.ID, ic.Container)
				}
				acts := ic.ActionCallback.BlockActions
				if len(acts) != 1 || acts[0].ActionID != "share" || acts[0].BlockID != "actions" ||
					acts[0].Value != "ada@example.com" || acts[0].Type != "button" {
					t.Errorf("actions = %+v", acts)
				}
			},
		},
		{
			name: "message shortcut",
			send: func() (*slacktest.Envelope, error) {
				return s.MessageShortcut(ctx, slacktest.Shortcut{
					UserID: "U1", ChannelID: "C1", CallbackID: "lastactive_author",
					MessageUserID: "U2", MessageText: "hello", MessageTS: "2.000002",
				})
			},
			check: func(t *testing.T, ic slack.InteractionCallback) {
				if ic.Type != slack.InteractionTypeMessageAction || ic.CallbackID != "lastactive_author" ||
					ic.User.ID != "U1" || ic.Channel.ID != "C1" || ic.MessageTs != "2.000002" {
					t.Errorf("callback = type %q callback %q user %q channel %q ts %q",
						ic.Type, ic.CallbackID, ic.User.ID, ic.Channel.ID, ic.MessageTs)
				}
				if ic.Message.User != "U2" || ic.Message.Text != "hello" || ic.Message.Timestamp != "2.000002" {
					t.Errorf("message = user %q text %q ts %q", ic.Message.User, ic.Message.Text, ic.Message.Timestamp)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := tc.send()
			if err != nil {
				t.Fatal(err)
			}
			evt := b.next(ctx, t, socketmode.EventTypeInteractive)
			ic, ok := evt.Data.(slack.InteractionCallback)
			if !ok {
				t.Fatalf("event %s carries %T, want slack.InteractionCallback", evt.Type, evt.Data)
			}
			if evt.Request.EnvelopeID != env.ID || env.Type != "interactive" {
				t.Errorf("envelope %s (%s), request %s", env.ID, env.Type, evt.Request.EnvelopeID)
			}
			if ic.ResponseURL != env.ResponseURL || ic.TriggerID == "" {
				t.Errorf("response_url %q trigger_id %q, want %q and a trigger", ic.ResponseURL, ic.TriggerID, env.ResponseURL)
			}
			tc.check(t, ic)
			if err := b.sm.Ack(*evt.Request); err != nil {
				t.Fatal(err)
			}
			if _, err := s.WaitAck(ctx, env.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEnvelopePayloadShape(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	ws, _ := rawConn(ctx, t, s)
	readFrame(t, ws)
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	frame := readFrame(t, ws)
	if frame["type"] != "slash_commands" || frame["envelope_id"] != env.ID || frame["accepts_response_payload"] != true {
		t.Errorf("frame = %v", frame)
	}
	var payload map[string]any
	raw, _ := json.Marshal(frame["payload"])
	_ = json.Unmarshal(raw, &payload)
	for _, k := range []string{"token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
		"command", "text", "response_url", "trigger_id", "api_app_id", "is_enterprise_install"} {
		if _, ok := payload[k]; !ok {
			t.Errorf("payload lacks %q", k)
		}
	}
}

func TestNoConnectionAndClose(t *testing.T) {
	t.Parallel()
	s := slacktest.NewServer()
	ctx := testContext(t)
	if _, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1"}); err == nil {
		t.Error("SlashCommand without a connection succeeded")
	}
	ws, _ := rawConn(ctx, t, s)
	readFrame(t, ws)

	s.Close()
	s.Close() // idempotent
	_ = ws.SetReadDeadline(time.Now().Add(testTimeout))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Error("socket still open after Close")
	}
	if _, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1"}); !errors.Is(err, slacktest.ErrClosed) {
		t.Errorf("SlashCommand after Close = %v, want ErrClosed", err)
	}
	if err := s.WaitConnected(ctx); !errors.Is(err, slacktest.ErrClosed) {
		t.Errorf("WaitConnected after Close = %v, want ErrClosed", err)
	}
}

// TestAckLatency: the round trip is timed on the wire, from the envelope's
// write to the ack's read, as Slack's own ack timer runs.
func TestAckLatency(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := testContext(t)
	ws, _ := rawConn(ctx, t, s)
	readFrame(t, ws)
	env, err := s.SlashCommand(ctx, slacktest.Command{UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.AckLatency(env.ID); ok {
		t.Error("AckLatency reports a round trip before any ack")
	}
	if _, ok := s.AckLatency("E-never-sent"); ok {
		t.Error("AckLatency reports a round trip for an envelope never sent")
	}
	readFrame(t, ws)
	const hold = 30 * time.Millisecond
	time.Sleep(hold) // the client holds the envelope before it acks
	if err := ws.WriteJSON(map[string]string{"envelope_id": env.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	d, ok := s.AckLatency(env.ID)
	if !ok || d < hold {
		t.Errorf("AckLatency = %v, %v; want at least the %v the client held it", d, ok, hold)
	}
}
