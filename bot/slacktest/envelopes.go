package slacktest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// VerificationToken is the deprecated per-app token Slack still puts in
// payloads. It is not a credential, and the bot should ignore it.
const VerificationToken = "fake-verification-token"

// Command is a slash command invocation.
type Command struct {
	UserID, UserName       string
	ChannelID, ChannelName string
	TeamID                 string // default TeamID
	Text                   string
	Command                string // default "/lastactive"
}

// Action is a click on a button in a message the bot posted.
type Action struct {
	UserID string
	TeamID string // the clicker's workspace (user.team_id); default TeamID
	// EnterpriseID is the Enterprise Grid organisation of the app's
	// workspace (team.enterprise_id, and the payload's enterprise unless
	// NoEnterprise); none when empty. Slack then gives the clicker's
	// user.team_id as their organisation's ID (E…).
	EnterpriseID string
	NoEnterprise bool // the payload's enterprise is null even with EnterpriseID
	ChannelID    string
	ActionID     string
	BlockID      string
	Value        string
	URL          string // set for link buttons
	MessageTS    string // the message the button is in; default a fresh ts
}

// Shortcut is a message shortcut used on someone's message.
type Shortcut struct {
	UserID        string
	ChannelID     string
	CallbackID    string
	MessageUserID string
	MessageText   string
	MessageTS     string // default a fresh ts
}

// SlashCommand delivers a slash_commands envelope whose payload has the
// documented fields of a slash command, with a response_url on this server.
func (s *Server) SlashCommand(ctx context.Context, c Command) (*Envelope, error) {
	if c.Command == "" {
		c.Command = "/lastactive"
	}
	if c.TeamID == "" {
		c.TeamID = TeamID
	}
	env := s.newEnvelope("slash_commands")
	env.Payload = mustJSON(map[string]any{
		"token":                 VerificationToken,
		"team_id":               c.TeamID,
		"team_domain":           TeamDomain,
		"channel_id":            c.ChannelID,
		"channel_name":          c.ChannelName,
		"user_id":               c.UserID,
		"user_name":             c.UserName,
		"command":               c.Command,
		"text":                  c.Text,
		"response_url":          env.ResponseURL,
		"trigger_id":            triggerID(),
		"api_app_id":            AppID,
		"is_enterprise_install": false,
	})
	if err := s.deliver(ctx, env, true); err != nil {
		return nil, err
	}
	return env, nil
}

// SlashCommandConnected is SlashCommand as a person retrying after Slack's
// "dispatch_failed" would send it: when no connection is open at that
// instant (a refresh, a reconnect under load), it waits, within ctx, for
// one and sends again. A test that means "the bot is connected, now ask"
// uses it, so that a socket reopening just then is not a failure.
func (s *Server) SlashCommandConnected(ctx context.Context, c Command) (*Envelope, error) {
	for {
		env, err := s.SlashCommand(ctx, c)
		if !errors.Is(err, ErrNoConnection) {
			return env, err
		}
		if err := s.Wait(ctx, func() bool { return s.Deliverable() > 0 }); err != nil {
			return nil, fmt.Errorf("%w (waited for one: %w)", ErrNoConnection, err)
		}
	}
}

// BlockAction delivers an interactive envelope of type block_actions for a
// button click on an ephemeral message.
func (s *Server) BlockAction(ctx context.Context, a Action) (*Envelope, error) {
	if a.MessageTS == "" {
		a.MessageTS = messageTS()
	}
	env := s.newEnvelope("interactive")
	action := map[string]any{
		"type":      "button",
		"action_id": a.ActionID,
		"block_id":  a.BlockID,
		"text":      map[string]any{"type": "plain_text", "text": a.ActionID, "emoji": true},
		"action_ts": messageTS(),
	}
	if a.Value != "" {
		action["value"] = a.Value
	}
	if a.URL != "" {
		action["url"] = a.URL
	}
	team := map[string]any{"id": TeamID, "domain": TeamDomain}
	var enterprise any
	if a.EnterpriseID != "" {
		team["enterprise_id"] = a.EnterpriseID
		if !a.NoEnterprise {
			enterprise = map[string]any{"id": a.EnterpriseID, "name": "Grid"}
		}
	}
	env.Payload = mustJSON(map[string]any{
		"type":       "block_actions",
		"token":      VerificationToken,
		"api_app_id": AppID,
		"team":       team,
		"enterprise": enterprise,
		"user":       map[string]any{"id": a.UserID, "team_id": cmp.Or(a.TeamID, TeamID)},
		"channel":    map[string]any{"id": a.ChannelID},
		"container": map[string]any{
			"type":         "message",
			"message_ts":   a.MessageTS,
			"channel_id":   a.ChannelID,
			"is_ephemeral": true,
		},
		"trigger_id":   triggerID(),
		"response_url": env.ResponseURL,
		"actions":      []any{action},
		"state":        map[string]any{"values": map[string]any{}},
	})
	if err := s.deliver(ctx, env, false); err != nil {
		return nil, err
	}
	return env, nil
}

// MessageShortcut delivers an interactive envelope of type message_action.
func (s *Server) MessageShortcut(ctx context.Context, m Shortcut) (*Envelope, error) {
	if m.MessageTS == "" {
		m.MessageTS = messageTS()
	}
	env := s.newEnvelope("interactive")
	env.Payload = mustJSON(map[string]any{
		"type":         "message_action",
		"token":        VerificationToken,
		"action_ts":    messageTS(),
		"team":         map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":         map[string]any{"id": m.UserID, "team_id": TeamID},
		"channel":      map[string]any{"id": m.ChannelID},
		"callback_id":  m.CallbackID,
		"trigger_id":   triggerID(),
		"message_ts":   m.MessageTS,
		"response_url": env.ResponseURL,
		"message": map[string]any{
			"type": "message",
			"user": m.MessageUserID,
			"text": m.MessageText,
			"ts":   m.MessageTS,
		},
	})
	if err := s.deliver(ctx, env, false); err != nil {
		return nil, err
	}
	return env, nil
}

func (s *Server) newEnvelope(typ string) *Envelope {
	s.mu.Lock()
	n := s.nextIDLocked()
	s.mu.Unlock()
	// Random like Slack's UUIDs, with a counter so logs read in order.
	id := fmt.Sprintf("%04d-%s", n, randomHex(8))
	return &Envelope{ID: id, Type: typ, ResponseURL: s.srv.URL + "/response/" + id}
}

func triggerID() string {
	return fmt.Sprintf("%d.%s", time.Now().Unix(), randomHex(8))
}

func messageTS() string {
	now := time.Now()
	return fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values are marshalled here
	}
	return b
}
